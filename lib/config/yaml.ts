// YAML (and JSON) files read keeping where each key is, so that an error names the file, the line and the key; yaml's
// own limits (alias expansion, the "billion laughs") are clear errors.
import { LineCounter, parseDocument, type Document, type ParseOptions, type DocumentOptions, type SchemaOptions } from 'yaml';
import type { z } from 'zod';
import { parseOptions } from './validate.js';
import { PersianLoraError } from '../errors.js';

/** A parsed file: its plain data and the line of any key path in it. */
export interface YamlSource {
  file: string;
  data: unknown;
  /** The line of the deepest node of `keyPath` that exists (the key itself when it is there). */
  lineOf(keyPath: readonly PropertyKey[]): number | undefined;
}

/** `doc.toJS()`, where a document that expands beyond yaml's alias limit is an ERR_BAD_FORMAT naming `file`. */
export function yamlValue(doc: Document, file: string, what = 'YAML file'): unknown {
  try {
    return doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    if (error instanceof ReferenceError || error instanceof RangeError) {
      throw new PersianLoraError('ERR_BAD_FORMAT', `${what} ${file} expands beyond the limit of aliases (${error.message.split('\n')[0]})`);
    }
    throw error;
  }
}

/** Parses `text` (YAML, or JSON, which is YAML) read from `file` (`what` names it in errors); a syntax error names the file and the line. */
export function parseYamlSource(text: string, file: string, what: string, customTags?: SchemaOptions['customTags']): YamlSource {
  const lines = new LineCounter();
  const options: ParseOptions & DocumentOptions & SchemaOptions = { lineCounter: lines, uniqueKeys: true, ...(customTags ? { customTags } : {}) };
  const doc = parseDocument(text, options);
  const first = doc.errors[0];
  if (first) {
    const line = first.linePos?.[0]?.line;
    throw new PersianLoraError('ERR_BAD_FORMAT', `${file}${line ? ` line ${line}` : ''} is not valid YAML: ${first.message.split('\n')[0]}`);
  }
  return { file, data: yamlValue(doc, file, what), lineOf: (keyPath) => lineOf(doc, lines, keyPath) };
}

/**
 * Validates `input` (default: the file's own data) with `schema`. An unknown key is reported before anything else (a
 * typo `knd:` names `knd`, not the missing `kind`), and every message starts with the file and the line.
 */
export function parseSource<S extends z.ZodType>(schema: S, source: YamlSource, label: string, input: unknown = source.data): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issues = result.error.issues;
  const issue = issues.find((i) => i.code === 'unrecognized_keys') ?? issues[0]!;
  const keyPath = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]!] : issue.path;
  const line = source.lineOf(keyPath);
  const where = `${source.file}${line ? ` line ${line}` : ''}`;
  if (issue.code === 'unrecognized_keys') {
    throw new PersianLoraError('ERR_INVALID_OPTION', `${where}: Unknown option ${issue.keys.map((k) => [label, ...issue.path.map(String), k].join('.')).join(', ')}`);
  }
  try {
    parseOptions(schema, input, label);
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

/** The key node of `key` in a YAML map node (so the line is the key's, not its value's), or the item of a sequence node. */
function keyNode(parent: unknown, key: PropertyKey | undefined): unknown {
  const items = (parent as { items?: Array<{ key?: { value?: unknown }; value?: unknown }> } | undefined)?.items;
  if (!items) return undefined;
  if (typeof key === 'number') return items[key]?.key ?? items[key];
  return items.find((p) => p.key?.value === key)?.key;
}
