// Run-folder housekeeping: hashes of the files a run reads and writes, atomic JSON, and the lock of a run folder.
import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';
import { PersianLoraError } from '../errors.js';
import { sha256File } from '../eval/runner/hash.js';
import type { ManifestFile } from './manifest.js';

/** A file's manifest entry; `path` relative to `runDir` when the file is inside it. */
export async function manifestFile(role: string, file: string, runDir: string, signal?: AbortSignal): Promise<ManifestFile> {
  const rel = path.relative(runDir, file);
  const inside = rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
  let bytes: number;
  try {
    bytes = statSync(file).size;
  } catch {
    throw new PersianLoraError('ERR_FILE_NOT_FOUND', `File not found: ${file} (${role})`);
  }
  return { role, path: inside ? rel : path.resolve(file), sha256: await sha256File(file, signal), bytes };
}

/** sha256 of a JSON-able value, for stage keys. */
export function hashOf(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex');
}

/** Writes JSON through a temporary file and a rename, so a reader never sees half a file. */
export function writeJsonAtomically(file: string, value: unknown): void {
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    const fd = openSync(tmp, 'w');
    try {
      writeSync(fd, JSON.stringify(value, null, 2) + '\n');
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  } catch (error) {
    rmSync(tmp, { force: true });
    const code = (error as NodeJS.ErrnoException).code;
    throw new PersianLoraError(code === 'ENOSPC' ? 'ERR_NO_SPACE' : 'ERR_IO', `Could not write ${file}: ${code ?? (error as Error).message}`);
  }
}

const LOCK = '.lock';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes the run folder's lock (an exclusive file holding our pid) and returns its release. A lock left by a process
 * that no longer runs is taken over; one held by a live process is refused with its pid.
 */
export function lockRunDir(runDir: string): () => void {
  const file = path.join(runDir, LOCK);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(file, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new PersianLoraError('ERR_IO', `Could not lock ${runDir}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
      }
      const pid = Number(existsSync(file) ? readFileSync(file, 'utf8').trim() : NaN);
      if (Number.isInteger(pid) && pid > 0 && alive(pid)) {
        throw new PersianLoraError('ERR_LOCKED', `${runDir} is in use by another run (process ${pid}); wait for it to end or use another folder`);
      }
      rmSync(file, { force: true });
    }
  }
  throw new PersianLoraError('ERR_LOCKED', `Could not lock ${runDir}`);
}
