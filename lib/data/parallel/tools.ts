// Runs the package clients (apt-get, dpkg-deb, npm) as child processes with captured output and clear failures.
import { execFile, spawn } from 'node:child_process';
import { PersianLoraError } from '../../errors.js';

export interface ToolResult {
  stdout: string;
  stderr: string;
}

/** Run `command args` in `cwd`; a missing program, a non-zero exit or a timeout becomes a PersianLoraError. */
export function runTool(command: string, args: string[], options: { cwd?: string; timeoutMs?: number; signal?: AbortSignal } = {}): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd: options.cwd, timeout: options.timeoutMs ?? 300_000, maxBuffer: 64 * 1024 * 1024, signal: options.signal, env: { ...process.env, LC_ALL: 'C' } }, (error, stdout, stderr) => {
      if (!error) return resolve({ stdout, stderr });
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return reject(new PersianLoraError('ERR_DATA', `${command} is not installed or not on PATH`, { cause: error }));
      if (code === 'ABORT_ERR') return reject(new PersianLoraError('ERR_ABORTED', `${command} ${args.join(' ')} was aborted`, { cause: error }));
      const detail = summarizeOutput(String(stderr) || String(stdout) || error.message);
      reject(new PersianLoraError('ERR_NETWORK', `${command} ${args.slice(0, 2).join(' ')} failed${error.killed ? ' (timed out)' : ''}: ${detail}`, { cause: error }));
    });
  });
}

/** Stream the stdout of `command args` chunk by chunk; rejects at the end when the program failed. */
export async function* streamTool(command: string, args: string[]): AsyncGenerator<Buffer> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<void>((resolve, reject) => {
    child.on('error', (error) => {
      const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
      reject(new PersianLoraError('ERR_DATA', missing ? `${command} is not installed or not on PATH` : `${command} failed: ${error.message}`, { cause: error }));
    });
    child.on('close', (code) => (code === 0 ? resolve() : reject(new PersianLoraError('ERR_DATA', `${command} ${args.join(' ')} exited with code ${code}: ${summarizeOutput(stderr)}`))));
  });
  done.catch(() => undefined);
  try {
    for await (const chunk of child.stdout) yield chunk as Buffer;
  } finally {
    if (child.exitCode === null) child.kill();
  }
  await done;
}

/** The informative part of a client's error output: no stack frames, log pointers or sandbox warnings; two lines at most. */
export function summarizeOutput(text: string): string {
  const lines = text.split('\n')
    .map((l) => l.replace(/^npm (?:error|ERR!)\s*/, '').trim())
    .filter((l) => l !== '' && l !== '{' && l !== '}' && !/^at |^(syscall|errno) |A complete log of this run|^W: Download is performed unsandboxed/.test(l));
  return [...new Set(lines)].slice(0, 2).join(' / ') || 'no output';
}
