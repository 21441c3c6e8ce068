import test from 'ava';
import { countWords } from '../../../lib/vocab/merge-learner.js';
import { SpmTokenizer, SPACE_MARK } from '../../../lib/vocab/spm-tokenizer.js';
import { mergeFloor, spmWords, trainSpmPieces } from '../../../lib/vocab/train-spm.js';
import { appendToVocab, readVocab, TOKEN_TYPE, type Vocab } from '../../../lib/vocab/vocab.js';
import { missingMessage, readVectors, vocabFile } from './fixtures.js';

/** A few sentences of Persian (UDHR articles 1–3 paraphrased, and everyday words). */
export const PERSIAN_CORPUS = [
  'تمام افراد بشر آزاد به دنیا می‌آیند و از لحاظ حیثیت و حقوق با هم برابرند',
  'همه دارای عقل و وجدان هستند و باید نسبت به یکدیگر با روح برادری رفتار کنند',
  'هر کس می‌تواند بدون هیچ‌گونه تمایز از تمام حقوق و کلیه آزادی‌ها بهره‌مند گردد',
  'هر کس حق زندگی و آزادی و امنیت شخصی دارد',
  'کتاب‌ها را به کتابخانه بردیم و کتابدار کتاب‌های تازه را به ما نشان داد',
  'ژاله و ژیلا در پاییز به گرگان رفتند و چای نوشیدند',
  'ما می‌خواهیم زبان فارسی را بهتر بنویسیم و بخوانیم',
];

function tinyVocab(pieces: string[]): Vocab {
  const bytes = Array.from({ length: 256 }, (_, b) => `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`);
  const tokens = ['<unk>', '<s>', '</s>', ...bytes, ...pieces];
  const scores = new Float32Array(tokens.length);
  pieces.forEach((_, i) => { scores[259 + i] = -1 - i; });
  const types = new Int32Array(tokens.length).fill(TOKEN_TYPE.NORMAL);
  types[0] = TOKEN_TYPE.UNKNOWN; types[1] = TOKEN_TYPE.CONTROL; types[2] = TOKEN_TYPE.CONTROL;
  for (let b = 0; b < 256; b++) types[3 + b] = TOKEN_TYPE.BYTE;
  return { model: 'llama', pre: '', tokens, scores, types, merges: [], addSpacePrefix: true };
}

test('hand-computed pieces on a tiny vocabulary: missing characters first, then merges by count', async (t) => {
  // words ▁با ×3, ▁بابا ×1: (ب,ا) occurs 5 times, then (▁,با) 4 times, then (▁با,با) once (< minCount 2)
  const base = tinyVocab([SPACE_MARK]);
  const add = trainSpmPieces(base, await countWords(['با با با بابا'], spmWords), { newPieces: 10 });
  t.deepEqual(add.pieces, ['ا', 'ب', 'با', `${SPACE_MARK}با`]);
  t.deepEqual(add.types, [1, 1, 1, 1]);
  // merges scored just below the base floor (-1), in learning order; characters below them
  t.deepEqual(add.scores, [-4, -5, -2, -3]);
  t.is(mergeFloor(base), -1);
});

test('rejects bad options with the option path', (t) => {
  t.throws(() => trainSpmPieces(tinyVocab([]), new Map(), { newPieces: 0 }), { message: 'Expected a value >= 1 for trainSpmPieces options.newPieces but received number 0' });
  t.throws(() => trainSpmPieces(tinyVocab([]), new Map(), { newPieces: 5, typo: 1 } as never), { message: 'Unknown option trainSpmPieces options.typo' });
});

const file = vocabFile('ggml-vocab-llama-spm.gguf');
if (file === undefined) {
  test('SPM training on the Llama 2 vocabulary', (t) => { t.log(missingMessage('ggml-vocab-llama-spm.gguf')); t.pass(); });
} else {
  const base = readVocab(file);
  const words = await countWords(PERSIAN_CORPUS, spmWords);
  const add = trainSpmPieces(base, words, { newPieces: 150, minCount: 1 });
  const ext = new SpmTokenizer(appendToVocab(base, add));
  const baseTok = new SpmTokenizer(base);

  test('training is deterministic', (t) => {
    t.deepEqual(trainSpmPieces(base, words, { newPieces: 150, minCount: 1 }), add);
    t.is(add.pieces.length, 150);
  });

  test('every appended piece is new and reachable: its own text tokenizes to exactly that piece', (t) => {
    add.pieces.forEach((p, i) => {
      t.is(baseTok.idOf(p), undefined, p);
      t.deepEqual(ext.tokenizeEscaped(p), [base.tokens.length + i], p);
    });
  });

  test('Persian characters missing from Llama 2 (ژ) become pieces; scores fall below the base merges', (t) => {
    t.is(baseTok.idOf('ژ'), undefined);
    t.true(add.pieces.includes('ژ'));
    for (const ch of new Set(PERSIAN_CORPUS.join('').replace(/\s/g, ''))) t.not(ext.idOf(ch), undefined, ch);
    const floor = mergeFloor(base);
    t.true(add.scores.every((s) => s < floor && s > -1e8));
  });

  test('text without Persian tokenizes exactly as before (llama.cpp test vectors)', (t) => {
    for (const v of readVectors(file)) {
      if (/[\p{Script=Arabic}]/u.test(v.input)) continue;
      t.deepEqual(ext.tokenize(v.input), v.ids, v.input);
    }
  });

  test('the training text takes fewer tokens and round-trips', (t) => {
    const text = PERSIAN_CORPUS.join(' ');
    const before = baseTok.tokenize(text).length, after = ext.tokenize(text).length;
    t.true(after < before * 0.6, `${before} -> ${after}`);
    const pieces = ext.tokenize(text).map((id) => appendToVocab(base, add).tokens[id]!);
    const bytes = pieces.flatMap((p) => /^<0x[0-9A-F]{2}>$/.test(p) ? [parseInt(p.slice(3, 5), 16)] : [...Buffer.from(p)]);
    t.is(Buffer.from(bytes).toString('utf8').replaceAll(SPACE_MARK, ' '), ` ${text}`);
  });
}
