import test from 'ava';
import { readVocab } from '../../../lib/vocab/vocab.js';
import { BpeTokenizer, BYTE_TO_CHAR, byteDecode, byteEncode, preTokenize } from '../../../lib/vocab/bpe-tokenizer.js';
import { missingMessage, readVectors, vocabFile } from './fixtures.js';

const file = vocabFile('ggml-vocab-llama-bpe.gguf');

if (file === undefined) {
  test('BPE tokenizer matches llama.cpp test vectors', (t) => { t.log(missingMessage('ggml-vocab-llama-bpe.gguf')); t.pass(); });
} else {
  const vocab = readVocab(file);
  const tok = new BpeTokenizer(vocab);
  const vectors = readVectors(file);

  test('reads all llama.cpp BPE test vectors', (t) => {
    t.true(vectors.length >= 40);
  });

  for (const [i, v] of vectors.entries()) {
    test(`BPE vector ${i}: ${JSON.stringify(v.input.slice(0, 40))}`, (t) => {
      t.deepEqual(tok.tokenize(v.input), v.ids);
    });
  }

  test('addSpecial prepends <|begin_of_text|> (128000)', (t) => {
    t.deepEqual(tok.tokenize('Hi', { addSpecial: true }), [128000, ...tok.tokenize('Hi')]);
  });

  test('Persian text round-trips through ids and the byte alphabet', (t) => {
    const text = 'تمام افراد بشر آزاد به دنیا می‌آیند';
    t.is(tok.tokenize(text).map((id) => byteDecode(vocab.tokens[id]!)).join(''), text);
  });
}

test('GPT-2 byte alphabet is a bijection onto 256 characters', (t) => {
  t.is(new Set(BYTE_TO_CHAR).size, 256);
  t.is(BYTE_TO_CHAR[0x20], '\u0120');
  t.is(BYTE_TO_CHAR[0x41], 'A');
  t.is(byteEncode(' سلام'), '\u0120' + Array.from(Buffer.from('سلام')).map((b) => BYTE_TO_CHAR[b]).join(''));
  t.is(byteDecode(byteEncode('a b\nسلام ✓')), 'a b\nسلام ✓');
});

const splits: Array<[string, string[]]> = [
  ["I'LL go", ['I', "'LL", ' go']],
  ['12345 x', ['123', '45', ' x']],
  ['a  b', ['a', ' ', ' b']],
  ['hi!!\n\nyo', ['hi', '!!\n\n', 'yo']],
  ['سلام، دنیا', ['سلام', '،', ' دنیا']],
  ['a\uFEFFb', ['a', '\uFEFFb']], // U+FEFF is not White_Space for llama.cpp, unlike JS \s
  ['a\u0085 b', ['a', '\u0085', ' b']], // U+0085 is White_Space
];
for (const [i, [input, expected]] of splits.entries()) {
  test(`pre-tokenizer split ${i}: ${JSON.stringify(input).replace(/[^\x21-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`)}`, (t) => { t.deepEqual(preTokenize(input), expected); });
}
