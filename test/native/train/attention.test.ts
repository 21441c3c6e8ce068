// The attention on the mask's ranges (pl_attention): softmax(K·Q) and probabilities·V with tinyBLAS's and ggml's
// arithmetic where the mask leaves a score, the backward skipping the probabilities' exact zeros. Nothing
// they skip can change a bit, so logits, loss and every gradient must equal those of ggml's full products
// (PERSIAN_LORA_TRAINER_ATTENTION=0) exactly. The switch is read from the environment when a graph is built, so
// these tests run serially.
import { readFileSync } from 'node:fs';
import test from 'ava';
import { Trainer, type TrainBatch } from '../../../lib/train/trainer.js';
import { tinyModel } from '../helpers.js';
import { seededArray } from './helpers.js';

const cpuFlags = process.platform === 'linux' ? readFileSync('/proc/cpuinfo', 'utf8') : '';
const avx512 = process.arch === 'x64' && /\bavx512f\b/.test(cpuFlags);
const LAYERS = 2;

function batch(T: number, sequences: number): TrainBatch {
  const tokens = new Uint32Array(T * sequences).map((_, i) => 100 + ((i * 7919) % 5000));
  const docStarts = new Uint8Array(T * sequences);
  docStarts[Math.floor(T / 3)] = 1;             // packed documents: attention kept inside each
  if (sequences > 1) docStarts[T + T - 5] = 1;
  const weights = new Float32Array(T * sequences).fill(1);
  weights[5] = 0;
  return { tokens, sequences, docStarts, weights };
}

async function run(base: string, b: TrainBatch, attention: boolean) {
  process.env.PERSIAN_LORA_TRAINER_ATTENTION = attention ? '1' : '0';
  const trainer = await Trainer.create(base, { alpha: 16, dropout: 0, rank: 4, threads: 2, seed: 5 });
  try {
    for (const [i, p] of trainer.parameters.entries()) {
      if (p.name.endsWith('.lora_b')) await trainer.setParameter(i, seededArray(p.shape[0] * p.shape[1], 11 + i, 0.05));
    }
    const logits = await trainer.logits(b);
    const g = await trainer.gradients(b);
    return { logits, loss: g.loss, gradients: g.gradients, nodes: trainer.cpuKernelNodes.attention };
  } finally {
    trainer.dispose();
    delete process.env.PERSIAN_LORA_TRAINER_ATTENTION;
  }
}

// Six ops per layer: with T a multiple of 64, softmax(K·Q), probabilities·V and the softmax's backward with its
// incoming gradient as the fused kernels, and the OUT_PRODs of dK, dQ and dV; with T a multiple of 16 only, the
// softmax's backward stays ggml's and its incoming OUT_PROD skips instead. T = 13 is off tinyBLAS's shapes: ggml
// keeps the forward products and only the four OUT_PRODs skip.
const cases = [
  { name: '2 sequences, grouped kv heads repeated, f32', quant: 'f32', kvHeads: 2, T: 64, sequences: 2, perLayer: 6 },
  { name: '1 sequence, grouped kv heads broadcast, q8_0', quant: 'q8_0', kvHeads: 2, T: 64, sequences: 1, perLayer: 6 },
  { name: '2 sequences, one kv head per head, q4_k_m', quant: 'q4_k_m', kvHeads: 4, T: 32, sequences: 2, perLayer: 6 },
  { name: 'an odd length, f32', quant: 'f32', kvHeads: 2, T: 13, sequences: 2, perLayer: 4 },
] as const;

for (const c of cases) {
  test.serial(`attention on the mask's ranges keeps every bit: ${c.name}`, async (t) => {
    const base = await tinyModel({ vocab: 'llama-spm', layers: LAYERS, dim: 256, heads: 4, kvHeads: c.kvHeads, quant: c.quant, initStd: 0.05 });
    const b = batch(c.T, c.sequences);
    const full = await run(base, b, false);
    const ranged = await run(base, b, true);
    t.is(full.nodes, 0);
    t.log(`${ranged.nodes} attention products on the ranges`);
    if (avx512) t.is(ranged.nodes, LAYERS * c.perLayer);
    t.deepEqual(ranged.logits, full.logits);
    t.is(ranged.loss, full.loss);
    t.deepEqual(ranged.gradients, full.gradients);
  });
}
