// Reads a task file (YAML or JSON) keeping where each key is, so that an error names the file, the line and the key.
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { LineCounter, parseDocument, type Document } from 'yaml';
import { yamlValue } from '../../config/yaml.js';
import type { z } from 'zod';
import { parseOptions } from '../../config/validate.js';
import { PersianLoraError, describeValue } from '../../errors.js';

/** A parsed task file: its plain data and the line of any key path in it. */
export interface TaskSource {
  file: string;
  data: unknown;
  /** The line of the deepest node of `keyPath` that exists (the key itself when it is there). */
  lineOf(keyPath: readonly PropertyKey[]): number | undefined;
}

/** A YAML tag the file uses that we cannot run (lm-evaluation-harness's `!function`), kept so the error can name it. */
export class UnsupportedTag {
  constructor(readonly tag: string, readonly value: string) {}
}

const customTags = [{ tag: '!function', resolve: (value: string) => new UnsupportedTag('!function', value) }];

/** Read `file` (`.yaml`, `.yml` or `.json`); syntax errors name the file and line. */
export function readTaskSource(file: string, what = 'Task file'): TaskSource {
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
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, customTags });
  const first = doc.errors[0];
  if (first) {
    const line = first.linePos?.[0]?.line;
    throw new PersianLoraError('ERR_BAD_FORMAT', `${what} ${file}${line ? ` line ${line}` : ''} is not valid YAML: ${first.message.split('\n')[0]}`);
  }
  return { file, data: yamlValue(doc, file, what), lineOf: (keyPath) => lineOf(doc, lines, keyPath) };
}

/**
 * Validate `source.data` with `schema`. An unknown key is reported before anything else (a typo `knd:` names `knd`,
 * not the missing `kind`), and every message starts with the file and the line.
 */
export function parseSource<S extends z.ZodType>(schema: S, source: TaskSource, label: string): z.output<S> {
  const result = schema.safeParse(source.data);
  if (result.success) return result.data;
  const issues = result.error.issues;
  const unknown = issues.find((i) => i.code === 'unrecognized_keys');
  const issue = unknown ?? issues[0]!;
  const keyPath = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]!] : issue.path;
  const line = source.lineOf(keyPath);
  const where = `${source.file}${line ? ` line ${line}` : ''}`;
  if (issue.code === 'unrecognized_keys') {
    throw new PersianLoraError('ERR_INVALID_OPTION', `${where}: Unknown option ${issue.keys.map((k) => [label, ...issue.path.map(String), k].join('.')).join(', ')}`);
  }
  try {
    parseOptions(schema, source.data, label);
  } catch (error) {
    throw new PersianLoraError('ERR_INVALID_OPTION', `${where}: ${(error as Error).message}`, { cause: error });
  }
  throw new PersianLoraError('ERR_INVALID_OPTION', `${where}: ${issue.message}`);
}

function lineOf(doc: Document, lines: LineCounter, keyPath: readonly PropertyKey[]): number | undefined {
  for (let n = keyPath.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : keyNode(doc.getIn(keyPath.slice(0, n - 1) as unknown[], true), keyPath[n - 1]);
    const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
    if (range) return lines.linePos(range[0]).line;
  }
  return undefined;
}

/** The key node of `key` in a YAML map node, or the item of a sequence node. */
function keyNode(parent: unknown, key: PropertyKey | undefined): unknown {
  const items = (parent as { items?: Array<{ key?: { value?: unknown }; value?: unknown }> } | undefined)?.items;
  if (!items) return undefined;
  if (typeof key === 'number') return items[key];
  return items.find((p) => p.key?.value === key)?.key;
}
