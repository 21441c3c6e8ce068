// The fuzz suite's harness: runs `node bin/persian-lora.js …` in child processes, a few at a time, each with a
// generous deadline after which it is killed (a hang is a failure), and checks how it ended.
import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import test, { type ExecutionContext } from 'ava';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const CLI = path.join(ROOT, 'bin/persian-lora.js');
/** Children run at once per test file. */
export const PARALLEL = Math.max(1, Math.min(3, os.availableParallelism?.() ?? os.cpus().length));
/** A case still running after this is a hang: killed and failed (far beyond what any case needs on a loaded machine). */
export const DEADLINE_MS = 120_000;

export interface CliRun {
  argv: string[];
  code: number | null;
  signal: NodeJS.Signals | null;
  hung: boolean;
  stdout: string;
  stderr: string;
}

/** Starts the CLI; `onStderr` sees stderr as it comes (to act on a line, e.g. kill after a checkpoint). */
export function startCli(argv: string[], options: { cwd?: string; onStderr?: (text: string, child: ChildProcess) => void } = {}): { child: ChildProcess; done: Promise<CliRun> } {
  const child = spawn(process.execPath, [CLI, ...argv], { cwd: options.cwd ?? ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let hung = false;
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
    options.onStderr?.(stderr, child);
  });
  const timer = setTimeout(() => {
    hung = true;
    child.kill('SIGKILL');
  }, DEADLINE_MS);
  const done = new Promise<CliRun>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ argv, code, signal, hung, stdout, stderr });
    });
  });
  return { child, done };
}

let running = 0;
const waiting: (() => void)[] = [];

/** `persian-lora …argv` in a child process once one of the PARALLEL slots is free (ava runs a file's tests at once). */
export async function runCli(argv: string[], cwd?: string): Promise<CliRun> {
  if (running >= PARALLEL) await new Promise<void>((resolve) => waiting.push(resolve));
  running++;
  try {
    return await startCli(argv, { cwd }).done;
  } finally {
    running--;
    waiting.shift()?.();
  }
}

/** The line the CLI prints for an error: `persian-lora <command>: <message>`. */
export function errorLine(run: CliRun): string | undefined {
  return run.stderr.split('\n').find((l) => /^persian-lora [a-z -]+: /.test(l));
}

/**
 * Why a run ended badly, or undefined when it ended well: killed by a signal, hung, an exit code other than those
 * allowed, or (on an error exit) no one-line message, a stack trace, or raw binary in what it printed.
 */
export function badEnding(run: CliRun, allowed: readonly number[] = [0, 1, 2]): string | undefined {
  if (run.hung) return `hung (killed after ${DEADLINE_MS / 1000} s)`;
  if (run.signal !== null) return `killed by ${run.signal}`;
  if (!allowed.includes(run.code!)) return `exit code ${run.code} (expected ${allowed.join(' or ')})`;
  if (run.code === 0) return undefined;
  const line = errorLine(run);
  if (line === undefined) return 'no "persian-lora <command>: <message>" line on stderr';
  if (line.length > 2000) return `a message of ${line.length} characters`;
  if (/^\s+at .+[:(]\d+/m.test(run.stderr)) return 'a stack trace on stderr';
  // control characters (a file's invalid UTF-8 may show as U+FFFD, which is printable)
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x08\x0e-\x1a\x1c-\x1f\x7f-\x9f]/.test(run.stderr)) return 'raw binary on stderr';
  return undefined;
}

/**
 * ava's `test`, or `test.failing` for a case named in `knownFailing` (a finding not fixed yet: each entry names the
 * case and why, and the test starts failing as soon as the fix lands, to be taken off the list).
 */
export function caseTest(knownFailing: Record<string, string>) {
  return (title: string, body: (t: ExecutionContext) => Promise<void>) => (title in knownFailing ? test.failing : test)(title, body);
}

/** Records a run's verdict as an assertion that names the case and shows how it ended. */
export function expectGoodEnding(t: ExecutionContext, label: string, run: CliRun, allowed?: readonly number[]): boolean {
  const bad = badEnding(run, allowed);
  const shown = `${label}: persian-lora ${run.argv.join(' ')} → ${bad ?? 'ok'}\n${run.stderr.slice(-600)}`;
  if (bad) t.fail(shown);
  else t.pass();
  return bad === undefined;
}
