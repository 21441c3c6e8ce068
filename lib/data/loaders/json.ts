// JSON Lines and JSON-array loaders with field mapping, streamed (an array is split element by element).
import { createReadStream } from 'node:fs';
import { z } from 'zod';
import { parseOptions } from '../../config/validate.js';
import { PersianLoraError } from '../../errors.js';
import { readLines } from './text.js';
import { ErrorPolicy, fieldMapSchema, mapFields, malformedRecord, newStats, onErrorSchema, recordStream, type DataRecord, type RecordStream } from './records.js';

export const jsonLoaderOptionsSchema = z.strictObject({
  /** `jsonl`: one JSON object per line; `array`: one top-level array of objects; `auto`: decided by the first character. */
  format: z.enum(['auto', 'jsonl', 'array']).default('auto'),
  /** Output field → source path (`content`, `meta.text`, `input?` for optional); all fields when absent. */
  fields: fieldMapSchema.optional(),
  /** `throw` on the first malformed record, or `skip` it and count it in `stats.skipped`. */
  onError: onErrorSchema,
});
export type JsonLoaderOptions = z.input<typeof jsonLoaderOptionsSchema>;

/** Stream records from a JSONL file or a JSON array file. */
export function readJson(file: string, options: JsonLoaderOptions = {}): RecordStream<DataRecord> {
  const opts = parseOptions(jsonLoaderOptionsSchema, options, 'readJson options');
  const stats = newStats();
  const policy = new ErrorPolicy(opts.onError, stats);
  return recordStream(stats, async function* () {
    const format = opts.format === 'auto' ? await detectFormat(file) : opts.format;
    const elements = format === 'array' ? arrayElements(file) : jsonlElements(file);
    for await (const { text, line } of elements) {
      const loc = { file, line };
      const record = policy.apply(() => mapFields(parseJson(text, loc), opts.fields, loc));
      if (record !== undefined) yield record;
    }
  });
}

function parseJson(text: string, loc: { file: string; line: number }): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw malformedRecord(loc, `invalid JSON (${(error as Error).message})`);
  }
}

async function detectFormat(file: string): Promise<'jsonl' | 'array'> {
  for await (const chunk of createReadStream(file, { encoding: 'utf8', highWaterMark: 4096 })) {
    const first = (chunk as string).replace(/^\uFEFF/, '').trimStart();
    if (first.length > 0) return first[0] === '[' ? 'array' : 'jsonl';
  }
  return 'jsonl';
}

async function* jsonlElements(file: string): AsyncGenerator<{ text: string; line: number }> {
  for await (const entry of readLines(file)) {
    if (entry.text.trim() !== '') yield entry;
  }
}

const QUOTE = 0x22, BACKSLASH = 0x5c, NEWLINE = 0x0a, COMMA = 0x2c;
const OPENERS = new Set([0x5b, 0x7b]);
const CLOSERS = new Set([0x5d, 0x7d]);

/**
 * Split a top-level JSON array into the source text of its elements without parsing the whole file:
 * tracks strings, escapes and nesting depth across chunks.
 */
async function* arrayElements(file: string): AsyncGenerator<{ text: string; line: number }> {
  let line = 1;
  let started = false; // saw the opening [
  let finished = false; // saw the closing ]
  let depth = 0; // nesting inside the current element
  let inString = false;
  let escaped = false;
  let element = '';
  let elementLine = 0;
  let afterComma = false;
  const structural = (what: string): PersianLoraError => malformedRecord({ file, line }, what);
  for await (const chunkValue of createReadStream(file, { encoding: 'utf8' })) {
    const chunk = chunkValue as string;
    let segmentStart = 0; // start of the part of `chunk` that belongs to `element`
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk.charCodeAt(i);
      if (c === NEWLINE) line++;
      if (!started || finished) {
        if (c === 0xfeff || c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) continue;
        if (!started && c === 0x5b) {
          started = true;
          segmentStart = i + 1;
          continue;
        }
        throw structural(finished ? 'unexpected content after the closing ] of the array' : 'expected a JSON array starting with [');
      }
      if (inString) {
        if (escaped) escaped = false;
        else if (c === BACKSLASH) escaped = true;
        else if (c === QUOTE) inString = false;
        continue;
      }
      if (c === QUOTE) inString = true;
      else if (OPENERS.has(c)) depth++;
      else if (CLOSERS.has(c) && depth > 0) depth--;
      else if (depth === 0 && (c === COMMA || c === 0x5d)) {
        element += chunk.slice(segmentStart, i);
        segmentStart = i + 1;
        const text = element.trim();
        element = '';
        if (text !== '') yield { text, line: elementLine };
        else if (c === COMMA) throw structural('empty array element before ,');
        else if (afterComma) throw structural('trailing comma before ]');
        afterComma = c === COMMA;
        elementLine = 0;
        if (c === 0x5d) finished = true;
        continue;
      }
      if (elementLine === 0 && c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) elementLine = line;
    }
    if (started && !finished) element += chunk.slice(segmentStart);
  }
  if (!started) throw malformedRecord({ file, line }, 'expected a JSON array starting with [ but the file is empty');
  if (!finished) throw malformedRecord({ file, line }, 'the array is not closed (missing ])');
}
