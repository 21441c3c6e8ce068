// What the training benches share: the ~100M shape of the CPU benches, and the timed step loop of their workers
// (bench/train-worker.ts, bench/gpu/train-worker.ts): one warm-up step, then `steps` timed steps of one sequence of
// `seq` ordinary token ids, every token a target.
import type { Trainer } from '../lib/train/trainer.js';

/** The ~100M llama of the training benches (Llama 2's vocabulary of 32,000). */
export const M100_SHAPE = { vocab: 'llama-spm', layers: 8, dim: 768, heads: 12, ffn: 2048 } as const;

export interface TimedSteps {
  tokensPerSecond: number; meanStepMs: number; minStepMs: number; warmupMs: number; loss: number;
}

/** A fixed pseudo-random sequence of ordinary token ids. */
export const benchTokens = (seq: number): Uint32Array => Uint32Array.from({ length: seq }, (_, i) => 100 + ((i * 7919) % 20000));

export async function timeSteps(trainer: Trainer, seq: number, steps: number): Promise<TimedSteps> {
  const tokens = benchTokens(seq);
  const opt = { lr: 1e-4, weightDecay: 0.01, clip: 1 };
  const t0 = performance.now();
  await trainer.step({ tokens }, opt);  // warm-up: allocations, the graph, first-touch of the weights
  const warmupMs = performance.now() - t0;
  const times: number[] = [];
  let loss = 0;
  for (let s = 0; s < steps; s++) {
    const t = performance.now();
    loss = (await trainer.step({ tokens }, opt)).loss;
    times.push(performance.now() - t);
  }
  const meanStepMs = times.reduce((a, b) => a + b, 0) / times.length;
  return { tokensPerSecond: seq / (meanStepMs / 1000), meanStepMs, minStepMs: Math.min(...times), warmupMs, loss };
}
