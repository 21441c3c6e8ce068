// Turns training examples into fixed-shape batches (B sequences × T tokens) in a seeded order per epoch.
import { createRng, shuffleInPlace } from '../data/random.js';
import type { TrainingExample } from '../data/tokenizer.js';
import { PersianLoraError } from '../errors.js';
import type { LoopBatch } from './engine.js';

export interface BatchPlan {
  sequences: number;
  length: number;
  /** Token used to fill short sequences (never trained on: its weight is 0). */
  padToken: number;
}

/** Checks every example fits; names the first that does not. */
export function checkExamples(examples: TrainingExample[], plan: BatchPlan, source: string): void {
  if (examples.length === 0) throw new PersianLoraError('ERR_DATA', `${source} holds no training examples`);
  examples.forEach((e, i) => {
    if (e.tokens.length > plan.length) {
      throw new PersianLoraError('ERR_DATA', `${source}: example ${i} has ${e.tokens.length} tokens, more than the sequence length ${plan.length} (raise --seq-len or truncate the data)`);
    }
    if (e.tokens.length < 2) throw new PersianLoraError('ERR_DATA', `${source}: example ${i} has fewer than 2 tokens`);
  });
  if (!examples.some((e) => e.weights.some((w) => w > 0))) throw new PersianLoraError('ERR_DATA', `${source}: no example has a token to train on (every loss weight is 0)`);
}

/** Order of the examples in `epoch`: a permutation fixed by (seed, epoch), so a resumed run sees the same order. */
export function epochOrder(count: number, seed: number, epoch: number, shuffle: boolean): number[] {
  const order = Array.from({ length: count }, (_, i) => i);
  return shuffle ? shuffleInPlace(order, createRng((seed + 0x9e3779b9 * (epoch + 1)) >>> 0)) : order;
}

/** Batches per epoch (the last, partial batch is kept). */
export function batchesPerEpoch(count: number, plan: BatchPlan): number {
  return Math.ceil(count / plan.sequences);
}

/** The `index`-th batch of an epoch's order. */
export function makeBatch(examples: TrainingExample[], order: number[], index: number, plan: BatchPlan): LoopBatch {
  const picked = order.slice(index * plan.sequences, (index + 1) * plan.sequences).map((i) => examples[i]!);
  const B = picked.length;
  const T = plan.length;
  const tokens = new Uint32Array(B * T).fill(plan.padToken);
  const weights = new Float32Array(B * T);
  const documentStarts: Uint32Array[] = [];
  picked.forEach((e, b) => {
    tokens.set(e.tokens, b * T);
    weights.set(e.weights, b * T);
    documentStarts.push(e.docBoundaries ?? Uint32Array.of(0));
  });
  return { sequences: B, length: T, tokens, weights, documentStarts };
}
