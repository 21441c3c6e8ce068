// Shared fixtures of the evaluation tests: the study's test sets (read in place, never copied) and a tiny model.
import { existsSync } from 'node:fs';
import type { ExecutionContext } from 'ava';
import { tinyModel } from '../helpers.js';
import { PAPER_TESTSET } from '../../helpers/paper-testset.js';

export { PAPER_TESTSET };

/** True when the test sets are there; otherwise logs why the test is skipped. */
export function haveTestset(t: ExecutionContext): boolean {
  if (existsSync(PAPER_TESTSET)) return true;
  t.log(`skipped: the paper test sets are not at ${PAPER_TESTSET} (set PERSIAN_LORA_PAPER_TESTSET)`);
  t.pass();
  return false;
}

/** The tiny model every evaluation test uses: 2 layers, width 64, Llama 2's vocabulary, q8_0. */
export function evalModel(): Promise<string> {
  return tinyModel({ vocab: 'llama-spm', layers: 2, dim: 64, heads: 4, kvHeads: 2, quant: 'q8_0' });
}

/** Σ log softmax(row)[target], in double precision: the reference every log-likelihood is compared with. */
export function logSoftmaxAt(logits: Float32Array, row: number, vocab: number, target: number): number {
  const base = row * vocab;
  let max = -Infinity;
  for (let i = 0; i < vocab; i++) if (logits[base + i]! > max) max = logits[base + i]!;
  let sum = 0;
  for (let i = 0; i < vocab; i++) sum += Math.exp(logits[base + i]! - max);
  return logits[base + target]! - max - Math.log(sum);
}
