// Runs CLI commands in-process with captured stdout/stderr, for the CLI tests of every tier.
import { PassThrough } from 'node:stream';
import { main } from '../../lib/cli/main.js';
import type { CommandIO } from '../../lib/cli/command.js';

/** Fake IO streams whose output is collected into strings. */
export function captureIo(signal = new AbortController().signal): { io: CommandIO; out: () => string; err: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => (out += d));
  stderr.on('data', (d) => (err += d));
  return { io: { stdout, stderr, signal }, out: () => out, err: () => err };
}

/** `persian-lora ...argv` through main(): exit code and captured output. */
export async function runCli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const c = captureIo();
  const code = await main(argv, c.io);
  return { code, out: c.out(), err: c.err() };
}
