// The portable training graph (every op one CUDA and Metal both run) against the default CPU graph: the same loss,
// gradients and AdamW steps; its op inventory against the backends' supports_op; and the device option.
import test from 'ava';
import type { TrainerOptions } from '../../../lib/config/train.js';
import { PersianLoraError } from '../../../lib/errors.js';
import { native } from '../../../lib/native/addon.js';
import { Trainer, type TrainBatch } from '../../../lib/train/trainer.js';
import { tinyModel } from '../helpers.js';
import { cudaSupports, describeOp, metalSupports } from './backend-ops.js';
import { BASE, FROM, deviceCheckBatch as batch, randomiseB } from './helpers.js';

const REWRITTEN = ['OUT_PROD', 'RMS_NORM_BACK', 'SOFT_MAX_BACK', 'CROSS_ENTROPY_LOSS', 'CROSS_ENTROPY_LOSS_BACK', 'GET_ROWS_BACK', 'REPEAT_BACK'];

/** The first sequence alone: GQA by broadcast in the attention products (REPEAT_BACK of a strided view). */
function single(): TrainBatch {
  const b = batch();
  return { tokens: b.tokens.subarray(0, 12), weights: b.weights!.subarray(0, 12) };
}

interface Case {
  quant: 'f32' | 'q4_k_m';
  options: TrainerOptions;
  /** Largest gradient difference, relative to the largest gradient. */
  gradTol: number;
  /** Whether two AdamW steps are compared too. */
  adam: boolean;
}

// The two graphs differ in summation order (out_prod vs mul_mat, fused vs composed backward kernels), about 1e-7 of
// the largest gradient with F32 products (measured 3e-7). The 'f16' route rounds dy to F16 before the product with
// each frozen quantized weight, which turns those 1e-7 differences into whole F16 steps (2^-11 relative) of some
// entries: measured 4.5e-4, tolerance 2e-3. AdamW divides by sqrt(v) + eps, a sign-like function of gradients far
// below eps; eps 1e-4 bounds its amplification of near-zero gradients (~lr·|Δg|/eps) so the comparison (1e-5 absolute,
// lr 1e-3) tests the graphs: measured 6e-8 on the Q4_K base.
const cases: [string, Case][] = [
  ['F32 base, all rows trainable', { quant: 'f32', options: { trainRows: 'all' }, gradTol: 1e-4, adam: true }],
  ['Q4_K base, rows from an id, f32 backward', { quant: 'q4_k_m', options: { trainRows: { fromId: FROM }, backward: 'f32' }, gradTol: 1e-4, adam: true }],
  ['Q4_K base, rows from an id, f16 backward (default)', { quant: 'q4_k_m', options: { trainRows: { fromId: FROM } }, gradTol: 2e-3, adam: false }],
];

for (const [name, c] of cases) {
  test(`portable graph matches the default graph: ${name}`, async (t) => {
    const base = await tinyModel({ ...BASE, quant: c.quant });
    const runs = [];
    for (const portable of [false, true]) {
      const trainer = await Trainer.create(base, { alpha: 16, dropout: 0, rank: 4, threads: 2, ...c.options, portable });
      try {
        await randomiseB(trainer, 0.1);
        const loss = await trainer.loss(batch());
        const g1 = await trainer.gradients(single());
        const g = await trainer.gradients(batch());
        let params: Float32Array[] = [];
        if (c.adam) {
          for (let s = 0; s < 2; s++) await trainer.step(batch(), { lr: 1e-3, eps: 1e-4, weightDecay: 0 });
          params = await Promise.all(trainer.parameters.map((_, i) => trainer.getParameter(i)));
        }
        runs.push({ loss, g, g1, params });
      } finally {
        trainer.dispose();
      }
    }
    const [d, p] = runs as [typeof runs[0], typeof runs[0]];
    t.true(Math.abs(p.loss - d.loss) <= 1e-5 * d.loss, `loss ${p.loss} vs ${d.loss}`);
    t.true(Math.abs(p.g.loss - d.g.loss) <= 1e-5 * d.g.loss, `gradients() loss ${p.g.loss} vs ${d.g.loss}`);
    t.true(Math.abs(p.g1.loss - d.g1.loss) <= 1e-5 * d.g1.loss, `one-sequence loss ${p.g1.loss} vs ${d.g1.loss}`);
    for (const [label, dg, pg] of [['2 sequences', d.g, p.g], ['1 sequence', d.g1, p.g1]] as const) {
      let largest = 0, worst = 0;
      dg.gradients.forEach((x, i) => x.forEach((v, k) => {
        largest = Math.max(largest, Math.abs(v));
        worst = Math.max(worst, Math.abs(v - pg.gradients[i]![k]!));
      }));
      t.true(largest > 1e-2);
      t.true(worst <= c.gradTol * largest, `${label}: largest gradient difference ${worst} vs largest gradient ${largest}`);
      t.log(`${name}, ${label}: loss ${dg.loss.toFixed(6)}, gradient difference ${(worst / largest).toExponential(2)} of the largest`);
    }
    if (c.adam) {
      let moved = 0, diff = 0;
      d.params.forEach((x, i) => x.forEach((v, k) => { diff = Math.max(diff, Math.abs(v - p.params[i]![k]!)); }));
      for (const x of d.params) for (const v of x) if (v !== 0) moved++;
      t.true(moved > 0);
      t.true(diff <= 1e-5, `parameters after two AdamW steps differ by ${diff}`);
    }
  });
}

