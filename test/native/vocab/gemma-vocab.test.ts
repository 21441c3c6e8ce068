// bench/gemma-vocab.ts: a tokenizer.json in Gemma 3's form (HF BPE, byte fallback, added tokens) converted to an SPM
// GGUF that llama.cpp tokenizes as Hugging Face `tokenizers` does (bench/reference/gemma-vocab-synthetic.json, made by
// bench/reference/gemma_vocab_synthetic.py); the TypeScript SPM port agrees too (add_space_prefix false).
import test from 'ava';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { writeGemmaVocabGguf } from '../../../bench/gemma-vocab.js';
import { PersianLoraError } from '../../../lib/errors.js';
import { loadModel } from '../../../lib/model.js';
import { packageRoot } from '../../../lib/version.js';
import { SpmTokenizer } from '../../../lib/vocab/spm-tokenizer.js';
import { TOKEN_TYPE, readVocab } from '../../../lib/vocab/vocab.js';
import { scratchPath, tinyModel } from '../helpers.js';

interface Fixture { tokenizer: unknown; tokenizerConfig: unknown; cases: { text: string; ids: number[] }[] }
const fixture = JSON.parse(readFileSync(path.join(packageRoot, 'bench', 'reference', 'gemma-vocab-synthetic.json'), 'utf8')) as Fixture;

function convert(name: string, tokenizer: unknown = fixture.tokenizer): string {
  const json = scratchPath(`${name}-tokenizer.json`), config = scratchPath(`${name}-tokenizer_config.json`), out = scratchPath(`${name}.gguf`);
  writeFileSync(json, JSON.stringify(tokenizer));
  writeFileSync(config, JSON.stringify(fixture.tokenizerConfig));
  writeGemmaVocabGguf(json, config, out);
  return out;
}

test('the converted vocabulary: SPM keys, token types, no space prefix', (t) => {
  const v = readVocab(convert('keys'));
  t.is(v.model, 'llama');
  t.false(v.addSpacePrefix);
  t.is(v.bosId, 2);
  t.true(v.addBos);
  t.deepEqual([0, 1, 2, 3].map((i) => v.types[i]), [TOKEN_TYPE.CONTROL, TOKEN_TYPE.CONTROL, TOKEN_TYPE.CONTROL, TOKEN_TYPE.CONTROL]);
  // user-defined tokens hold spaces, not ▁, as convert_hf_to_gguf.py writes them
  t.is(v.tokens[7], '  ');
  t.is(v.types[7], TOKEN_TYPE.USER_DEFINED);
  t.is(v.tokens.filter((_, i) => v.types[i] === TOKEN_TYPE.BYTE).length, 256);
});

test('llama.cpp and the TypeScript SPM port tokenize the converted GGUF as HF tokenizers does', async (t) => {
  const model = await loadModel(await tinyModel({ arch: 'gemma3', vocab: convert('parity'), layers: 1, dim: 32, heads: 2 }), { vocabOnly: true });
  const port = new SpmTokenizer(readVocab(convert('parity-port')));
  try {
    for (const { text, ids } of fixture.cases) {
      t.deepEqual([...model.tokenize(text, { addBos: false, special: true })], ids, JSON.stringify(text));
      t.deepEqual(port.tokenize(text, { parseSpecial: true }), ids, `TS port: ${JSON.stringify(text)}`);
    }
  } finally { model.dispose(); }
});

test('a tokenizer.json that is not BPE with byte fallback is refused, naming the file', (t) => {
  const tok = fixture.tokenizer as { model: Record<string, unknown> };
  const err = t.throws(() => convert('wordpiece', { ...tok, model: { ...tok.model, byte_fallback: false } }), { instanceOf: PersianLoraError });
  t.regex(err!.message, /wordpiece-tokenizer\.json: expected a BPE model with byte_fallback but received BPE \(byte_fallback false\)/);
});
