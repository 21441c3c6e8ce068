// Reads one JSON file of the run folder and validates it, naming the file in every error.
import { readFile } from 'node:fs/promises';
import type { z } from 'zod';
import { parseOptions } from '../../config/validate.js';
import { PersianLoraError } from '../../errors.js';

/** `what` names the kind of file in messages, e.g. `Manifest` → `Manifest /run/manifest.json does not exist`. */
export async function readJsonFile<S extends z.ZodType>(file: string, schema: S, what: string, label: string): Promise<z.output<S>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new PersianLoraError('ERR_FILE_NOT_FOUND', `${what} ${file} does not exist`);
    throw new PersianLoraError('ERR_FILE_NOT_FOUND', `${what} ${file} cannot be read: ${(error as Error).message}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new PersianLoraError('ERR_BAD_FORMAT', `${what} ${file} is not valid JSON: ${(error as Error).message}`);
  }
  try {
    return parseOptions(schema, data, label);
  } catch (error) {
    throw new PersianLoraError('ERR_BAD_FORMAT', `${what} ${file}: ${(error as Error).message}`);
  }
}
