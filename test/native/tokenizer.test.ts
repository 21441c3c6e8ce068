// Tokenization through the addon equals llama.cpp's own test vectors (models/ggml-vocab-*.gguf.inp / .out).
import test from 'ava';
import { loadModel } from '../../lib/model.js';
import { readVectors, vocabFile } from '../helpers/llama-vocab.js';

for (const name of ['llama-spm', 'llama-bpe', 'qwen2', 'phi-3']) {
  test(`${name}: tokenize matches llama.cpp's test vectors`, async (t) => {
    const file = vocabFile(`ggml-vocab-${name}.gguf`);
    if (!file) return t.pass(`no ${name} vocabulary in the vendored tree`);
    const model = await loadModel(file, { vocabOnly: true });
    const cases = readVectors(file);
    t.true(cases.length > 10, 'expected dozens of cases');
    for (const c of cases) {
      const got = Array.from(model.tokenize(c.input, { addBos: false, special: false }));
      t.deepEqual(got, c.ids, `input ${JSON.stringify(c.input.slice(0, 40))}`);
    }
    model.dispose();
  });
}

test('detokenize round-trips Persian text and special tokens render only on request', async (t) => {
  const file = vocabFile('ggml-vocab-llama-bpe.gguf');
  if (!file) return t.pass('no vendored vocab');
  const model = await loadModel(file, { vocabOnly: true });
  const text = 'سلام دنیا! این یک آزمایش است. Hello world 123';
  const tokens = model.tokenize(text, { addBos: true });
  t.is(tokens[0], model.info.bos);
  t.is(model.detokenize(tokens), text);
  t.true(model.detokenize(tokens, { special: true }).startsWith('<|begin_of_text|>'));
  const special = model.tokenize('<|begin_of_text|>hi', { addBos: false, special: true });
  t.is(special[0], model.info.bos);
  model.dispose();
});
