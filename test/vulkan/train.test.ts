// Training on a Vulkan device (Mesa's lavapipe here) against the CPU: every op of the graph on the device, the same
// loss, logits and gradients within the tolerances below, the same AdamW steps, and adapters that load and agree.
import test from 'ava';
import type { TrainerOptions } from '../../lib/config/train.js';
import { readLoraAdapter } from '../../lib/lora/adapter-read.js';
import { checkTrainerMemory, planMemory, modelShapeFromGguf } from '../../lib/train/memory-plan.js';
import { Trainer, type TrainBatch } from '../../lib/train/trainer.js';
import { readGgufMetadata } from '../../lib/vocab/gguf-read.js';
import { statSync } from 'node:fs';
import { scratchPath, tinyModel } from '../native/helpers.js';
import { BASE, FROM, adamwFirstStep, cosine, deviceCheckBatch as batch, randomiseB } from '../native/train/helpers.js';
import { vulkanDevice, vulkanTest } from './device.js';

const single = (): TrainBatch => ({ tokens: batch().tokens.subarray(0, 12) });

/** Largest difference relative to the largest value of the CPU's arrays. */
function relativeDiff(cpu: Float32Array[], dev: Float32Array[]): { diff: number; largest: number } {
  let largest = 0, worst = 0;
  cpu.forEach((x, i) => x.forEach((v, k) => {
    largest = Math.max(largest, Math.abs(v));
    worst = Math.max(worst, Math.abs(v - dev[i]![k]!));
  }));
  return { diff: worst / largest, largest };
}

// eps 1 keeps the update nearly linear in the gradient (lr·g for |g| ≪ 1), so the runs' parameters differ as their
// gradients do; with a small eps AdamW's g / (sqrt(v) + eps) turns tiny gradient differences into lr-sized ones.
const ADAMW = { lr: 1e-2, eps: 1, weightDecay: 0.01, betas: [0.9, 0.999] as [number, number] };

interface Tolerance { loss: number; logits: number; gradients: number }
interface Case { quant: 'f32' | 'q8_0' | 'q4_k_m'; options: TrainerOptions; tolerance: Tolerance }
// Tolerances (measured on lavapipe, docs/training.md "GPU and Vulkan", about 2-3x the measured differences).
// ggml-vulkan sums in its own order and feeds F32 products' activations as F16, and the device's backward through
// frozen weights is the 'f16' route (dy in F16): with an F32 base, logits and gradients within 5e-3 of the largest.
// Quantized bases: ggml-vulkan quantizes the activations to Q8_1 where the CPU uses Q8_0 / Q8_K blocks, on a random
// tiny model whose logits carry little signal: logits and gradients within 6e-2 of the largest (the CPU's own
// llama.cpp inference differs from its trainer by 2e-2 on the Q8_0 base through its F16 KV cache), and the
// gradients' direction within cos ≥ 0.999 for every base. AdamW: the device run's first step equals PyTorch's formula
// applied to its own gradients (1e-6); after three steps (dropout on, so the masks must agree too) the two runs'
// parameters differ by at most twice the gradient tolerance times the largest distance a parameter moved.
const cases: [string, Case][] = [
  ['F32 base, all rows trainable', { quant: 'f32', options: { trainRows: 'all' }, tolerance: { loss: 1e-4, logits: 5e-3, gradients: 5e-3 } }],
  ['Q8_0 base', { quant: 'q8_0', options: {}, tolerance: { loss: 2e-3, logits: 6e-2, gradients: 6e-2 } }],
  ['Q4_K base, rows from an id', { quant: 'q4_k_m', options: { trainRows: { fromId: FROM } }, tolerance: { loss: 2e-3, logits: 6e-2, gradients: 6e-2 } }],
];

// The bases are written (and quantized) before any graph runs on the device.
test.before(async () => {
  for (const [, c] of cases) await tinyModel({ ...BASE, quant: c.quant });
});

