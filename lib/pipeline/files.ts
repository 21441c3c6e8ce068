// Hashes of the files a pipeline run reads and writes, and of the settings that key its stages.
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
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

