// The optimizer step in the device's buffers (pl_train_device_step.h) on a Vulkan device (lavapipe here): gradient
// accumulation over micro-batches, the global norm and clipping, and AdamW equal to the host's double-precision
// arithmetic applied to the device's own gradients and moments; checkpoints read the moments back and resume.
import type { TrainerOptions } from '../../lib/config/train.js';
import { Trainer, type TrainBatch, type TrainerState } from '../../lib/train/trainer.js';
import { tinyModel } from '../native/helpers.js';
import { BASE, FROM, randomiseB } from '../native/train/helpers.js';
import { vulkanDevice, vulkanTest } from './device.js';

const T = 12;
const tokens = (seed: number) => new Uint32Array(T).map((_, i) => (i % 3 === 1 ? FROM + ((i * 37 + seed) % 100) : 100 + ((i * 7919 + seed * 31) % 5000)));
// Micro-batches of different target weights (11, 9.5 and 15), one with token weights, one of two sequences and documents.
function microBatches(): TrainBatch[] {
  const second = new Float32Array(T).fill(1);
  second[3] = 0.5;
  second[5] = 0;
  const docStarts = new Uint8Array(2 * T);
  docStarts[T] = 1;
  docStarts[7] = 1;
  const third = new Float32Array(2 * T).fill(1);
  third.fill(0, 0, 8);
  return [
    { tokens: tokens(1) },
    { tokens: tokens(2), weights: second },
    { tokens: new Uint32Array([...tokens(3), ...tokens(4)]), sequences: 2, weights: third, docStarts },
  ];
}
/** Σ of the weights of a batch's targets (every token but a sequence's or document's first). */
function targetWeight(b: TrainBatch): number {
  const n = b.tokens.length / (b.sequences ?? 1);
  let sum = 0;
  b.tokens.forEach((_, i) => {
    if (i % n !== 0 && !b.docStarts?.[i]) sum += b.weights?.[i] ?? 1;
  });
  return sum;
}

const OPTIMIZER = { lr: 1e-3, eps: 1e-8, weightDecay: 0.01, betas: [0.9, 0.999] as [number, number] };
const OPTIONS: TrainerOptions = { alpha: 16, rank: 4, threads: 2, trainRows: { fromId: FROM } };

/**
 * PyTorch's AdamW on gradient g·scale in doubles, from the float32 hyper-parameters the trainer receives (as the host
 * AdamW does: 1 - β2 with β2 = 0.999 in float32 is 1.3e-5 off 1e-3): the state after step t (1-based) from `state`.
 */
function adamw(state: TrainerState, g: Float64Array[], scale: number, t: number, lrOf: (i: number) => number) {
  const [b1, b2] = OPTIMIZER.betas.map(Math.fround) as [number, number];
  const m = state.moment1.map((x, i) => Float64Array.from(x, (v, k) => b1 * v + (1 - b1) * g[i]![k]! * scale));
  const v = state.moment2.map((x, i) => Float64Array.from(x, (w, k) => b2 * w + (1 - b2) * (g[i]![k]! * scale) ** 2));
  const p = state.parameters.map((x, i) => Float64Array.from(x, (w, k) => {
    const lr = Math.fround(lrOf(i)), mh = m[i]![k]! / (1 - b1 ** t), vh = v[i]![k]! / (1 - b2 ** t);
    return w * (1 - lr * Math.fround(OPTIMIZER.weightDecay)) - (lr * mh) / (Math.sqrt(vh) + Math.fround(OPTIMIZER.eps));
  }));
  return { p, m, v };
}

/** Largest |a - b| over all arrays, and the largest |b|. */
function worst(a: ArrayLike<number>[], b: ArrayLike<number>[]): { diff: number; largest: number } {
  let diff = 0, largest = 0;
  a.forEach((x, i) => {
    for (let k = 0; k < x.length; k++) {
      diff = Math.max(diff, Math.abs(x[k]! - b[i]![k]!));
      largest = Math.max(largest, Math.abs(b[i]![k]!));
    }
  });
  return { diff, largest };
}

