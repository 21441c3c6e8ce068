import test from 'ava';
import { readVocab, TOKEN_TYPE, type Vocab } from '../../../lib/vocab/vocab.js';
import { SpmTokenizer, SPACE_MARK } from '../../../lib/vocab/spm-tokenizer.js';
import { missingMessage, readVectors, vocabFile } from './fixtures.js';

const file = vocabFile('ggml-vocab-llama-spm.gguf');

if (file === undefined) {
  test('SPM tokenizer matches llama.cpp test vectors', (t) => { t.log(missingMessage('ggml-vocab-llama-spm.gguf')); t.pass(); });
} else {
  const tok = new SpmTokenizer(readVocab(file));
  const vectors = readVectors(file);

  test('reads all llama.cpp SPM test vectors', (t) => {
    t.true(vectors.length >= 40);
  });

  for (const [i, v] of vectors.entries()) {
    test(`SPM vector ${i}: ${JSON.stringify(v.input.slice(0, 40))}`, (t) => {
      t.deepEqual(tok.tokenize(v.input), v.ids);
    });
  }

  test('addSpecial prepends BOS (<s>, id 1)', (t) => {
    t.deepEqual(tok.tokenize('Hello', { addSpecial: true }), [1, ...tok.tokenize('Hello')]);
  });

  test('segment returns the merged symbols before byte fallback', (t) => {
    t.deepEqual(tok.segment(`${SPACE_MARK}Hello${SPACE_MARK}world`), [`${SPACE_MARK}Hello`, `${SPACE_MARK}world`]);
  });
}

function tinyVocab(pieces: Array<[string, number]>, extraTypes: Record<string, number> = {}): Vocab {
  const bytes = Array.from({ length: 256 }, (_, b) => `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`);
  const tokens = ['<unk>', '<s>', '</s>', ...bytes, ...pieces.map((p) => p[0])];
  const scores = new Float32Array(tokens.length);
  pieces.forEach((p, i) => { scores[259 + i] = p[1]; });
  const types = new Int32Array(tokens.length).fill(TOKEN_TYPE.NORMAL);
  types[0] = TOKEN_TYPE.UNKNOWN; types[1] = TOKEN_TYPE.CONTROL; types[2] = TOKEN_TYPE.CONTROL;
  for (let b = 0; b < 256; b++) types[3 + b] = TOKEN_TYPE.BYTE;
  tokens.forEach((tk, i) => { if (extraTypes[tk] !== undefined) types[i] = extraTypes[tk]!; });
  return { model: 'llama', pre: '', tokens, scores, types, merges: [], addSpacePrefix: true };
}

test('merges by highest score first, leftmost on ties', (t) => {
  // "abc": ab (-1) beats bc (-2), so [ab][c]; with bc scored higher, [a][bc]
  const v1 = new SpmTokenizer(tinyVocab([[SPACE_MARK, -5], ['a', -9], ['b', -9], ['c', -9], ['ab', -1], ['bc', -2]]));
  t.deepEqual(v1.segment('abc'), ['ab', 'c']);
  const v2 = new SpmTokenizer(tinyVocab([[SPACE_MARK, -5], ['a', -9], ['b', -9], ['c', -9], ['ab', -3], ['bc', -2]]));
  t.deepEqual(v2.segment('abc'), ['a', 'bc']);
  const v3 = new SpmTokenizer(tinyVocab([['a', -9], ['aa', -1]]));
  t.deepEqual(v3.segment('aaa'), ['aa', 'a']);
});

test('a merge needs only the concatenation to be a piece; unknown characters fall back to UTF-8 bytes', (t) => {
  const tok = new SpmTokenizer(tinyVocab([[SPACE_MARK, -5], ['xy', -1]]));
  // 'x' and 'y' are not pieces, yet "xy" forms; "é" (C3 A9) is not a piece and becomes two byte tokens
  t.deepEqual(tok.tokenize('xyé'), [tok.idOf(SPACE_MARK)!, tok.idOf('xy')!, 3 + 0xc3, 3 + 0xa9]);
});

test('user-defined tokens split the text before tokenization; control tokens only with parseSpecial', (t) => {
  const tok = new SpmTokenizer(tinyVocab([[SPACE_MARK, -5], ['a', -9], ['<sep>', 0]], { '<sep>': TOKEN_TYPE.USER_DEFINED }));
  const sp = tok.idOf(SPACE_MARK)!, a = tok.idOf('a')!, sep = tok.idOf('<sep>')!;
  // as in llama.cpp, the text after a special token gets the space prefix again
  t.deepEqual(tok.tokenize('a<sep>a'), [sp, a, sep, sp, a]);
  t.deepEqual(tok.tokenize('<s>', { parseSpecial: true }), [1]);
  t.notDeepEqual(tok.tokenize('<s>'), [1]);
});

test('rejects a BPE vocabulary with a clear message', (t) => {
  const v = { ...tinyVocab([]), model: 'gpt2' };
  t.throws(() => new SpmTokenizer(v), { message: /Expected a SentencePiece vocabulary \(tokenizer.ggml.model "llama"\) but received "gpt2"/ });
});
