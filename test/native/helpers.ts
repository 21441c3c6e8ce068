// Shared fixtures of the native tests: tiny models built once per process in a temp folder, removed when the process
// (one test file: ava runs each in its own) exits.
import { mkdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createTinyModel, type TinyModelOptions } from '../../lib/tiny-model.js';

const dir = path.join(os.tmpdir(), `persian-lora-test-${process.pid}`);
const made = new Map<string, Promise<string>>();
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

/** Path of a tiny model with these options, created on first use. */
export function tinyModel(options: Omit<TinyModelOptions, 'out'> = {}): Promise<string> {
  const key = JSON.stringify(options);
  let p = made.get(key);
  if (!p) {
    mkdirSync(dir, { recursive: true });
    const out = path.join(dir, `tiny-${made.size}.gguf`);
    p = createTinyModel({ ...options, out }).then((r) => r.path);
    made.set(key, p);
  }
  return p;
}

export function scratchPath(name: string): string {
  mkdirSync(dir, { recursive: true });
  return path.join(dir, name);
}

