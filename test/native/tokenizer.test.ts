// Tokenization through the addon equals llama.cpp's own test vectors (models/ggml-vocab-*.gguf.inp / .out).
import test from 'ava';
import { readFileSync } from 'node:fs';
import { loadModel } from '../../lib/model.js';
import { vocabFiles } from './helpers.js';

/** The .inp/.out format of llama.cpp's tests/test-tokenizer-0: cases separated by a marker line. */
function readVectors(inp: string, out: string): { text: string; ids: number[] }[] {
  const sep = '\n__ggml_vocab_test__\n';
  const texts = readFileSync(inp, 'utf8').split(sep);
  const outs = readFileSync(out, 'utf8').split('\n');
  if (texts.at(-1) === '') texts.pop();
  return texts.map((raw, i) => ({
    text: i === 0 && raw.startsWith('__ggml_vocab_test__\n') ? raw.slice('__ggml_vocab_test__\n'.length) : raw,
    ids: (outs[i] ?? '').trim().split(/\s+/).filter(Boolean).map(Number),
  }));
}

for (const name of ['llama-spm', 'llama-bpe', 'qwen2', 'phi-3']) {
  test(`${name}: tokenize matches llama.cpp's test vectors`, async (t) => {
    const files = vocabFiles(name);
    if (!files) return t.pass(`no ${name} vectors in the vendored tree`);
    const model = await loadModel(files.gguf, { vocabOnly: true });
    const cases = readVectors(files.inp, files.out);
    t.true(cases.length > 10, 'expected dozens of cases');
    for (const c of cases) {
      const got = Array.from(model.tokenize(c.text, { addBos: false, special: false }));
      t.deepEqual(got, c.ids, `input ${JSON.stringify(c.text.slice(0, 40))}`);
    }
    model.dispose();
  });
}

test('detokenize round-trips Persian text and special tokens render only on request', async (t) => {
  const files = vocabFiles('llama-bpe');
  if (!files) return t.pass('no vendored vocab');
  const model = await loadModel(files.gguf, { vocabOnly: true });
  const text = 'سلام دنیا! این یک آزمایش است. Hello world 123';
  const tokens = model.tokenize(text, { addBos: true });
  t.is(tokens[0], model.info.bos);
  t.is(model.detokenize(tokens), text);
  t.true(model.detokenize(tokens, { special: true }).startsWith('<|begin_of_text|>'));
  const special = model.tokenize('<|begin_of_text|>hi', { addBos: false, special: true });
  t.is(special[0], model.info.bos);
  model.dispose();
});