for (const [name, c] of cases) {
  vulkanTest(`Vulkan matches the CPU: loss, logits, gradients, AdamW steps, exported adapter (${name})`, async (t) => {
    const base = await tinyModel({ ...BASE, quant: c.quant });
    const runs = [];
    for (const device of ['cpu', vulkanDevice!]) {
      const trainer = await Trainer.create(base, { alpha: 16, dropout: 0.1, rank: 4, threads: 2, ...c.options, device });
      try {
        await randomiseB(trainer, 0.1);
        const loss = await trainer.loss(batch());
        const logits = await trainer.logits(single());
        const g = await trainer.gradients({ ...batch() });
        const g1 = await trainer.gradients(single());
        const before = await Promise.all(trainer.parameters.map((_, i) => trainer.getParameter(i)));
        // the first step draws the dropout masks gradients() drew (same step count): it applies g.gradients
        await trainer.step(batch(), { ...ADAMW, clip: 0 });
        const first = await Promise.all(trainer.parameters.map((_, i) => trainer.getParameter(i)));
        for (let s = 0; s < 2; s++) await trainer.step(batch(), ADAMW);
        const params = await Promise.all(trainer.parameters.map((_, i) => trainer.getParameter(i)));
        const adapter = scratchPath(`vk-${c.quant}-${device}.gguf`);
        await trainer.exportAdapter(adapter);
        runs.push({ device: trainer.device, loss, logits, g, g1, before, first, params, adapter });
      } finally {
        trainer.dispose();
      }
    }
    const [cpu, vk] = runs as [typeof runs[0], typeof runs[0]];
    t.is(vk.device.name, vulkanDevice!);
    const tol = c.tolerance;
    t.true(Math.abs(vk.loss - cpu.loss) <= tol.loss * cpu.loss, `loss ${vk.loss} vs CPU ${cpu.loss}`);
    const logits = relativeDiff([cpu.logits], [vk.logits]);
    t.true(logits.diff <= tol.logits, `logits differ by ${logits.diff.toExponential(2)} of the largest`);
    for (const [label, a, b] of [['2 sequences', cpu.g, vk.g], ['1 sequence', cpu.g1, vk.g1]] as const) {
      t.true(Math.abs(b.loss - a.loss) <= tol.loss * a.loss, `${label}: gradients() loss ${b.loss} vs CPU ${a.loss}`);
      const r = relativeDiff(a.gradients, b.gradients), cos = cosine(a.gradients, b.gradients);
      t.true(r.largest > 1e-2);
      t.true(r.diff <= tol.gradients, `${label}: gradients differ by ${r.diff.toExponential(2)} of the largest`);
      t.true(cos >= 0.999, `${label}: gradients' cosine ${cos}`);
      t.log(`${name}, ${label}: loss ${a.loss.toFixed(6)} vs ${b.loss.toFixed(6)}, gradients ${r.diff.toExponential(2)} of the largest (cos ${cos.toFixed(6)}), logits ${logits.diff.toExponential(2)}`);
    }
    // AdamW: the device run's first step against PyTorch's AdamW written out here, from that run's own gradients
    const expected = adamwFirstStep(vk.before, vk.g.gradients, ADAMW);
    const adamw = relativeDiff(expected, vk.first).diff * relativeDiff(expected, vk.first).largest;
    t.true(adamw <= 1e-6, `first AdamW step on ${vulkanDevice!} differs from the reference by ${adamw}`);
    let moved = 0, diff = 0;
    cpu.params.forEach((x, i) => x.forEach((v, k) => {
      moved = Math.max(moved, Math.abs(v - cpu.before[i]![k]!));
      diff = Math.max(diff, Math.abs(v - vk.params[i]![k]!));
    }));
    t.true(moved > 2e-3, `parameters moved ${moved}`);
    t.true(diff <= 2 * tol.gradients * moved, `parameters after three AdamW steps differ by ${diff} (they moved up to ${moved})`);
    t.log(`${name}: AdamW parameters differ by ${diff.toExponential(2)}, moved ${moved.toExponential(2)}`);
    // the adapters as llama.cpp loads them: same targets and shapes, values as the parameters
    const [a, b] = [readLoraAdapter(cpu.adapter), readLoraAdapter(vk.adapter)];
    t.deepEqual(b.pairs.map((p) => [p.target, p.rank, p.inFeatures, p.outFeatures]), a.pairs.map((p) => [p.target, p.rank, p.inFeatures, p.outFeatures]));
    t.is(b.alpha, a.alpha);
    const adapterDiff = relativeDiff(a.pairs.flatMap((p) => [p.a, p.b]), b.pairs.flatMap((p) => [p.a, p.b]));
    t.true(adapterDiff.diff * adapterDiff.largest <= 2 * tol.gradients * moved, `exported adapters differ by ${adapterDiff.diff * adapterDiff.largest}`);
  });
}

