// The Qwen2 and Qwen3.5 pre-tokenizers (LLAMA_VOCAB_PRE_TYPE_QWEN2, _QWEN35): llama.cpp's test vectors for
// ggml-vocab-qwen2.gguf and ggml-vocab-qwen35.gguf, the digit split that sets them apart from Llama 3's, combining marks
// inside Qwen3.5's words, merges applied to whole-token words (no ignore_merges), and no BOS by default.
import test from 'ava';
import { TOKEN_TYPE, readVocab, type Vocab } from '../../../lib/vocab/vocab.js';
import { BYTE_TO_CHAR, BpeTokenizer, LLAMA3_PRE, QWEN2_PRE, QWEN35_PRE, bpePreTokenizer, preTokenize } from '../../../lib/vocab/bpe-tokenizer.js';
import { missingMessage, readVectors, vocabFile } from './fixtures.js';

const file = vocabFile('ggml-vocab-qwen2.gguf');

if (file === undefined) {
  test('Qwen2 tokenizer matches llama.cpp test vectors', (t) => { t.log(missingMessage('ggml-vocab-qwen2.gguf')); t.pass(); });
} else {
  const vocab = readVocab(file);
  const tok = new BpeTokenizer(vocab);
  const vectors = readVectors(file);

  test('reads all llama.cpp Qwen2 test vectors; the vocabulary gets the Qwen2 pre-tokenizer', (t) => {
    t.true(vectors.length >= 40);
    t.is(vocab.pre, 'qwen2');
    t.is(tok.pre, QWEN2_PRE);
  });

  for (const [i, v] of vectors.entries()) {
    test(`Qwen2 vector ${i}: ${JSON.stringify(v.input.slice(0, 40))}`, (t) => {
      t.deepEqual(tok.tokenize(v.input), v.ids);
    });
  }

  test('addSpecial adds no BOS (llama.cpp: add_bos false for qwen2, no add_bos_token key); the key overrides it', (t) => {
    t.is(vocab.bosId, 151643);
    t.is(vocab.addBos, undefined);
    t.deepEqual(tok.tokenize('Hi', { addSpecial: true }), tok.tokenize('Hi'));
    const withBos: Vocab = { ...vocab, addBos: true };
    t.deepEqual(new BpeTokenizer(withBos).tokenize('Hi', { addSpecial: true }), [151643, ...tok.tokenize('Hi')]);
  });
}

const qwen35 = vocabFile('ggml-vocab-qwen35.gguf');
if (qwen35 === undefined) {
  test('Qwen3.5 tokenizer matches llama.cpp test vectors', (t) => { t.log(missingMessage('ggml-vocab-qwen35.gguf')); t.pass(); });
} else {
  const tok = new BpeTokenizer(readVocab(qwen35));
  const vectors = readVectors(qwen35);
  test('Qwen3.5: the vocabulary gets its pre-tokenizer; all llama.cpp test vectors read', (t) => {
    t.is(tok.pre, QWEN35_PRE);
    t.true(vectors.length >= 40);
  });
  for (const [i, v] of vectors.entries()) {
    test(`Qwen3.5 vector ${i}: ${JSON.stringify(v.input.slice(0, 40))}`, (t) => {
      t.deepEqual(tok.tokenize(v.input), v.ids);
    });
  }
}

test('Qwen3.5 keeps combining marks inside words; Qwen2 splits them off', (t) => {
  t.deepEqual(preTokenize('عَرَبیّ کتاب', QWEN35_PRE), ['عَرَبیّ', ' کتاب']);
  // under Qwen2 a mark is a non-letter: it starts the next word (as a space does) or stands alone
  t.deepEqual(preTokenize('عَرَبیّ کتاب', QWEN2_PRE), ['ع', 'َر', 'َبی', 'ّ', ' کتاب']);
});

test('Qwen2 splits every digit; Llama 3 groups up to three', (t) => {
  t.deepEqual(preTokenize('12345 x', QWEN2_PRE), ['1', '2', '3', '4', '5', ' x']);
  t.deepEqual(preTokenize('12345 x', LLAMA3_PRE), ['123', '45', ' x']);
  t.deepEqual(preTokenize('سال ۱۴۰۲، ساعت ۱۰:۳۰', QWEN2_PRE), ['سال', ' ', '۱', '۴', '۰', '۲', '،', ' ساعت', ' ', '۱', '۰', ':', '۳', '۰']);
  t.deepEqual(preTokenize("I'LL go  now!!\n\n", QWEN2_PRE), ['I', "'LL", ' go', ' ', ' now', '!!\n\n']);
});

/** A byte-level vocabulary: the 256 byte symbols, "bc" and "abc" as tokens, and the one merge "b c". */
function tinyVocab(pre: string): Vocab {
  const tokens = [...BYTE_TO_CHAR, 'bc', 'abc'];
  return { model: 'gpt2', pre, tokens, scores: new Float32Array(tokens.length), types: new Int32Array(tokens.length).fill(TOKEN_TYPE.NORMAL), merges: ['b c'], addSpacePrefix: false };
}

test('a word that is a token still goes through the merges under Qwen2 (Llama 3 keeps it whole: ignore_merges)', (t) => {
  t.deepEqual(new BpeTokenizer(tinyVocab('qwen2')).tokenize('abc'), [0x61, 256]);
  t.deepEqual(new BpeTokenizer(tinyVocab('llama-bpe')).tokenize('abc'), [257]);
});

test('pre-tokenizers are chosen by tokenizer.ggml.pre; others are refused by name', (t) => {
  const v = (pre: string): Vocab => ({ model: 'gpt2', pre, tokens: [], scores: new Float32Array(), types: new Int32Array(), merges: [], addSpacePrefix: false });
  t.is(bpePreTokenizer(v('qwen2')), QWEN2_PRE);
  t.is(bpePreTokenizer(v('deepseek-r1-qwen')), QWEN2_PRE);
  t.is(bpePreTokenizer(v('llama-bpe')), LLAMA3_PRE);
  t.is(bpePreTokenizer(v('qwen35')), QWEN35_PRE);
  t.throws(() => bpePreTokenizer(v('gpt-2')), { code: 'ERR_INVALID_OPTION', message: /Expected a Llama 3, Qwen2 or Qwen3.5 pre-tokenizer .* for tokenizer\.ggml\.pre but received "gpt-2"/ });
});
