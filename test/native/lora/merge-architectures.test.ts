// merge on every trainable architecture (issue 16 point 5): an adapter trained by the trainer on a llama (Llama 3.2
// shape: tied output, rope_freqs), qwen2 (q/k/v biases) and qwen3 (q/k norms) base at F32, Q8_0 and Q4_K_M, merged,
// gives through llama.cpp the logits llama.cpp gives for base + adapter at run time; inspect reports the merged model
// as its architecture and trainable.
import test from 'ava';
import { inspectModel } from '../../../lib/inspect.js';
import { loadModel } from '../../../lib/model.js';
import { mergeAdapter, type MergeType } from '../../../lib/lora/merge.js';
import { Trainer } from '../../../lib/train/trainer.js';
import type { TinyArchitecture } from '../../../lib/tiny-model.js';
import { readGgufMetadata } from '../../../lib/vocab/gguf-read.js';
import { vocabFile } from '../../helpers/llama-vocab.js';
import { scratchPath, tinyModel } from '../helpers.js';
import { maxAbs, maxAbsDiff } from '../train/helpers.js';

const TEXT = 'Merging must give the model that the adapter gives at run time. ادغام باید همان مدل را بدهد.';

const ARCHS: { name: string; arch: TinyArchitecture; vocab: string; extra: object; tensors: string[] }[] = [
  { name: 'llama (Llama 3.2 shape)', arch: 'llama', vocab: 'llama-bpe', extra: { tiedEmbeddings: true, ropeFreqs: true, ropeBase: 500000 }, tensors: ['rope_freqs.weight'] },
  { name: 'qwen2', arch: 'qwen2', vocab: 'qwen2', extra: { ropeBase: 1000000 }, tensors: ['blk.0.attn_q.bias'] },
  { name: 'qwen3', arch: 'qwen3', vocab: 'qwen2', extra: { headDim: 32 }, tensors: ['blk.0.attn_q_norm.weight'] },
];

// Tolerances on the max abs logit difference (|logits| up to about 5), from measurements on these models with room
// for other CPUs. Exact check: the merged F32 model against the base dequantized to F32 (a merge at scale 0) with the
// adapter applied at run time: the same F32 products summed in another order (measured ≤ 3e-6). Against the stored
// base + adapter: from an F32 base the same; from a quantized base ggml multiplies the stored weights with activations
// quantized to Q8 (measured ≤ 7.3e-2 on Q4_K_M); 'keep' stores the merged weights quantized again, so the gap is the
// type's own rounding of W + ΔW (Q8_0 measured ≤ 7.2e-2, Q4_K_M ≤ 0.53), against an adapter effect of about 4-5 (checked to be at least twice each tolerance).
const EXACT = 1e-4;
const QUANTS: { quant: 'f32' | 'q8_0' | 'q4_k_m'; f32Tol: number; keepTol: number }[] = [
  { quant: 'f32', f32Tol: EXACT, keepTol: EXACT },
  { quant: 'q8_0', f32Tol: 1.5e-1, keepTol: 1.5e-1 },
  { quant: 'q4_k_m', f32Tol: 1.5e-1, keepTol: 1 },
];

/** Trains a rank-4 adapter on every projection for a few steps (a high learning rate, so it moves the logits). */
async function trainedAdapter(base: string, name: string): Promise<string> {
  const m = await loadModel(base, { vocabOnly: true });
  const ids = m.tokenize(`${TEXT} ${TEXT}`, { addBos: false });
  m.dispose();
  const tokens = Uint32Array.from(ids.slice(0, 32));
  const trainer = await Trainer.create(base, { rank: 4, alpha: 8, dropout: 0, threads: 2 });
  try {
    for (let i = 0; i < 4; i++) await trainer.step({ tokens, sequences: 2 }, { lr: 2e-2 });
    const file = scratchPath(name);
    await trainer.exportAdapter(file);
    return file;
  } finally {
    trainer.dispose();
  }
}

async function logitsOf(model: string, adapter?: string): Promise<Float32Array> {
  const m = await loadModel(model);
  const ctx = await m.createContext({ contextSize: 128, threads: 2, kvCacheType: 'f32' });
  try {
    if (adapter) ctx.setAdapters([{ adapter: await m.loadAdapter(adapter), scale: 1 }]);
    return await ctx.logits(m.tokenize(TEXT), { all: true });
  } finally {
    ctx.dispose();
    m.dispose();
  }
}

/** Merges `adapter` into `base` as `type` (at `scale`), checking what every merge must keep. */
async function merged(t: import('ava').ExecutionContext, base: string, adapter: string, type: MergeType, scale = 1): Promise<string> {
  const out = scratchPath(`merged-${base.replace(/\W+/g, '-').slice(-24)}-${type}-${scale}.gguf`);
  const r = await mergeAdapter(base, adapter, out, { type, scale });
  t.is(r.merged, 7 * 2, 'q, k, v, o, gate, up, down in both layers');
  const [mb, mo] = [readGgufMetadata(base), readGgufMetadata(out)];
  t.deepEqual(mo.tensors.map((x) => x.name), mb.tensors.map((x) => x.name));
  t.is(mo.kv.get('general.architecture')?.value, mb.kv.get('general.architecture')?.value);
  return out;
}

for (const a of ARCHS) {
  for (const q of QUANTS) {
    test.serial(`${a.name}, ${q.quant} base: merge (f32${q.quant === 'f32' ? '' : ' and keep'}) gives the logits of base + trained adapter; inspect: trainable`, async (t) => {
      if (!vocabFile(`ggml-vocab-${a.vocab}.gguf`)) return t.pass(`no ${a.vocab} vocabulary in the vendored tree`);
      const base = await tinyModel({ arch: a.arch, vocab: a.vocab, layers: 2, dim: 128, heads: 4, kvHeads: 2, initStd: 0.05, quant: q.quant, ...a.extra });
      const names = readGgufMetadata(base).tensors.map((x) => x.name);
      for (const name of a.tensors) t.true(names.includes(name), `the base has ${name}`);
      t.is(names.includes('output.weight'), a.arch !== 'llama', 'output tied only in the Llama 3.2 shape');

      const adapter = await trainedAdapter(base, `merge-arch-${a.arch}-${q.quant}.gguf`);
      const ref = await logitsOf(base, adapter);
      const effect = maxAbsDiff(await logitsOf(base), ref);
      const check = (label: string, diff: number, tol: number): void => {
        t.log(`${label}: ${diff.toExponential(2)} (tolerance ${tol})`);
        t.true(diff <= tol, `${label}: max abs diff ${diff} > ${tol}`);
      };
      t.log(`max |logit| ${maxAbs(ref).toFixed(2)}; the adapter's effect ${effect.toExponential(2)}`);
      t.true(effect > 2 * q.keepTol, `the adapter's effect ${effect} must exceed the tolerances at least twice`);

      const f32 = await merged(t, base, adapter, 'f32');
      const mergedLogits = await logitsOf(f32);
      const dequantized = await merged(t, base, adapter, 'f32', 0);
      check('merged f32 vs dequantized base + adapter', maxAbsDiff(mergedLogits, await logitsOf(dequantized, adapter)), EXACT);
      check('merged f32 vs stored base + adapter', maxAbsDiff(mergedLogits, ref), q.f32Tol);
      if (q.quant !== 'f32') check('merged keep vs stored base + adapter', maxAbsDiff(await logitsOf(await merged(t, base, adapter, 'keep')), ref), q.keepTol);

      const summary = await inspectModel(f32);
      t.is(summary.architecture, a.arch);
      t.deepEqual(summary.trainer, { supported: true });
    });
  }
}
