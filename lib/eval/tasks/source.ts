// Reads a task file (YAML or JSON) keeping where each key is, so that an error names the file, the line and the key
// (validated with lib/config/yaml.ts's parseSource).
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { parseYamlSource, type YamlSource } from '../../config/yaml.js';
import { PersianLoraError, describeValue } from '../../errors.js';

/** A YAML tag the file uses that we cannot run (lm-evaluation-harness's `!function`), kept so the error can name it. */
export class UnsupportedTag {
  constructor(readonly tag: string, readonly value: string) {}
}

const customTags = [{ tag: '!function', resolve: (value: string) => new UnsupportedTag('!function', value) }];

/** Read `file` (`.yaml`, `.yml` or `.json`); syntax errors name the file and line. */
export function readTaskSource(file: string, what = 'Task file'): YamlSource {
  if (!existsSync(file)) throw new PersianLoraError('ERR_FILE_NOT_FOUND', `${what} ${file} does not exist`);
  const ext = path.extname(file).toLowerCase();
  if (ext !== '.json' && ext !== '.yaml' && ext !== '.yml') {
    throw new PersianLoraError('ERR_BAD_FORMAT', `Expected a task file ending in .yaml, .yml or .json but received ${describeValue(file)}`);
  }
  const text = readFileSync(file, 'utf8');
  if (ext === '.json') {
    try {
      JSON.parse(text);
    } catch (error) {
      throw new PersianLoraError('ERR_BAD_FORMAT', `${what} ${file} is not valid JSON: ${(error as Error).message}`);
    }
  }
  // JSON is YAML, so one parser gives the lines of both.
  return parseYamlSource(text, file, what, customTags);
}