type Model = { quant: 'f32' | 'q4_k_m'; tiedEmbeddings?: boolean };
const inventories: [string, Model, TrainerOptions][] = [
  ['F32 base, all rows', { quant: 'f32' }, { trainRows: 'all' }],
  ['F32 base with tied embeddings, rows from an id, dropout', { quant: 'f32', tiedEmbeddings: true }, { trainRows: { fromId: FROM }, dropout: 0.1 }],
  ...(['out_prod', 'f32', 'f16', 'cast'] as const).map((b): [string, Model, TrainerOptions] => [`Q4_K base, rows from an id, ${b} backward`, { quant: 'q4_k_m' }, { trainRows: { fromId: FROM }, backward: b }]),
  ['Q4_K base, all rows', { quant: 'q4_k_m' }, { trainRows: 'all' }],
];

for (const [name, model, options] of inventories) {
  test(`portable graph ops all run on CUDA and Metal: ${name}`, async (t) => {
    const base = await tinyModel({ ...BASE, ...model });
    const portable = await Trainer.create(base, { alpha: 16, dropout: 0, rank: 4, threads: 2, ...options, portable: true });
    const plain = await Trainer.create(base, { alpha: 16, dropout: 0, rank: 4, threads: 2, ...options, cpuKernels: false });
    try {
      const ops = portable.graphOps();
      t.true(ops.some((e) => e.op === 'MUL_MAT') && ops.some((e) => e.op === 'GET_ROWS'));
      for (const e of ops) {
        t.false(REWRITTEN.includes(e.op), `${describeOp(e)} is left in the portable graph`);
        t.true(cudaSupports(e), `CUDA does not run ${describeOp(e)}`);
        t.true(metalSupports(e), `Metal does not run ${describeOp(e)}`);
        t.true(e.supported);
      }
      // ggml's own graph holds the ops the rewrites remove, and the predicates reject them
      const rejected = plain.graphOps().filter((e) => !metalSupports(e) || !cudaSupports(e)).map((e) => e.op);
      for (const op of ['OUT_PROD', 'RMS_NORM_BACK', 'SOFT_MAX_BACK', 'CROSS_ENTROPY_LOSS', 'GET_ROWS_BACK', 'REPEAT_BACK']) t.true(rejected.includes(op), op);
    } finally {
      portable.dispose();
      plain.dispose();
    }
  });
}

test('device: cpu by default and by name; an unknown device lists the devices there are', async (t) => {
  const base = await tinyModel({ ...BASE, quant: 'q4_k_m' });
  for (const device of [undefined, 'cpu', 'CPU']) {
    const trainer = await Trainer.create(base, { alpha: 16, dropout: 0, rank: 4, threads: 2, ...(device ? { device } : {}) });
    try {
      t.is(trainer.device.name, 'CPU');
      t.is(trainer.device.type, 'cpu');
      t.true(trainer.device.description.length > 0);
      t.true(trainer.graphOps().every((e) => e.supported && e.count > 0));
      t.true(Number.isFinite(await trainer.loss(batch())));
    } finally {
      trainer.dispose();
    }
  }
  const names = native().systemInfo().devices;
  const error = await t.throwsAsync(Trainer.create(base, { device: 'NPU7' }), { instanceOf: PersianLoraError });
  t.is(error?.code, 'ERR_INVALID_OPTION');
  t.true(error!.message.includes('NPU7') && error!.message.includes(names) && names.includes('CPU'), error!.message);
  if (!native().systemInfo().gpuOffload) {
    const gpu = await t.throwsAsync(Trainer.create(base, { device: 'gpu' }), { instanceOf: PersianLoraError });
    t.is(gpu?.code, 'ERR_INVALID_OPTION');
  }
  for (const bad of [{ device: '' }, { portable: 'yes' }]) {
    const e = await t.throwsAsync(Trainer.create(base, bad as TrainerOptions), { instanceOf: PersianLoraError });
    t.is(e?.code, 'ERR_INVALID_OPTION');
  }
});
