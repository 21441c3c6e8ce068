// Atomic writes: into `<file>.tmp-<pid>`, synced, then renamed over the file. A failed write (a full disk, a folder in
// the way) removes the temporary file and leaves the old file or none, never a half one; the error is a
// PersianLoraError naming the file (ERR_NO_SPACE for a full disk, ERR_IO otherwise). And output folders made so that
// a folder that cannot be made is an error, not an endless loop.
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { ioError } from './errors.js';

const temporary = (file: string) => `${file}.tmp-${process.pid}`;

export async function writeFileAtomically(file: string, write: (fh: FileHandle) => Promise<void>): Promise<void> {
  const tmp = temporary(file);
  try {
    const fh = await open(tmp, 'w');
    try {
      await write(fh);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, file);
  } catch (error) {
    await rm(tmp, { force: true });
    throw ioError(error, file, 'write');
  }
}

export function writeFileAtomicallySync(file: string, data: string | Uint8Array): void {
  const tmp = temporary(file);
  try {
    const fd = openSync(tmp, 'w');
    try {
      const bytes = typeof data === 'string' ? Buffer.from(data) : data;
      for (let at = 0; at < bytes.length;) at += writeSync(fd, bytes, at, bytes.length - at);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  } catch (error) {
    rmSync(tmp, { force: true });
    throw ioError(error, file, 'write');
  }
}

/** JSON, indented by two, with a final newline. */
export function writeJsonAtomically(file: string, value: unknown): void {
  writeFileAtomicallySync(file, JSON.stringify(value, null, 2) + '\n');
}

/**
 * Makes `dir` and its missing parents, one at a time; returns the first one made (undefined when `dir` existed).
 * (Node's recursive mkdir retries forever where mkdir says ENOENT under an existing parent, as in /proc.)
 */
export function makeDirs(dir: string, doing = 'create the folder'): string | undefined {
  const missing: string[] = [];
  for (let p = path.resolve(dir); !existsSync(p); p = path.dirname(p)) {
    missing.unshift(p);
    if (path.dirname(p) === p) break;
  }
  try {
    for (const p of missing) mkdirSync(p);
  } catch (error) {
    throw ioError(error, dir, doing);
  }
  return missing[0];
}
