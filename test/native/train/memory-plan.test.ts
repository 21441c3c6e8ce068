// The memory plan against a real trainer: the shape read from a GGUF gives the trainer's own parameter count, the
// plan is within its stated tolerance of the measured peak of a CPU step, and a run that cannot fit is refused.
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import path from 'node:path';
import { checkTrainerMemory, modelShapeFromGguf, parameterCount, planMemory } from '../../../lib/train/memory-plan.js';
import { Trainer } from '../../../lib/train/trainer.js';
import { packageRoot } from '../../../lib/version.js';
import { readGgufMetadata } from '../../../lib/vocab/gguf-read.js';
import { tinyModel } from '../helpers.js';
import { BASE } from './helpers.js';

test('the shape of a GGUF: hyper-parameters, weight bytes, and the trainer\'s own parameter count', async (t) => {
  const base = await tinyModel({ ...BASE, quant: 'q4_k_m' });
  const meta = readGgufMetadata(base);
  const shape = modelShapeFromGguf(meta, statSync(base).size);
  t.like(shape, { layers: 2, embedding: 256, heads: 4, kvHeads: 2, vocabulary: 32000, tiedEmbeddings: false, largestMatrix: 256 * 32000, largestQuantized: true });
  t.is(shape.weightBytes, statSync(base).size - Number(meta.dataOffset));
  for (const [targets, trainRows] of [[['q', 'v'], 'none'], [['q', 'k', 'v', 'o', 'gate', 'up', 'down'], { fromId: 31900 }]] as const) {
    const trainer = await Trainer.create(base, { rank: 4, targets: [...targets], trainRows, threads: 1 });
    try {
      const values = trainer.parameters.reduce((n, p) => n + p.shape[0] * p.shape[1], 0);
      t.is(parameterCount(shape, { rank: 4, targets, trainRows }), values);
    } finally {
      trainer.dispose();
    }
  }
});

// Tolerance: the plan within 0.8–1.25 × the measured peak (measured 0.91–1.15 on the tiny and the ~100M model,
// bench/RESULTS.md "Memory plan"). Measured = peak RSS minus the RSS before the trainer was created, in a fresh process.
test('the plan is within its tolerance of the measured peak of a CPU step (tiny model, device graph and CPU default)', async (t) => {
  const base = await tinyModel({ vocab: 'llama-spm', layers: 2, dim: 64, heads: 4, quant: 'q8_0', context: 512 });
  const shape = modelShapeFromGguf(readGgufMetadata(base), statSync(base).size);
  const worker = path.join(packageRoot, 'dist', 'bench', 'memory-plan.js');
  for (const options of [{ portable: true, cpuKernels: false, backward: 'f16', dropout: 0.05 }, { dropout: 0 }]) {
    const out = execFileSync(process.execPath, [worker, '--worker', base, '512', '2', JSON.stringify({ rank: 8, ...options })], { encoding: 'utf8' });
    const { measured, backward } = JSON.parse(out.trim().split('\n').pop()!) as { measured: number; backward: string };
    const plan = planMemory(shape, {
      rank: 8, targets: ['q', 'k', 'v', 'o', 'gate', 'up', 'down'], seqLen: 512, dropout: options.dropout,
      frozenBackward: backward === 'f16' ? 'f16' : 'out_prod',
    });
    const ratio = plan.total / measured;
    t.log(`${JSON.stringify(options)}: plan ${(plan.total / 2 ** 20).toFixed(0)} MiB, measured ${(measured / 2 ** 20).toFixed(0)} MiB, ratio ${ratio.toFixed(2)}`);
    t.true(ratio >= 0.8 && ratio <= 1.25, `plan / measured = ${ratio.toFixed(2)}`);
  }
});

test('a run that cannot fit the device is refused before its first step, with the options that fit', async (t) => {
  const base = await tinyModel({ ...BASE, quant: 'q8_0' });
  const trainer = await Trainer.create(base, { rank: 4, threads: 1 });
  try {
    t.true(trainer.device.memoryTotal > 0, 'the CPU device reports the system memory');
    t.notThrows(() => checkTrainerMemory(trainer, base, { seqLen: 64, sequences: 1 }));
    // 2 layers × 4 heads × 2 (scores kept) × 4 bytes × T² per sequence: a T that outgrows the device's memory
    const seqLen = 2 * Math.ceil(Math.sqrt(trainer.device.memoryTotal / (2 * 4 * 2 * 4)));
    const error = t.throws(() => checkTrainerMemory(trainer, base, { seqLen, sequences: 1 }), { code: 'ERR_OUT_OF_MEMORY' });
    t.regex(error!.message, /does not fit device CPU: it needs [\d.]+ GiB \(weights .* activations .*\) at seqLen \d+ × 1 sequence/);
    t.regex(error!.message, /Options that fit: seqLen \d+ with batch 1/);
  } finally {
    trainer.dispose();
  }
});
