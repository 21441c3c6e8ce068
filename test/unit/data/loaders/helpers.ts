// Shared helpers for loader tests: temporary files and draining async iterables.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../../../helpers/temp-dir.js';

export function tempFile(name: string, content: string | Buffer): string {
  const dir = tempDir('pl-data-');
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}
