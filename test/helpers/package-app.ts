// Installing this package the way a user does: `npm pack` it, make a fresh app, run npm and the CLI there with a clean
// environment (no npm_* variables of the test runner, none of the package's own overrides unless given).
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../../lib/version.js';

const npmCli = process.env.npm_execpath && /npm-cli\.js$/.test(process.env.npm_execpath) ? process.env.npm_execpath : undefined;

export interface Run { code: number; stdout: string; stderr: string; seconds: number }

/** The environment without this process's npm_* variables (set by `npx ava`) nor the package's own overrides. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^npm_/i.test(k) || ['PERSIAN_LORA_ADDON', 'LLAMA_CPP_DIR', 'PERSIAN_LORA_VENDOR_DIR', 'PERSIAN_LORA_SKIP_BUILD', 'PERSIAN_LORA_GPU', 'INIT_CWD'].includes(k)) continue;
    env[k] = v;
  }
  return { ...env, ...extra };
}

export function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = cleanEnv()): Promise<Run> {
  const started = Date.now();
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd, env, encoding: 'utf8', maxBuffer: 64 << 20, timeout: 15 * 60_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr: stderr + (error && typeof error.code !== 'number' ? `\n${error.message}` : ''), seconds: (Date.now() - started) / 1000 });
    });
  });
}

/** npm (the one running these tests when known, else the one on PATH). */
export const npm = (args: string[], cwd: string, env?: NodeJS.ProcessEnv) =>
  npmCli ? run(process.execPath, [npmCli, ...args], cwd, env) : run('npm', args, cwd, env);
export const show = (r: Run) => `exit ${r.code}\n--- stdout\n${r.stdout.slice(-4000)}\n--- stderr\n${r.stderr.slice(-6000)}`;

/** Packs this repository (dist/ as compiled: no prepack) into `dir`; returns the tarball's path. */
export async function packInto(dir: string): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const pack = await npm(['pack', '--ignore-scripts', '--json', '--pack-destination', dir], packageRoot);
  if (pack.code !== 0) throw new Error(`npm pack failed: ${show(pack)}`);
  return path.join(dir, (JSON.parse(pack.stdout) as { filename: string }[])[0]!.filename);
}

/** A fresh ES-module app folder. */
export function makeApp(dir: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'pl-app', version: '1.0.0', private: true, type: 'module' }, null, 2));
}
