import test from 'ava';
import { fitExample, newFormatStats, tokenizeSegments } from '../../../../lib/data/formats/examples.js';
import { decode, FakeTokenizer, NEWLINE_PAIR, trainedText } from './fake-tokenizer.js';

test('segments tokenized jointly; mask follows segments; EOS appended with weight 1', (t) => {
  const tok = new FakeTokenizer();
  const ex = tokenizeSegments([{ text: 'سوال: ', train: false }, { text: 'پاسخ', train: true }], tok, { addBos: true, parseSpecial: false, appendEos: true });
  t.is(decode(ex.tokens), '<s>سوال: پاسخ</s>');
  t.deepEqual(Array.from(ex.weights), [0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1]);
});

test('a token merged across the boundary goes to the trained side', (t) => {
  const tok = new FakeTokenizer();
  const ex = tokenizeSegments([{ text: 'Q\n', train: false }, { text: '\nA', train: true }], tok, { addBos: false, parseSpecial: false, appendEos: false });
  t.deepEqual(Array.from(ex.tokens), ['Q'.charCodeAt(0) + 100, NEWLINE_PAIR, 'A'.charCodeAt(0) + 100]);
  t.deepEqual(Array.from(ex.weights), [0, 1, 1]);
});

test('fitExample truncates or skips, and skips examples with nothing to train', (t) => {
  const tok = new FakeTokenizer();
  const ex = tokenizeSegments([{ text: 'abcdef', train: false }, { text: 'xyz', train: true }], tok, { addBos: true, parseSpecial: false, appendEos: true });
  const stats = newFormatStats();
  const cut = fitExample(ex, { addBos: true, maxLength: 9, overflow: 'truncate' }, stats)!;
  t.is(trainedText(cut.tokens, cut.weights), 'xy');
  t.is(fitExample(ex, { addBos: true, maxLength: 9, overflow: 'skip' }, stats), null);
  t.is(fitExample(ex, { addBos: true, maxLength: 6, overflow: 'truncate' }, stats), null);
  t.deepEqual(stats, { records: 0, examples: 1, truncated: 2, skipped: 2, tokens: 9, trainTokens: 2 });
});

test('appendEos without an EOS token is refused', (t) => {
  const tok = Object.assign(new FakeTokenizer(), { eos: null });
  t.throws(() => tokenizeSegments([{ text: 'a', train: true }], tok, { addBos: false, parseSpecial: false, appendEos: true }), { message: /tokenizer\.eos is null/ });
});
