// Monolingual language-model text: documents tokenized, joined with EOS and packed into fixed-length blocks.
import { z } from 'zod';
import { parseOptions } from '../../config/validate.js';
import { createRng, shuffleInPlace } from '../random.js';
import type { Tokenizer, TrainingExample } from '../tokenizer.js';
import { countExample, newFormatStats, requireEos, type FormatStats } from './examples.js';

export const packOptionsSchema = z.strictObject({
  /** Tokens per block. */
  blockSize: z.number().int().min(2),
  /** Start each document with BOS (when the tokenizer has one). */
  addBos: z.boolean().default(true),
  /** The last, partial block: dropped, or padded with EOS at weight 0. */
  remainder: z.enum(['drop', 'pad']).default('drop'),
  /** Documents are shuffled through a buffer of this many (0: corpus order). */
  shuffleBuffer: z.number().int().min(0).default(0),
  seed: z.number().int().default(0),
});
export type PackOptions = z.input<typeof packOptionsSchema>;

/** Shuffle a stream through a fixed-size buffer, reproducibly for a seed. */
async function* bufferedShuffle<T>(items: AsyncIterable<T> | Iterable<T>, size: number, seed: number): AsyncGenerator<T> {
  if (size === 0) {
    yield* items;
    return;
  }
  const rng = createRng(seed);
  const buffer: T[] = [];
  for await (const item of items) {
    if (buffer.length < size) {
      buffer.push(item);
      continue;
    }
    const i = rng.int(size);
    yield buffer[i]!;
    buffer[i] = item;
  }
  yield* shuffleInPlace(buffer, rng);
}

/**
 * Pack documents into blocks of exactly `blockSize` tokens. Each document is `[BOS] tokens EOS`; its first token has
 * weight 0 (nothing before it in the document to predict it from), as does the first token of every block.
 * `docBoundaries` holds the offset of each document start in the block (0 included, also for a continued document).
 */
export function packDocuments(texts: AsyncIterable<string> | Iterable<string>, tokenizer: Tokenizer, options: PackOptions): AsyncIterable<TrainingExample> & { readonly stats: FormatStats } {
  const o = parseOptions(packOptionsSchema, options, 'packDocuments options');
  const eos = requireEos(tokenizer, 'packDocuments');
  const stats = newFormatStats();
  return {
    stats,
    async *[Symbol.asyncIterator]() {
      let tokens = new Uint32Array(o.blockSize);
      let weights = new Float32Array(o.blockSize);
      let boundaries: number[] = [0];
      let fill = 0;
      const emit = (): TrainingExample => {
        const block = { tokens, weights, docBoundaries: Uint32Array.from(boundaries) };
        countExample(stats, block);
        tokens = new Uint32Array(o.blockSize);
        weights = new Float32Array(o.blockSize);
        boundaries = [0];
        fill = 0;
        return block;
      };
      for await (const text of bufferedShuffle(texts, o.shuffleBuffer, o.seed)) {
        stats.records++;
        const body = tokenizer.tokenize(text, { addBos: o.addBos && tokenizer.bos !== null, parseSpecial: false });
        const doc = new Uint32Array(body.length + 1);
        doc.set(body);
        doc[body.length] = eos;
        if (fill > 0) boundaries.push(fill);
        let offset = 0;
        while (offset < doc.length) {
          const n = Math.min(doc.length - offset, o.blockSize - fill);
          tokens.set(doc.subarray(offset, offset + n), fill);
          weights.fill(1, fill, fill + n);
          if (offset === 0) weights[fill] = 0;
          weights[0] = 0;
          fill += n;
          offset += n;
          if (fill === o.blockSize) yield emit();
        }
      }
      if (fill > 0 && o.remainder === 'pad') {
        tokens.fill(eos, fill);
        yield emit();
      }
    },
  };
}
