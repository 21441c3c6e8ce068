// Streams a file through sha256 (models are gigabytes: never read whole), for the results' file references.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { PersianLoraError } from '../../errors.js';

export interface FileRef {
  path: string;
  sha256: string | null;
  bytes: number | null;
}

/** sha256 (hex) of a file, read as a stream; rejects with the signal's reason when aborted. */
export async function sha256File(file: string, signal?: AbortSignal): Promise<string> {
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(file, { highWaterMark: 1 << 22, signal })) hash.update(chunk as Buffer);
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    throw new PersianLoraError('ERR_FILE_NOT_FOUND', `Could not read ${file} to hash it: ${(error as Error).message}`);
  }
  return hash.digest('hex');
}

/** Path, size and (when `hash`) sha256 of a file. */
export async function fileRef(file: string, hash: boolean, signal?: AbortSignal): Promise<FileRef> {
  let bytes: number;
  try {
    bytes = (await stat(file)).size;
  } catch (error) {
    throw new PersianLoraError('ERR_FILE_NOT_FOUND', `Could not read ${file}: ${(error as Error).message}`);
  }
  return { path: file, sha256: hash ? await sha256File(file, signal) : null, bytes };
}
