// Text cleaning: script-ratio and length filters, exact and near de-duplication, with counts of what each removed.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { parseOptions } from '../../config/validate.js';
import { arabicScriptRatio } from '../script.js';
import { minHashOptionsSchema, NearDuplicateIndex } from './minhash.js';

export const cleanOptionsSchema = z.strictObject({
  /** Keep texts whose Arabic-script letters make up at least / at most this share of all letters. */
  minArabicScriptRatio: z.number().min(0).max(1).default(0),
  maxArabicScriptRatio: z.number().min(0).max(1).default(1),
  /** Length bounds in characters (code points) and in words (split on Unicode whitespace). */
  minChars: z.number().int().min(0).default(1),
  maxChars: z.number().int().positive().default(Number.MAX_SAFE_INTEGER),
  minWords: z.number().int().min(0).default(0),
  maxWords: z.number().int().positive().default(Number.MAX_SAFE_INTEGER),
  /** Drop exact repeats (same text after lowercasing and collapsing whitespace; a 64-bit hash is kept per text). */
  exactDedup: z.boolean().default(true),
  /** Drop near repeats with MinHash + LSH; off when absent. */
  nearDedup: minHashOptionsSchema.optional(),
});
export type CleanOptions = z.input<typeof cleanOptionsSchema>;

export type RemovalReason = 'tooShort' | 'tooLong' | 'script' | 'exactDuplicate' | 'nearDuplicate';

export interface CleanStats {
  input: number;
  kept: number;
  /** Texts removed, by the first filter that removed them (filters run in this order). */
  removed: Record<RemovalReason, number>;
}

export const countWords = (text: string): number => {
  const words = text.trim().split(/\s+/u);
  return words[0] === '' ? 0 : words.length;
};

const countChars = (text: string): number => {
  let n = 0;
  for (const _ of text) n++;
  return n;
};

/** Key of a text for exact de-duplication: 64 bits of SHA-1 of the lowercased, whitespace-collapsed text. */
export function exactKey(text: string): string {
  return createHash('sha1').update(text.toLowerCase().replace(/\s+/gu, ' ').trim()).digest('hex').slice(0, 16);
}

/** A stateful cleaner: `check` each text in corpus order; `stats` counts what was removed and why. */
export class Cleaner {
  readonly stats: CleanStats = { input: 0, kept: 0, removed: { tooShort: 0, tooLong: 0, script: 0, exactDuplicate: 0, nearDuplicate: 0 } };
  private readonly options: z.output<typeof cleanOptionsSchema>;
  private readonly seen = new Set<string>();
  private readonly near: NearDuplicateIndex | undefined;

  constructor(options: CleanOptions = {}) {
    this.options = parseOptions(cleanOptionsSchema, options, 'clean options');
    this.near = this.options.nearDedup === undefined ? undefined : new NearDuplicateIndex(this.options.nearDedup);
  }

  /** The reason the text is dropped, or undefined when it is kept. */
  check(text: string): RemovalReason | undefined {
    const reason = this.reason(text);
    this.stats.input++;
    if (reason === undefined) this.stats.kept++;
    else this.stats.removed[reason]++;
    return reason;
  }

  private reason(text: string): RemovalReason | undefined {
    const o = this.options;
    const chars = countChars(text);
    const words = countWords(text);
    if (chars < o.minChars || words < o.minWords) return 'tooShort';
    if (chars > o.maxChars || words > o.maxWords) return 'tooLong';
    if (o.minArabicScriptRatio > 0 || o.maxArabicScriptRatio < 1) {
      const ratio = arabicScriptRatio(text);
      if (ratio < o.minArabicScriptRatio || ratio > o.maxArabicScriptRatio) return 'script';
    }
    if (o.exactDedup) {
      const key = exactKey(text);
      if (this.seen.has(key)) return 'exactDuplicate';
      this.seen.add(key);
    }
    if (this.near !== undefined && this.near.add(text).duplicate) return 'nearDuplicate';
    return undefined;
  }
}

/** Filter a stream of texts; the returned iterable's `stats` fill in as it is consumed. */
export function cleanTexts(texts: AsyncIterable<string> | Iterable<string>, options: CleanOptions = {}): AsyncIterable<string> & { readonly stats: CleanStats } {
  const cleaner = new Cleaner(options);
  return {
    stats: cleaner.stats,
    async *[Symbol.asyncIterator]() {
      for await (const text of texts) if (cleaner.check(text) === undefined) yield text;
    },
  };
}
