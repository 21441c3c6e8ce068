// Writes a file atomically: into a temporary file that is synced and renamed, removed if writing fails.
import { open, rename, rm, type FileHandle } from 'node:fs/promises';

export async function writeFileAtomically(path: string, write: (fh: FileHandle) => Promise<void>): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  const fh = await open(tmp, 'w');
  try {
    await write(fh);
    await fh.sync();
  } catch (error) {
    await fh.close();
    await rm(tmp, { force: true });
    throw error;
  }
  await fh.close();
  await rename(tmp, path);
}
