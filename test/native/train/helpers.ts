// Shared fixtures of the trainer tests: tiny bases, seeded LoRA values, and comparison helpers.
import type { Trainer, TrainBatch } from '../../../lib/train/trainer.js';

/** Width 256 so that llama.cpp's K-quants (256-value super-blocks) apply; GQA with 2 kv heads for 4 heads. */
export const BASE = { vocab: 'llama-spm', layers: 2, dim: 256, heads: 4, kvHeads: 2, initStd: 0.05 } as const;

/** Deterministic values in [-scale, scale] (an LCG, independent of the native RNG). */
/** Trainable rows from an id: the last 100 of the 32000-token vocabulary. */
export const FROM = 31900;

/** Two sequences of 12 tokens (GQA heads repeated), ids below and above FROM, a packed document, weights 0 and 0.5. */
export function deviceCheckBatch(): TrainBatch {
  const T = 12;
  const tokens = new Uint32Array(2 * T).map((_, i) => (i % 3 === 1 ? FROM + ((i * 37) % 100) : 100 + ((i * 7919) % 5000)));
  const weights = new Float32Array(2 * T).fill(1);
  weights[3] = 0;
  weights[4] = 0.5;
  const docStarts = new Uint8Array(2 * T);
  docStarts[T + 7] = 1;
  return { tokens, sequences: 2, weights, docStarts };
}

export function seededArray(n: number, seed: number, scale: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = ((s / 2 ** 32) * 2 - 1) * scale;
  }
  return out;
}

/** Gives every B a non-zero value (B starts at zero, which would hide the adapter and A's gradients). */
export async function randomiseB(trainer: Trainer, scale: number, seed = 7): Promise<void> {
  for (const [i, p] of trainer.parameters.entries()) {
    if (p.name.endsWith('.lora_b')) await trainer.setParameter(i, seededArray(p.shape[0] * p.shape[1], seed + i, scale));
  }
}

export function maxAbsDiff(a: Float32Array, b: Float32Array, from = 0, to = a.length): number {
  let m = 0;
  for (let i = from; i < to; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

export function maxAbs(a: Float32Array): number {
  let m = 0;
  for (const v of a) m = Math.max(m, Math.abs(v));
  return m;
}

export interface FiniteDifference {
  name: string;
  index: number;
  autodiff: number;
  fd: number;
}

/** Central differences (step h) of the loss at the 3 largest-gradient entries of each parameter in `indices`. */
export async function finiteDifferences(trainer: Trainer, batch: TrainBatch, gradients: Float32Array[], indices: number[], h = 1e-2): Promise<FiniteDifference[]> {
  const out: FiniteDifference[] = [];
  for (const pi of indices) {
    const base = await trainer.getParameter(pi);
    const grad = gradients[pi]!;
    const top = [...grad.keys()].sort((x, y) => Math.abs(grad[y]!) - Math.abs(grad[x]!)).slice(0, 3);
    for (const k of top) {
      const v = base.slice();
      v[k] = base[k]! + h;
      await trainer.setParameter(pi, v);
      const plus = await trainer.loss(batch);
      v[k] = base[k]! - h;
      await trainer.setParameter(pi, v);
      const minus = await trainer.loss(batch);
      await trainer.setParameter(pi, base);
      out.push({ name: trainer.parameters[pi]!.name, index: k, autodiff: grad[k]!, fd: (plus - minus) / (2 * h) });
    }
  }
  return out;
}

/** Float32 values from base64 (the golden fixtures' encoding). */
export function decodeFloats(b64: string): Float32Array {
  const bytes = Buffer.from(b64, 'base64');
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
}

/** ‖a − b‖ / ‖b‖ over all the arrays together. */
export function relL2(a: Float32Array[], b: Float32Array[]): number {
  let num = 0, den = 0;
  a.forEach((x, i) => x.forEach((v, k) => { num += (v - b[i]![k]!) ** 2; den += b[i]![k]! ** 2; }));
  return Math.sqrt(num / den);
}

/** Cosine of the angle between two sets of gradients taken as one vector. */
export function cosine(a: Float32Array[], b: Float32Array[]): number {
  let ab = 0, aa = 0, bb = 0;
  a.forEach((x, i) => x.forEach((v, k) => { const w = b[i]![k]!; ab += v * w; aa += v * v; bb += w * w; }));
  return ab / Math.sqrt(aa * bb);
}

/** PyTorch's AdamW (decoupled weight decay, bias correction) from zero moments: the parameters after step 1. */
export function adamwFirstStep(params: Float32Array[], grads: Float32Array[], o: { lr: number; eps: number; weightDecay: number; betas: [number, number] }): Float32Array[] {
  const [b1, b2] = o.betas;
  return params.map((p, i) => p.map((v, k) => {
    const g = grads[i]![k]!;
    const mh = ((1 - b1) * g) / (1 - b1), vh = ((1 - b2) * g * g) / (1 - b2);
    return v * (1 - o.lr * o.weightDecay) - (o.lr * mh) / (Math.sqrt(vh) + o.eps);
  }));
}
