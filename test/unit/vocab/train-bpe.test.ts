import test from 'ava';
import { BpeTokenizer, BYTE_TO_CHAR, byteDecode, byteEncode } from '../../../lib/vocab/bpe-tokenizer.js';
import { countWords } from '../../../lib/vocab/merge-learner.js';
import { bpeWords, trainBpeMerges } from '../../../lib/vocab/train-bpe.js';
import { appendToVocab, readVocab, TOKEN_TYPE, type Vocab } from '../../../lib/vocab/vocab.js';
import { missingMessage, readVectors, vocabFile } from './fixtures.js';
import { PERSIAN_CORPUS } from './train-spm.test.js';

/** Byte tokens only, no merges: every merge has to be learned. */
function byteVocab(): Vocab {
  const tokens = [...BYTE_TO_CHAR];
  return { model: 'gpt2', pre: 'llama-bpe', tokens, scores: new Float32Array(256), types: new Int32Array(256).fill(TOKEN_TYPE.NORMAL), merges: [], addSpacePrefix: false };
}

test('learns merges from bytes up; each new merge produces its new token', async (t) => {
  const base = byteVocab();
  const words = await countWords(['سلام سلام سلام'], bpeWords);
  t.deepEqual([...words.keys()], [byteEncode('سلام'), byteEncode(' سلام')]);
  const add = trainBpeMerges(base, words, { newPieces: 50 });
  // " سلام" is 9 bytes: 8 merges reach it; "سلام" shares 6 of them and needs one more of its own
  t.is(add.merges.length, add.pieces.length);
  t.true(add.pieces.includes(byteEncode(' سلام')));
  t.true(add.pieces.includes(byteEncode('سلام')));
  const ext = new BpeTokenizer(appendToVocab(base, add));
  t.deepEqual(ext.tokenize('سلام سلام').map((id) => byteDecode(ext.vocab.tokens[id]!)), ['سلام', ' سلام']);
  add.merges.forEach((m, i) => t.is(m.replace(' ', ''), add.pieces[i]));
});

test('only words with Persian letters are trained on', (t) => {
  t.deepEqual(bpeWords('hello سلام 123 دنیا!'), [byteEncode(' سلام'), byteEncode(' دنیا')]);
});

const file = vocabFile('ggml-vocab-llama-bpe.gguf');
if (file === undefined) {
  test('BPE training on the Llama 3 vocabulary', (t) => { t.log(missingMessage('ggml-vocab-llama-bpe.gguf')); t.pass(); });
} else {
  const base = readVocab(file);
  const words = await countWords(PERSIAN_CORPUS, bpeWords);
  const add = trainBpeMerges(base, words, { newPieces: 30, minCount: 1 });
  const extVocab = appendToVocab(base, add);
  const ext = new BpeTokenizer(extVocab);

  test('Llama 3: deterministic, merges ranked after the base ones', (t) => {
    t.deepEqual(trainBpeMerges(base, words, { newPieces: 30, minCount: 1 }), add);
    t.is(add.merges.length, 30);
    t.deepEqual(extVocab.merges.slice(0, base.merges.length), base.merges);
    for (const m of add.merges) t.false(base.merges.includes(m), m);
  });

  test('Llama 3: every new token is produced by its merges', (t) => {
    add.pieces.forEach((p, i) => t.deepEqual(ext.tokenizeWord(p), [base.tokens.length + i], byteDecode(p)));
  });

  test('Llama 3: text without Persian tokenizes as before', (t) => {
    for (const v of readVectors(file)) {
      if (/[\p{Script=Arabic}]/u.test(v.input)) continue;
      t.deepEqual(ext.tokenize(v.input), v.ids, v.input);
    }
  });

  test('Llama 3: the training text takes fewer tokens and round-trips', (t) => {
    const text = PERSIAN_CORPUS.join('\n');
    const ids = ext.tokenize(text);
    t.true(ids.length < new BpeTokenizer(base).tokenize(text).length);
    t.is(byteDecode(ids.map((id) => extVocab.tokens[id]!).join('')), text);
  });
}
