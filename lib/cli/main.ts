// Entry point of `npx persian-lora`: dispatches to a command, maps errors to exit codes (0 ok, 1 failure, 2 usage,
// 130 interrupted) and one-line messages.
import { commands } from './commands/index.js';
import type { Command, CommandIO } from './command.js';
import { INTERRUPTED } from './interrupts.js';
import { PersianLoraError, ioError } from '../errors.js';

function commandList(list: Command[], prefix = ''): string[] {
  const width = Math.max(...list.map((c) => c.name.length - prefix.length));
  return list.map((c) => `  ${c.name.slice(prefix.length).padEnd(width)}  ${c.summary}`);
}

function topLevelHelp(): string {
  return [
    'Usage: persian-lora <command> [options]',
    '',
    'Commands:',
    ...commandList(commands),
    '',
    'Run `persian-lora <command> --help` for the options of a command.',
  ].join('\n') + '\n';
}

/** `persian-lora vocab`: the sub-commands of a group. */
function groupHelp(group: string, members: Command[]): string {
  return [
    `Usage: persian-lora ${group} <command> [options]`,
    '',
    'Commands:',
    ...commandList(members, `${group} `),
    '',
    `Run \`persian-lora ${group} <command> --help\` for the options of a command.`,
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

const isHelp = (arg: string | undefined) => arg === '--help' || arg === '-h' || arg === 'help';

/** Whether `error` is the command stopping because its signal was aborted. */
function isInterrupt(error: unknown, signal: AbortSignal): boolean {
  return signal.aborted && (error === signal.reason || (error instanceof PersianLoraError && error.code === 'ERR_ABORTED'));
}

export async function main(argv: string[], io: CommandIO): Promise<number> {
  if (argv.length === 0 || isHelp(argv[0])) {
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
    const members = commands.filter((c) => c.name.startsWith(`${argv[0]} `));
    if (members.length > 0 && (argv.length === 1 || isHelp(argv[1]))) {
      io[argv.length === 1 ? 'stderr' : 'stdout'].write(groupHelp(argv[0]!, members));
      return argv.length === 1 ? 2 : 0;
    }
    const what = members.length > 0 ? `Unknown command "${argv.slice(0, 2).join(' ')}"; see: persian-lora ${argv[0]} --help` : `Unknown command ${JSON.stringify(argv[0])}; see: persian-lora --help`;
    io.stderr.write(`persian-lora: ${what}\n`);
    return 2;
  }
  const { command, rest } = found;
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(command.usage.trimEnd() + '\n');
    return 0;
  }
  return runCommand(command, rest, io);
}

/** Runs one command and turns what it throws into an exit code and a one-line message (a stack only for bugs). */
export async function runCommand(command: Command, argv: string[], io: CommandIO): Promise<number> {
  const fail = (message: string) => io.stderr.write(`persian-lora ${command.name}: ${message}\n`);
  try {
    return await command.run(argv, io);
  } catch (error) {
    if (isInterrupt(error, io.signal)) {
      fail('interrupted');
      return INTERRUPTED;
    }
    const errno = error as (NodeJS.ErrnoException & { dest?: string }) | null;
    const known = ioError(error, errno?.dest ?? errno?.path ?? 'a file'); // a rename names where it wrote
    if (known instanceof PersianLoraError) {
      if (known.code === 'ERR_INVALID_OPTION') {
        fail(`${known.message}\nsee: persian-lora ${command.name} --help`);
        return 2;
      }
      fail(known.message);
      return 1;
    }
    // not an expected failure: a bug, shown with its stack
    fail((error as Error)?.stack ?? String(error));
    return 1;
  }
}
