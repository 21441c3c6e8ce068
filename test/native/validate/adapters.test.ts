// Adapters holding NaN or infinities, an adapter alpha of NaN and a `file:NaN` scale are refused before llama.cpp loads
// anything, by name; merge refuses the same adapter.
import test from 'ava';
import { readFileSync, writeFileSync } from 'node:fs';
import { PersianLoraError } from '../../../lib/errors.js';
import { GGML_TYPE, quantizeRows } from '../../../lib/gguf/quant.js';
import { writeGguf } from '../../../lib/gguf/writer.js';
import { writeLoraAdapter } from '../../../lib/lora/adapter-file.js';
import { mergeAdapter } from '../../../lib/lora/merge.js';
import { loadModel, type Model } from '../../../lib/model.js';
import { readGgufMetadata } from '../../../lib/vocab/gguf-read.js';
import { valueAt } from '../../unit/gguf/craft.js';
import { scratchPath, tinyModel } from '../helpers.js';

let base: string;
let model: Model;
test.before(async () => {
  base = await tinyModel({ vocab: 'llama-spm', layers: 2, dim: 64, heads: 4, quant: 'q8_0' });
  model = await loadModel(base, { gpuLayers: 0 });
});
test.after.always(() => model?.dispose());

function adapterWith(name: string, value: number, alpha = 4): string {
  const b = new Float32Array(128).fill(0.01);
  b[77] = value;
  const file = scratchPath(name);
  writeLoraAdapter(file, { architecture: 'llama', alpha, pairs: [{ target: 'blk.0.attn_q.weight', rank: 2, inFeatures: 64, outFeatures: 64, a: new Float32Array(128).fill(0.01), b }] });
  return file;
}

test('an adapter holding NaN or Infinity is refused by loadAdapter and by merge', async (t) => {
  for (const value of [NaN, Infinity, -Infinity]) {
    const file = adapterWith(`nan-adapter-${value}.gguf`, value);
    const message = new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: tensor blk\\.0\\.attn_q\\.weight\\.lora_b holds ${value} at index 77 of 128; an adapter must hold finite numbers$`);
    await t.throwsAsync(model.loadAdapter(file), { instanceOf: PersianLoraError, code: 'ERR_ADAPTER', message } as never);
    await t.throwsAsync(mergeAdapter(base, file, scratchPath('nan-merged.gguf')), { instanceOf: PersianLoraError, code: 'ERR_ADAPTER', message } as never);
  }
  t.truthy(await model.loadAdapter(adapterWith('finite-adapter.gguf', 0.5)));
});

// A Q8_0 adapter (as convert_lora_to_gguf.py --outtype q8_0 writes): A [in 64, rank 32], B [rank 32, out 64], rows of
// whole 32-value blocks. `nanBlock` sets that block's F16 scale of B to NaN, which makes all 32 of its values NaN.
async function q8Adapter(name: string, nanBlock?: number): Promise<string> {
  const values = (n: number, seed: number) => Float32Array.from({ length: n }, (_, i) => 0.01 * Math.sin(seed + i));
  const a = await quantizeRows(GGML_TYPE.Q8_0, values(64 * 32, 1), 64), b = await quantizeRows(GGML_TYPE.Q8_0, values(32 * 64, 2), 32);
  if (nanBlock !== undefined) Buffer.from(b.buffer, b.byteOffset).writeUInt16LE(0x7e00, nanBlock * 34);  // Q8_0 block: F16 scale, 32 int8
  const file = scratchPath(name);
  writeGguf(file, {
    'general.architecture': { type: 'string', value: 'llama' }, 'general.type': { type: 'string', value: 'adapter' },
    'adapter.type': { type: 'string', value: 'lora' }, 'adapter.lora.alpha': { type: 'f32', value: 32 },
  }, [{ name: 'blk.0.attn_q.weight.lora_a', shape: [64, 32], ggmlType: GGML_TYPE.Q8_0, bytes: a },
    { name: 'blk.0.attn_q.weight.lora_b', shape: [32, 64], ggmlType: GGML_TYPE.Q8_0, bytes: b }]);
  return file;
}

test('a quantized (Q8_0) adapter holding NaN in a block scale is refused by name and index; a finite one loads', async (t) => {
  const file = await q8Adapter('q8-nan-adapter.gguf', 3);
  await t.throwsAsync(model.loadAdapter(file), {
    instanceOf: PersianLoraError, code: 'ERR_ADAPTER', message: `${file}: tensor blk.0.attn_q.weight.lora_b holds NaN at index 96 of 2048; an adapter must hold finite numbers`,
  } as never);
  t.truthy(await model.loadAdapter(await q8Adapter('q8-finite-adapter.gguf')));
});

test('adapter alpha NaN is refused, naming the key', async (t) => {
  const file = adapterWith('alpha-nan.gguf', 0.5);
  const bytes = readFileSync(file);
  bytes.writeFloatLE(NaN, valueAt(readGgufMetadata(file), 'adapter.lora.alpha'));
  writeFileSync(file, bytes);
  await t.throwsAsync(model.loadAdapter(file), { instanceOf: PersianLoraError, code: 'ERR_BAD_FORMAT', message: /alpha-nan\.gguf: adapter\.lora\.alpha is NaN; expected a finite number$/ } as never);
  await t.throwsAsync(mergeAdapter(base, file, scratchPath('alpha-merged.gguf')), { code: 'ERR_BAD_FORMAT', message: /adapter\.lora\.alpha is NaN/ } as never);
});

test('`file:NaN` names the scale (loadAdapter and merge), a missing file is not found', async (t) => {
  const file = adapterWith('scaled.gguf', 0.5);
  const scale = { code: 'ERR_INVALID_OPTION', message: `Expected a finite number for the scale of adapter ${file} but received "NaN"` };
  await t.throwsAsync(model.loadAdapter(`${file}:NaN`), scale as never);
  await t.throwsAsync(mergeAdapter(base, `${file}:NaN`, scratchPath('scaled-merged.gguf')), scale as never);
  await t.throwsAsync(model.loadAdapter('/no/such/adapter.gguf:0.5'), { code: 'ERR_FILE_NOT_FOUND', message: 'File not found: /no/such/adapter.gguf:0.5' } as never);
});
