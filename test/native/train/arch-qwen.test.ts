// Qwen2/2.5 (biases on q, k and v; NeoX RoPE) and Qwen3 (RMS norms on each head of q and k; a head size that is not
// dim / heads) on Qwen2's BPE vocabulary: the trainer's logits against llama.cpp's.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { readLoraAdapter } from '../../../lib/lora/adapter-read.js';
import { exportPeft, importPeft, PEFT_CONFIG, PEFT_WEIGHTS } from '../../../lib/lora/peft.js';
import { readSafetensors } from '../../../lib/lora/safetensors.js';
import { Trainer } from '../../../lib/train/trainer.js';
import { scratchPath, tinyModel } from '../helpers.js';
import { parityGap, withinParity } from './arch-parity.js';
import { randomiseB } from './helpers.js';

const SHAPE = { vocab: 'qwen2', layers: 2, dim: 256, heads: 4, kvHeads: 2, initStd: 0.05, ropeBase: 1000000, tiedEmbeddings: true } as const;
const ARCHS = {
  qwen2: { ...SHAPE, arch: 'qwen2' },
  qwen3: { ...SHAPE, arch: 'qwen3', headDim: 128 },
} as const;

for (const [name, shape] of Object.entries(ARCHS)) {
  for (const quant of ['f32', 'q8_0', 'q4_k_m'] as const) {
    test(`${name}: training logits equal llama.cpp's with the exported adapter (${quant})`, async (t) => {
      const gap = await parityGap({ ...shape, quant }, `${name}-${quant}`);
      t.log(`${name} ${quant}: max abs diff ${gap.maxAbs.toExponential(2)}, L2 gap / adapter effect ${gap.relToEffect.toExponential(2)}`);
      t.is(gap.pairs, 7 * shape.layers, 'q, k, v, o, gate, up and down on every layer');
      t.true(withinParity(quant, gap), `max abs diff ${gap.maxAbs}, relative gap ${gap.relToEffect}`);
    });
  }
}

test('qwen2 and qwen3 adapters export to PEFT with Hugging Face module names and rows in HF order (no rotary permutation)', async (t) => {
  for (const [name, shape] of Object.entries(ARCHS)) {
    const trainer = await Trainer.create(await tinyModel({ ...shape, quant: 'q8_0' }), { rank: 2, alpha: 4, dropout: 0, threads: 1 });
    try {
      await randomiseB(trainer, 0.05);
      const file = scratchPath(`arch-peft-${name}.gguf`);
      await trainer.exportAdapter(file);
      const adapter = readLoraAdapter(file);
      t.is(adapter.architecture, name);
      const dir = scratchPath(`arch-peft-${name}`);
      await exportPeft(adapter, dir);
      const config = JSON.parse(readFileSync(path.join(dir, PEFT_CONFIG), 'utf8')) as { target_modules: string[] };
      t.deepEqual([...config.target_modules].sort(), ['down_proj', 'gate_proj', 'k_proj', 'o_proj', 'q_proj', 'up_proj', 'v_proj']);
      const { tensors } = readSafetensors(path.join(dir, PEFT_WEIGHTS));
      for (const pair of adapter.pairs) {
        const module = pair.target.replace(/^blk\.(\d+)\.attn_(q|k|v)\.weight$/, 'model.layers.$1.self_attn.$2_proj');
        if (module === pair.target) continue;
        const b = tensors.get(`base_model.model.${module}.lora_B.weight`);
        t.deepEqual(b?.shape, [pair.outFeatures, pair.rank], module);
        t.deepEqual(b?.data, pair.b, `${name} ${module}: B rows as stored in the GGUF`);
      }
      const back = await importPeft(dir, { architecture: name as 'qwen2' | 'qwen3' });
      t.deepEqual(back.pairs.map((p) => [p.target, p.a, p.b]), adapter.pairs.map((p) => [p.target, p.a, p.b]));
    } finally {
      trainer.dispose();
    }
  }
});
