// Merged models against llama.cpp applying the adapter at run time (F32, F16, Q8_0 'keep'), and the merge CLI.
import test from 'ava';
import { loadModel } from '../../../lib/model.js';
import { writeLoraAdapter, type LoraPair } from '../../../lib/lora/adapter-file.js';
import { mergeAdapter, type MergeType } from '../../../lib/lora/merge.js';
import { readGgufMetadata } from '../../../lib/vocab/gguf-read.js';
import { runCli } from '../../helpers/cli.js';
import { scratchPath, tinyModel } from '../helpers.js';
import { BASE, maxAbs, maxAbsDiff, seededArray } from '../train/helpers.js';

const TEXT = 'Merging must give the model that the adapter gives at run time.';

/** A rank-4 adapter on every projection of `base`, with seeded A and B (alpha 8). */
function writeAdapterFor(base: string, name: string): string {
  const meta = readGgufMetadata(base);
  const pairs: LoraPair[] = [];
  let seed = 1;
  for (const t of meta.tensors) {
    if (!/^blk\.\d+\.(attn_[qkv]|attn_output|ffn_(gate|up|down))\.weight$/.test(t.name)) continue;
    const [inF, outF] = t.ne as [number, number];
    pairs.push({ target: t.name, rank: 4, inFeatures: inF, outFeatures: outF, a: seededArray(4 * inF, seed++, 0.1), b: seededArray(outF * 4, seed++, 0.1) });
  }
  const file = scratchPath(name);
  writeLoraAdapter(file, { architecture: 'llama', alpha: 8, pairs });
  return file;
}

async function logitsOf(model: string, adapter?: { file: string; scale: number }): Promise<Float32Array> {
  const m = await loadModel(model);
  const ctx = await m.createContext({ contextSize: 64, threads: 2, kvCacheType: 'f32' });
  try {
    if (adapter) ctx.setAdapters([{ adapter: await m.loadAdapter(adapter.file), scale: adapter.scale }]);
    return await ctx.logits(m.tokenize(TEXT), { all: true });
  } finally {
    ctx.dispose();
    m.dispose();
  }
}

// Tolerances (max abs logit difference, |logits| ≈ 1-5): f32 merge only reorders sums (W·x + s·B·(A·x) vs (W + s·BA)·x);
// f16 rounds every merged weight to 11 bits; q8_0 'keep' re-quantizes the merged weights, so the gap is the size of
// q8_0's own rounding of W + ΔW against W's (the adapter on a Q8_0 base applies ΔW in F32). Measured on the 2-layer
// width-256 tiny model: 2e-6 (f32), 4.3e-3 (f16), 0.11 (q8_0 keep, against 2.65 for the adapter's whole effect).
const cases: { quant: 'f32' | 'q8_0'; type: MergeType; tol: number; fileType: number | undefined }[] = [
  { quant: 'f32', type: 'f32', tol: 1e-4, fileType: 0 },
  { quant: 'f32', type: 'f16', tol: 2e-2, fileType: 1 },
  { quant: 'q8_0', type: 'keep', tol: 2.5e-1, fileType: undefined },
];

for (const { quant, type, tol, fileType } of cases) {
  test(`merged ${quant} base (type ${type}) gives the logits of base + adapter`, async (t) => {
    const base = await tinyModel({ ...BASE, quant });
    const adapter = writeAdapterFor(base, `merge-${quant}.gguf`);
    const out = scratchPath(`merged-${quant}-${type}.gguf`);
    const r = await mergeAdapter(base, adapter, out, { type });
    t.is(r.merged, 7 * BASE.layers);
    const meta = readGgufMetadata(out);
    t.is(meta.kv.get('general.file_type')?.value, fileType ?? readGgufMetadata(base).kv.get('general.file_type')?.value);
    const q = meta.tensors.find((x) => x.name === 'blk.0.attn_q.weight')!;
    t.is(q.ggmlType, type === 'f16' ? 1 : type === 'f32' ? 0 : 8);
    const ref = await logitsOf(base, { file: adapter, scale: 1 });
    const merged = await logitsOf(out);
    const diff = maxAbsDiff(merged, ref);
    const without = maxAbsDiff(await logitsOf(base), ref);
    t.log(`${quant} → ${type}: max |logit| ${maxAbs(ref).toFixed(3)}, merged vs adapter ${diff.toExponential(2)}, base vs adapter ${without.toExponential(2)}`);
    t.true(diff <= tol, `max abs diff ${diff} > ${tol}`);
    t.true(without > 10 * Math.max(diff, tol / 10), 'the adapter must change the logits far more than the merge error');
  });
}

test('merge CLI: adapter:scale equals the scaled adapter; refusals exit 1 or 2', async (t) => {
  const base = await tinyModel({ ...BASE, quant: 'f32' });
  const adapter = writeAdapterFor(base, 'merge-cli.gguf');
  const out = scratchPath('merged-cli.gguf');
  const r = await runCli('merge', '--base', base, '--lora', `${adapter}:0.5`, '--out', out, '--type', 'f32');
  t.is(r.code, 0, r.err);
  t.regex(r.out, /14 weights merged, 0 converted, \d+ copied/);
  t.true(maxAbsDiff(await logitsOf(out), await logitsOf(base, { file: adapter, scale: 0.5 })) <= 1e-4);

  const help = await runCli('merge', '--help');
  t.is(help.code, 0);
  t.regex(help.out, /^Usage: persian-lora merge --base/);
  const badType = await runCli('merge', '--base', base, '--lora', adapter, '--out', out, '--type', 'q9_9');
  t.is(badType.code, 2);
  t.regex(badType.err, /Expected one of keep, f32, f16, .* for --type but received "q9_9"/);
  const missing = await runCli('merge', '--base', base, '--lora', scratchPath('none.gguf'), '--out', out);
  t.is(missing.code, 1);
  t.regex(missing.err, /Cannot open GGUF file .*none\.gguf/);
  const other = await tinyModel({ ...BASE, dim: 128, heads: 2, kvHeads: 1, quant: 'f32' });
  const wrong = await runCli('merge', '--base', other, '--lora', adapter, '--out', out);
  t.is(wrong.code, 1);
  t.regex(wrong.err, /blk\.0\.attn_q\.weight is adapted as \[in 256, out 256\] but .* has ne \[128, 128\]/);
  const same = await runCli('merge', '--base', base, '--lora', adapter, '--out', base);
  t.is(same.code, 2);
});
