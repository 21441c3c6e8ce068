// LoRA gradients through each architecture's additions (RoPE frequency factors, NeoX RoPE, q/k/v biases, per-head
// q/k norms, a head size other than dim / heads) against central finite differences of the F32 loss, with the
// tolerance of gradients.test.ts (2e-4 absolute + 1 % relative; step 1e-2).
import test from 'ava';
import { Trainer, type TrainBatch } from '../../../lib/train/trainer.js';
import { tinyModel } from '../helpers.js';
import { finiteDifferences, randomiseB } from './helpers.js';

const SMALL = { layers: 2, dim: 64, heads: 4, kvHeads: 2, initStd: 0.1, tiedEmbeddings: true, quant: 'f32' } as const;
const ARCHS = {
  'llama (Llama 3 shape)': { ...SMALL, arch: 'llama', vocab: 'llama-bpe', ropeBase: 500000, ropeFreqs: true, context: 64 },
  qwen2: { ...SMALL, arch: 'qwen2', vocab: 'qwen2', ropeBase: 1000000 },
  qwen3: { ...SMALL, arch: 'qwen3', vocab: 'qwen2', ropeBase: 1000000, headDim: 32 },
} as const;

/** One sequence of 16 tokens packing two documents. */
function batch(): TrainBatch {
  const tokens = new Uint32Array(16).map((_, i) => 200 + ((i * 7919) % 20000));
  const docStarts = new Uint8Array(16);
  docStarts[9] = 1;
  return { tokens, sequences: 1, docStarts };
}

for (const [name, shape] of Object.entries(ARCHS)) {
  test(`${name}: LoRA gradients of q, k, v and down match central finite differences`, async (t) => {
    const trainer = await Trainer.create(await tinyModel(shape), { dropout: 0, rank: 4, alpha: 8, threads: 2 });
    try {
      await randomiseB(trainer, 0.1);
      const b = batch();
      const g = await trainer.gradients(b);
      const names = trainer.parameters.map((p) => p.name);
      const indices = ['attn_q', 'attn_k', 'attn_v', 'ffn_down'].flatMap((w) => [`blk.0.${w}.weight.lora_a`, `blk.1.${w}.weight.lora_b`].map((n) => names.indexOf(n)));
      t.false(indices.includes(-1));
      let worst = 0;
      for (const d of await finiteDifferences(trainer, b, g.gradients, indices)) {
        const err = Math.abs(d.fd - d.autodiff);
        worst = Math.max(worst, err);
        t.true(err <= 2e-4 + 1e-2 * Math.abs(d.autodiff), `${d.name}[${d.index}]: autodiff ${d.autodiff} vs finite difference ${d.fd}`);
        t.true(Math.abs(d.autodiff) > 1e-3, `${d.name}[${d.index}] carries signal`);
      }
      t.log(`${name}: worst |autodiff - finite difference| = ${worst.toExponential(2)}`);
    } finally {
      trainer.dispose();
    }
  });
}
