// The tiny-model factory: deterministic for a seed, quantized through llama.cpp, loadable, with a real vocabulary.
import test from 'ava';
import { readFileSync } from 'node:fs';
import { createTinyModel } from '../../lib/tiny-model.js';
import { inspectModel } from '../../lib/inspect.js';
import { PersianLoraError } from '../../lib/errors.js';
import { scratchPath } from './helpers.js';

test('the same seed writes the same bytes; another seed does not', async (t) => {
  const a = await createTinyModel({ out: scratchPath('seed-a.gguf'), layers: 1, dim: 32, heads: 2, seed: 5 });
  const b = await createTinyModel({ out: scratchPath('seed-b.gguf'), layers: 1, dim: 32, heads: 2, seed: 5 });
  const c = await createTinyModel({ out: scratchPath('seed-c.gguf'), layers: 1, dim: 32, heads: 2, seed: 6 });
  t.true(readFileSync(a.path).equals(readFileSync(b.path)));
  t.false(readFileSync(a.path).equals(readFileSync(c.path)));
  // 32000 × 32 embeddings + output, 1 layer of 4 × 32² attention + 3 × 32 × 64 MLP, 3 norms of 32
  t.is(a.parameters, 2 * 32000 * 32 + 4 * 32 * 32 + 3 * 32 * 64 + 3 * 32);
});

for (const [quant, type] of [['f16', 'f16'], ['q8_0', 'q8_0'], ['q4_0', 'q4_0'], ['q4_k_m', 'q4_K']] as const) {
  test(`quantizes to ${quant}`, async (t) => {
    const r = await createTinyModel({ out: scratchPath(`q-${quant}.gguf`), vocab: 'llama-bpe', layers: 1, dim: 256, heads: 4, kvHeads: 2, ffn: 512, quant });
    const s = await inspectModel(r.path);
    t.is(s.architecture, 'llama');
    t.is(s.vocabulary.model, 'gpt2');
    t.is(s.vocabulary.size, 128256);
    t.true(s.quantization.some((q) => q.type === type), JSON.stringify(s.quantization));
  });
}

test('bad factory options are rejected before native code', async (t) => {
  await t.throwsAsync(createTinyModel({ out: scratchPath('x.gguf'), dim: 30, heads: 4 }), { instanceOf: PersianLoraError, message: /dim \(30\) must be a multiple of heads \(4\)/ });
  await t.throwsAsync(createTinyModel({ out: scratchPath('x.gguf'), vocab: 'klingon' }), { instanceOf: PersianLoraError, message: /Unknown vocabulary "klingon"/ });
  await t.throwsAsync(createTinyModel({ out: scratchPath('x.gguf'), quant: 'q3' as never }), { instanceOf: PersianLoraError, message: /createTinyModel options\.quant/ });
});