vulkanTest('Vulkan: micro-batches accumulate, clip and take AdamW steps on the device as the host arithmetic does', async (t) => {
  const trainer = await Trainer.create(await tinyModel({ ...BASE, quant: 'q8_0' }), { ...OPTIONS, dropout: 0, device: vulkanDevice! });
  try {
    await randomiseB(trainer, 0.1);
    const micro = microBatches(), weights = micro.map(targetWeight), total = weights.reduce((a, w) => a + w, 0);
    const embeddingLr = 3e-3, lrOf = (i: number) => (i >= trainer.loraParameterCount ? embeddingLr : OPTIMIZER.lr);
    for (let step = 1; step <= 3; step++) {
      const before = await trainer.exportState();
      // the device's gradient of each micro-batch alone (no dropout: the masks would differ per micro-batch)
      const parts: Awaited<ReturnType<Trainer['gradients']>>[] = [];
      for (const m of micro) parts.push(await trainer.gradients(m));
      const g = trainer.parameters.map((_, i) => Float64Array.from(parts[0]!.gradients[i]!, (_, k) => parts.reduce((s, r, m) => s + weights[m]! * r.gradients[i]![k]!, 0) / total));
      const norm = Math.sqrt(g.reduce((s, x) => x.reduce((a, v) => a + v * v, s), 0));
      const clip = step === 2 ? 0 : norm / 2;   // clipping active on steps 1 and 3
      const result = await trainer.step(micro, { ...OPTIMIZER, clip, embeddingLr });
      const after = await trainer.exportState();
      const expected = adamw(before, g, clip ? clip / (norm + 1e-6) : 1, step, lrOf);
      t.is(after.steps, step);
      const loss = parts.reduce((s, r, m) => s + weights[m]! * r.loss, 0) / total;
      t.true(Math.abs(result.loss - loss) <= 1e-6 * loss, `step ${step}: loss ${result.loss} vs ${loss}`);
      t.true(Math.abs(result.gradNorm - norm) <= 1e-5 * norm, `step ${step}: gradient norm ${result.gradNorm} vs ${norm}`);
      t.is(result.targets, 11 + 10 + 15);
      const moved = worst(before.parameters, expected.p).diff;
      const p = worst(after.parameters, expected.p), m = worst(after.moment1, expected.m), v = worst(after.moment2, expected.v);
      t.log(`step ${step}: parameters ${p.diff.toExponential(2)} (lr ${OPTIMIZER.lr}), moment1 ${(m.diff / m.largest).toExponential(2)}, moment2 ${(v.diff / v.largest).toExponential(2)} of the largest`);
      t.true(moved > OPTIMIZER.lr / 2, `parameters moved ${moved}`);
      // float32 on the device against doubles: within 1e-3 of a learning rate, moments within 1e-5 of the largest
      t.true(p.diff <= 1e-3 * OPTIMIZER.lr, `step ${step}: parameters differ by ${p.diff}`);
      t.true(m.diff <= 1e-5 * m.largest, `step ${step}: first moments differ by ${m.diff} of ${m.largest}`);
      t.true(v.diff <= 1e-5 * v.largest, `step ${step}: second moments differ by ${v.diff} of ${v.largest}`);
    }
  } finally {
    trainer.dispose();
  }
});

vulkanTest('Vulkan: a run resumed from a checkpoint (parameters and moments read back) continues as the uninterrupted run', async (t) => {
  const base = await tinyModel({ ...BASE, quant: 'q8_0' });
  const micro = microBatches();
  const run = async (steps: number, from?: TrainerState) => {
    const trainer = await Trainer.create(base, { ...OPTIONS, dropout: 0.1, device: vulkanDevice! });
    try {
      if (from) await trainer.importState(from);
      else await randomiseB(trainer, 0.1);
      for (let s = 0; s < steps; s++) await trainer.step(micro, { ...OPTIMIZER, clip: 1 });
      return await trainer.exportState();
    } finally {
      trainer.dispose();
    }
  };
  const straight = await run(3);
  const checkpoint = await run(2);
  const resumed = await run(1, checkpoint);
  t.is(resumed.steps, 3);
  t.true(checkpoint.moment2.some((x) => x.some((v) => v > 0)), 'the checkpoint holds moments');
  for (const key of ['parameters', 'moment1', 'moment2'] as const) {
    const d = worst(resumed[key], straight[key]);
    t.true(d.diff <= 1e-6 * d.largest, `${key} differ by ${d.diff} of ${d.largest}`);
  }
});
