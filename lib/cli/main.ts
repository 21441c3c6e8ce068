// Entry point of `npx persian-lora`: dispatches to a command, maps errors to exit codes (0 ok, 1 failure, 2 usage).
import { commands } from './commands/index.js';
import { UsageError, type Command, type CommandIO } from './command.js';
import { PersianLoraError } from '../errors.js';

function topLevelHelp(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'Usage: persian-lora <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run `persian-lora <command> --help` for the options of a command.',
  ].join('\n') + '\n';
}

/** Longest command name that prefixes argv (sub-commands such as `vocab stats`). */
function findCommand(argv: string[]): { command: Command; rest: string[] } | undefined {
  let best: { command: Command; rest: string[] } | undefined;
  for (const command of commands) {
    const words = command.name.split(' ');
    if (words.every((w, i) => argv[i] === w) && (!best || words.length > best.command.name.split(' ').length)) {
      best = { command, rest: argv.slice(words.length) };
    }
  }
  return best;
}

export async function main(argv: string[], io: CommandIO): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    io.stdout.write(topLevelHelp());
    return argv.length === 0 ? 2 : 0;
  }
  if (argv[0] === '--version') {
    const { packageVersion } = await import('../version.js');
    io.stdout.write(packageVersion() + '\n');
    return 0;
  }
  const found = findCommand(argv);
  if (!found) {
    io.stderr.write(`Unknown command ${JSON.stringify(argv.join(' '))}.\n\n` + topLevelHelp());
    return 2;
  }
  const { command, rest } = found;
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(command.usage.trimEnd() + '\n');
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`persian-lora ${command.name}: ${error.message}\n\n${command.usage.trimEnd()}\n`);
      return 2;
    }
    if (error instanceof PersianLoraError) {
      if (error.code === 'ERR_INVALID_OPTION') {
        io.stderr.write(`persian-lora ${command.name}: ${error.message}\n`);
        return 2;
      }
      io.stderr.write(`persian-lora ${command.name}: ${error.message}\n`);
      return 1;
    }
    io.stderr.write(`persian-lora ${command.name}: ${(error as Error)?.stack ?? String(error)}\n`);
    return 1;
  }
}
