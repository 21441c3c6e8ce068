// The shape of a CLI command and the helpers every command uses to parse its arguments.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { PersianLoraError } from '../errors.js';
import type { Interrupts } from './interrupts.js';

export type ParsedValues = Record<string, string | boolean | string[] | undefined>;
type ParsedArgs = { values: ParsedValues; positionals: string[] };

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
  /** Aborted by Ctrl-C or SIGTERM: a long command stops after its current step and returns INTERRUPTED (130). */
  signal: AbortSignal;
  /** Input of interactive commands (chat); default process.stdin. */
  stdin?: NodeJS.ReadableStream;
  /** Lets a command handle Ctrl-C itself (chat stops a reply); absent when main() runs in-process (tests). */
  interrupts?: Pick<Interrupts, 'takeOver'>;
}

/** Raised for bad command-line usage; the CLI prints its message and where the help is, and exits 2. */
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

/** Options several commands take, spelt and parsed the same everywhere. */
export const sharedOptions = {
  model: { type: 'string', short: 'm' },
  out: { type: 'string', short: 'o' },
  threads: { type: 'string', short: 't' },
  lora: { type: 'string', multiple: true },
  'ctx-size': { type: 'string', short: 'c' },
  'gpu-layers': { type: 'string' },
  rpc: { type: 'string' },
  device: { type: 'string' },
} as const satisfies Options;

/** A string option's value, undefined when not given. */
export function stringOption(values: ParsedValues, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}

/** A string option that must be given (and not empty). */
export function requiredOption(values: ParsedValues, name: string, what: string): string {
  const value = stringOption(values, name);
  if (value === undefined || value === '') throw new UsageError(`Expected ${what} for --${name} but received nothing`);
  return value;
}

/** A flag: true when given. */
export function flagOption(values: ParsedValues, name: string): boolean {
  return values[name] === true;
}

/** One of `choices`, or undefined when not given. */
export function choiceOption<T extends string>(values: ParsedValues, name: string, choices: readonly T[]): T | undefined {
  const value = stringOption(values, name);
  if (value !== undefined && !(choices as readonly string[]).includes(value)) {
    throw new UsageError(`Expected one of ${choices.join(', ')} for --${name} but received ${JSON.stringify(value)}`);
  }
  return value as T | undefined;
}

/** Refuses positional arguments of a command that takes none. */
export function noPositionals(positionals: string[]): void {
  if (positionals.length > 0) throw new UsageError(`Unexpected argument ${JSON.stringify(positionals[0])}`);
}

/** --threads: 0 = all cores. */
export function threadsOption(values: ParsedValues): number | undefined {
  return numberOption(stringOption(values, 'threads'), 'threads', { integer: true, min: 0, max: 1024 });
}

/** --gpu-layers: a count or all; default auto (all with a GPU build). */
export function gpuLayersOption(values: ParsedValues): number | 'all' | 'auto' {
  const value = stringOption(values, 'gpu-layers');
  return value === undefined ? 'auto' : value === 'all' ? 'all' : numberOption(value, 'gpu-layers', { integer: true, min: 0 })!;
}

/** Parses `path[:scale]` (--lora). */
export function parseLoraArg(arg: string): { path: string; scale: number } {
  const m = /^(.*?)(?::([-+]?\d*\.?\d+(?:e[-+]?\d+)?))?$/i.exec(arg)!;
  const scale = m[2] === undefined ? 1 : Number(m[2]);
  if (!m[1]) throw new UsageError(`Expected path[:scale] for --lora but received ${JSON.stringify(arg)}`);
  return { path: m[1], scale };
}

/** Every --lora given. */
export function loraOptions(values: ParsedValues): { path: string; scale: number }[] {
  const value = values.lora;
  return (Array.isArray(value) ? value : typeof value === 'string' ? [value] : []).map(parseLoraArg);
}