vulkanTest('Vulkan: every op of the training graph runs on the device (the listing has no op left to the CPU)', async (t) => {
  for (const [quant, options] of [['q4_k_m', { trainRows: { fromId: FROM }, dropout: 0.1 }], ['f32', { trainRows: 'all' }]] as const) {
    const trainer = await Trainer.create(await tinyModel({ ...BASE, quant }), { alpha: 16, rank: 4, threads: 2, device: vulkanDevice!, ...options });
    try {
      t.is(trainer.device.name, vulkanDevice!);
      t.is(trainer.backward, 'f16');
      t.false(trainer.cpuKernels);
      const ops = trainer.graphOps();
      for (const op of ['MUL_MAT', 'GET_ROWS', 'SOFT_MAX', 'RMS_NORM', 'ROPE', 'SWIGLU']) t.true(ops.some((e) => e.op === op), `${op} in the listing`);
      // labels as ids: the cross-entropy picks the labels' probabilities (GET_ROWS) and writes p - 1 there (SET_ROWS)
      t.true(ops.some((e) => e.op === 'SET_ROWS' && e.sources[1]?.type === 'i32'), 'SET_ROWS of the labels in the listing');
      t.deepEqual(ops.filter((e) => e.op.startsWith('CROSS_ENTROPY')).map((e) => e.op), [], 'no one-hot cross-entropy op');
      const left = ops.filter((e) => !e.supported).map((e) => `${e.op} ${e.type}(${e.sources.map((s) => s.type).join(', ')})`);
      t.deepEqual(left, [], `${quant}: ops the device does not run`);
    } finally {
      trainer.dispose();
    }
  }
});

vulkanTest('Vulkan: the device reports its memory and the memory plan checks a run against it', async (t) => {
  const base = await tinyModel({ ...BASE, quant: 'q8_0' });
  const trainer = await Trainer.create(base, { alpha: 16, rank: 4, threads: 2, device: vulkanDevice! });
  try {
    t.true(trainer.device.memoryTotal > 0 && trainer.device.memoryFree > 0, JSON.stringify(trainer.device));
    const plan = checkTrainerMemory(trainer, base, { seqLen: 64, sequences: 1 });
    const shape = modelShapeFromGguf(readGgufMetadata(base), statSync(base).size);
    t.is(plan.total, planMemory(shape, { rank: 4, targets: trainer.options.targets, seqLen: 64, dropout: trainer.options.dropout, frozenBackward: 'f16', labels: 'ids', accumulators: 'device' }).total);
    // a sequence whose attention alone outgrows the device is refused by name
    const tooLong = Math.ceil(Math.sqrt(trainer.device.memoryTotal / (4 * 2 * BASE.heads * BASE.layers))) * 2;
    t.throws(() => checkTrainerMemory(trainer, base, { seqLen: tooLong, sequences: 1 }), { code: 'ERR_OUT_OF_MEMORY', message: new RegExp(`does not fit device ${vulkanDevice!}`) });
  } finally {
    trainer.dispose();
  }
});
