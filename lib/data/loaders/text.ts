// Plain-text corpus loader: a document per line, or per blank-line-separated block, streamed.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { z } from 'zod';
import { parseOptions } from '../../config/validate.js';
import { newStats, recordStream, type RecordStream } from './records.js';

export const textLoaderOptionsSchema = z.strictObject({
  /** `line`: every line is a document; `block`: documents are separated by one or more blank lines. */
  unit: z.enum(['line', 'block']).default('line'),
  /** Drop lines that are empty or whitespace only (`line` unit; blocks are never empty). */
  skipEmpty: z.boolean().default(true),
});
export type TextLoaderOptions = z.input<typeof textLoaderOptionsSchema>;

/** Lines of a UTF-8 file with their 1-based numbers (BOM removed, CRLF handled). */
export async function* readLines(file: string): AsyncGenerator<{ text: string; line: number }> {
  const rl = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  let line = 0;
  for await (const raw of rl) {
    line++;
    yield { text: line === 1 && raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw, line };
  }
}

/** Stream `{ text }` records from a plain-text file. */
export function readText(file: string, options: TextLoaderOptions = {}): RecordStream<{ text: string }> {
  const opts = parseOptions(textLoaderOptionsSchema, options, 'readText options');
  const stats = newStats();
  return recordStream(stats, async function* () {
    if (opts.unit === 'line') {
      for await (const { text } of readLines(file)) {
        if (opts.skipEmpty && text.trim() === '') continue;
        stats.records++;
        yield { text };
      }
      return;
    }
    let block: string[] = [];
    for await (const { text } of readLines(file)) {
      if (text.trim() !== '') {
        block.push(text);
        continue;
      }
      if (block.length > 0) {
        stats.records++;
        yield { text: block.join('\n') };
        block = [];
      }
    }
    if (block.length > 0) {
      stats.records++;
      yield { text: block.join('\n') };
    }
  });
}
