// The lock of a run folder (train run, pipeline run): a `.lock` file holding the owner's pid, created whole (written
// under a temporary name, then hard-linked into place, which fails when it exists). A lock whose process no longer runs
// is stale and taken over; one held by a live process is refused with ERR_LOCKED naming its pid.
import { linkSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PersianLoraError, ioError } from './errors.js';

export const LOCK_FILE = '.lock';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The pid in a lock file; NaN when it is gone or unreadable. */
function ownerOf(file: string): number {
  try {
    return Number(readFileSync(file, 'utf8').trim() || NaN);
  } catch {
    return NaN;
  }
}

/**
 * Takes the lock of `runDir` (which must exist) and returns its release. Refused with ERR_LOCKED while another live
 * process holds it (the same process too: one run per folder at a time).
 */
export function lockRunDir(runDir: string): () => void {
  const file = path.join(runDir, LOCK_FILE);
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, String(process.pid));
  } catch (error) {
    rmSync(tmp, { force: true });
    throw ioError(error, runDir, 'lock the run folder');
  }
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        linkSync(tmp, file);
        return () => {
          if (ownerOf(file) === process.pid) rmSync(file, { force: true });
        };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw ioError(error, runDir, 'lock the run folder');
      }
      const pid = ownerOf(file);
      if (Number.isInteger(pid) && pid > 0 && alive(pid)) {
        throw new PersianLoraError('ERR_LOCKED', `${runDir} is in use by another run (process ${pid}); wait for it to end or use another folder`);
      }
      rmSync(file, { force: true }); // stale: its process ended without releasing it
    }
    throw new PersianLoraError('ERR_LOCKED', `Could not lock ${runDir}: another process keeps taking its lock`);
  } finally {
    rmSync(tmp, { force: true });
  }
}
