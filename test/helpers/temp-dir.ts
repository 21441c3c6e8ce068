// Temporary folders of the tests, removed when the process ends (one test file: ava runs each in its own process).
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const made: string[] = [];
// at exit rather than in an ava hook: helpers and a file's top-level code make folders outside any test
process.on('exit', () => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** A fresh folder `<os tmpdir>/<prefix>XXXXXX`, removed with everything in it when the process exits. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}
