// Llama 3.x in full: RoPE frequency factors (Llama 3.1+ scaling), tied output (Llama 3.2 1B/3B), grouped-query
// attention, a llama.attention.scale key (which llama.cpp's llama graph ignores), on Llama 3's BPE vocabulary.
import test from 'ava';
import { Trainer } from '../../../lib/train/trainer.js';
import { tinyModel } from '../helpers.js';
import { EXACT, parityGap, trainerLogits, withinParity } from './arch-parity.js';
import { maxAbsDiff } from './helpers.js';

/** Llama 3.2 1B's shape in miniature: 4 heads over 2 kv heads, base 500000, rope_freqs.weight, no output.weight. */
const LLAMA3 = {
  arch: 'llama', vocab: 'llama-bpe', layers: 2, dim: 256, heads: 4, kvHeads: 2, initStd: 0.05, ropeBase: 500000, ropeFreqs: true,
  tiedEmbeddings: true, attentionScale: 0.5,
} as const;

for (const quant of ['f32', 'q8_0', 'q4_k_m'] as const) {
  test(`Llama 3.2 shape: training logits equal llama.cpp's with the exported adapter (${quant})`, async (t) => {
    const gap = await parityGap({ ...LLAMA3, quant }, `llama3-${quant}`);
    t.log(`${quant}: max abs diff ${gap.maxAbs.toExponential(2)}, L2 gap / adapter effect ${gap.relToEffect.toExponential(2)}`);
    t.is(gap.pairs, 7 * LLAMA3.layers);
    t.true(withinParity(quant, gap), `max abs diff ${gap.maxAbs}, relative gap ${gap.relToEffect}`);
  });
}

test('the RoPE frequency factors change the logits far beyond the parity tolerance (so parity checks them)', async (t) => {
  const withFactors = await trainerLogits({ ...LLAMA3, quant: 'f32' });
  const without = await trainerLogits({ ...LLAMA3, ropeFreqs: false, quant: 'f32' });
  const diff = maxAbsDiff(withFactors, without);
  t.log(`max abs effect of rope_freqs.weight: ${diff.toExponential(2)}`);
  t.true(diff > 100 * EXACT, `${diff}`);
});

test('a base without output.weight trains with the head tied to token_embd', async (t) => {
  const trainer = await Trainer.create(await tinyModel({ ...LLAMA3, quant: 'q8_0' }), { rank: 2, targets: ['q', 'o'], threads: 1 });
  try {
    t.true(trainer.tiedEmbeddings);
    t.deepEqual(trainer.parameters.slice(0, 2).map((p) => p.name), ['blk.0.attn_q.weight.lora_a', 'blk.0.attn_q.weight.lora_b']);
  } finally {
    trainer.dispose();
  }
});
