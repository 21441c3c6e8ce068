// The shape of a CLI command and the helpers every command uses to parse its arguments.
import { parseArgs, type ParseArgsConfig } from 'node:util';

type ParsedArgs = { values: Record<string, string | boolean | string[] | undefined>; positionals: string[] };
import { PersianLoraError } from '../errors.js';

export interface Command {
  /** Name as typed after `persian-lora` (may contain a space for sub-commands, e.g. `vocab stats`). */
  name: string;
  summary: string;
  /** Full help text shown by `--help`. */
  usage: string;
  run(argv: string[], io: CommandIO): Promise<number>;
}

export interface CommandIO {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  signal: AbortSignal;
}

/** Raised for bad command-line usage; the CLI prints it with the command's usage and exits 2. */
export class UsageError extends PersianLoraError {
  constructor(message: string) {
    super('ERR_INVALID_OPTION', message);
    this.name = 'UsageError';
  }
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** node:util parseArgs with `--help` built in and errors turned into UsageError. */
export function parseCommandArgs(argv: string[], options: Options, allowPositionals = false): ParsedArgs {
  try {
    return parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals, strict: true }) as ParsedArgs;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** Parse a numeric option, naming it in the error. */
export function numberOption(value: string | undefined, name: string, { integer = false, min = -Infinity, max = Infinity } = {}): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < min || n > max) {
    const range = `${min === -Infinity ? '' : `>= ${min}`}${min !== -Infinity && max !== Infinity ? ' and ' : ''}${max === Infinity ? '' : `<= ${max}`}`;
    throw new UsageError(`Expected ${integer ? 'an integer' : 'a number'}${range ? ' ' + range : ''} for --${name} but received ${JSON.stringify(value)}`);
  }
  return n;
}
