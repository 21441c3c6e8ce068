// Shared by the formats: tokenizing text segments with a loss mask, fitting to a length, and counting what happened.
import { z } from 'zod';
import { PersianLoraError } from '../../errors.js';
import type { Tokenizer, TrainingExample } from '../tokenizer.js';

/** A piece of an example's text and whether the model is trained to produce it. */
export interface Segment {
  text: string;
  train: boolean;
}

export const exampleOptionsSchema = z.strictObject({
  /** Prepend BOS (when the tokenizer has one). */
  addBos: z.boolean().default(true),
  /** Longest example in tokens; longer ones are truncated at the end or skipped. No limit when absent. */
  maxLength: z.number().int().min(2).optional(),
  overflow: z.enum(['truncate', 'skip']).default('truncate'),
});
export type ExampleOptions = z.input<typeof exampleOptionsSchema>;
export type ResolvedExampleOptions = z.output<typeof exampleOptionsSchema>;

export interface FormatStats {
  /** Input records (or documents) read. */
  records: number;
  /** Training examples produced. */
  examples: number;
  /** Examples cut to maxLength. */
  truncated: number;
  /** Records dropped: too long with overflow 'skip', nothing left to train on, or malformed with onError 'skip'. */
  skipped: number;
  /** Tokens produced, and those with weight 1. */
  tokens: number;
  trainTokens: number;
}

export const newFormatStats = (): FormatStats => ({ records: 0, examples: 0, truncated: 0, skipped: 0, tokens: 0, trainTokens: 0 });

export function countExample(stats: FormatStats, example: TrainingExample): void {
  stats.examples++;
  stats.tokens += example.tokens.length;
  for (const w of example.weights) if (w > 0) stats.trainTokens++;
}

function commonPrefix(a: Uint32Array, b: Uint32Array): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i;
}

export function requireEos(tokenizer: Tokenizer, what: string): number {
  if (tokenizer.eos === null) throw new PersianLoraError('ERR_INVALID_OPTION', `${what} needs an end-of-sequence token but the tokenizer has none (tokenizer.eos is null)`);
  return tokenizer.eos;
}

/**
 * Tokenize the concatenated segments in one call (so tokens merge across segment joins exactly as at inference) and
 * place each mask boundary at the longest common prefix of the tokens of the text before it and of the whole text.
 * When a token straddles a boundary it goes with the later segment. With `appendEos`, EOS follows with weight 1.
 */
export function tokenizeSegments(segments: Segment[], tokenizer: Tokenizer, opts: { addBos: boolean; parseSpecial: boolean; appendEos: boolean }): TrainingExample {
  const tokenizeOptions = { addBos: opts.addBos && tokenizer.bos !== null, parseSpecial: opts.parseSpecial };
  const full = tokenizer.tokenize(segments.map((s) => s.text).join(''), tokenizeOptions);
  const eos = opts.appendEos ? requireEos(tokenizer, 'appendEos') : undefined;
  const tokens = new Uint32Array(full.length + (eos === undefined ? 0 : 1));
  tokens.set(full);
  if (eos !== undefined) tokens[full.length] = eos;
  const weights = new Float32Array(tokens.length);
  let text = '';
  let start = 0;
  for (let i = 0; i < segments.length; i++) {
    text += segments[i]!.text;
    const changes = i + 1 < segments.length && segments[i + 1]!.train !== segments[i]!.train;
    const end = i + 1 === segments.length ? full.length : changes ? Math.max(start, commonPrefix(tokenizer.tokenize(text, tokenizeOptions), full)) : undefined;
    if (end === undefined) continue;
    if (segments[i]!.train) weights.fill(1, start, end);
    start = end;
  }
  if (eos !== undefined) weights[full.length] = 1;
  weights[0] = 0;
  return { tokens, weights };
}

/** Apply maxLength: returns the example, a truncated copy, or null (skip). Null too when no token is left to train on. */
export function fitExample(example: TrainingExample, opts: ResolvedExampleOptions, stats: FormatStats): TrainingExample | null {
  let out = example;
  if (opts.maxLength !== undefined && example.tokens.length > opts.maxLength) {
    if (opts.overflow === 'skip') {
      stats.skipped++;
      return null;
    }
    out = { tokens: example.tokens.slice(0, opts.maxLength), weights: example.weights.slice(0, opts.maxLength) };
    stats.truncated++;
  }
  if (!out.weights.some((w) => w > 0)) {
    stats.skipped++;
    return null;
  }
  countExample(stats, out);
  return out;
}

/** Options of a record format: what every example takes, plus EOS and what a malformed record does. */
export type RecordFormatOptions = ResolvedExampleOptions & { appendEos: boolean; onError: 'throw' | 'skip' };

/**
 * Examples from a stream of records: `segmentsOf` turns a record into segments (an ERR_DATA error for a malformed one,
 * skipped and counted when onError is 'skip'), which are tokenized and fitted to maxLength.
 */
export function recordExamples<R>(records: AsyncIterable<R> | Iterable<R>, tokenizer: Tokenizer, o: RecordFormatOptions, parseSpecial: boolean,
  segmentsOf: (record: R, where: string) => Segment[]): AsyncIterable<TrainingExample> & { readonly stats: FormatStats } {
  const stats = newFormatStats();
  return {
    stats,
    async *[Symbol.asyncIterator]() {
      for await (const record of records) {
        stats.records++;
        let segments: Segment[];
        try {
          segments = segmentsOf(record, `record ${stats.records}`);
        } catch (error) {
          if (o.onError === 'throw' || (error as PersianLoraError).code !== 'ERR_DATA') throw error;
          stats.skipped++;
          continue;
        }
        const fitted = fitExample(tokenizeSegments(segments, tokenizer, { addBos: o.addBos, parseSpecial, appendEos: o.appendEos }), o, stats);
        if (fitted !== null) yield fitted;
      }
    },
  };
}
