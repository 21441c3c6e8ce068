// Perplexity / bits-per-byte arithmetic and the rolling-window cover of a token list.
import test from 'ava';
import { bitsPerByte, bitsPerChar, bytePerplexity, rollingWindows, textUnits, tokenPerplexity, wordPerplexity } from '../../../../lib/eval/metrics/perplexity.js';

test('uniform model over 4 tokens has perplexity 4', (t) => {
  const items = [{ logLikelihood: 10 * Math.log(0.25), tokens: 10, bytes: 20, words: 5, chars: 8 }];
  t.true(Math.abs(tokenPerplexity(items) - 4) < 1e-12);
  t.true(Math.abs(bitsPerByte(items) - 1) < 1e-12); // 20 bits over 20 bytes
  t.true(Math.abs(bitsPerChar(items) - 2.5) < 1e-12); // 20 bits over 8 characters
  t.true(Math.abs(bytePerplexity(items) - 2) < 1e-12);
  t.true(Math.abs(wordPerplexity(items) - 16) < 1e-12);
});

test('textUnits counts UTF-8 bytes, words and code points', (t) => {
  t.deepEqual(textUnits('سلام  دنیا'), { bytes: 18, words: 2, chars: 10 });
  // ZWNJ is one character of 3 bytes; an emoji one character of 4 bytes (two UTF-16 units)
  t.deepEqual(textUnits('می\u200cشود 😀'), { bytes: 18, words: 2, chars: 8 });
});

test('bits per character sums over texts before dividing (hand-computed)', (t) => {
  // 'سلام' (4 chars, 8 bytes) with ln p = −4 and 'hi there' (8 chars) with ln p = −8: 12 nats over 12 chars
  const items = [
    { logLikelihood: -4, tokens: 3, ...textUnits('سلام') },
    { logLikelihood: -8, tokens: 2, ...textUnits('hi there') },
  ];
  t.true(Math.abs(bitsPerChar(items) - 1 / Math.LN2) < 1e-12); // 1.4426950408889634 bits per character
  t.true(Math.abs(bitsPerChar(items) - 1.4426950408889634) < 1e-12);
  t.true(Math.abs(bitsPerByte(items) - 12 / (16 * Math.LN2)) < 1e-12); // 8 + 8 bytes
});

for (const [n, max] of [[1, 4], [4, 4], [5, 4], [23, 8], [7, 1]] as const) {
  test(`rolling windows score each of ${n} tokens once with max length ${max}`, (t) => {
    const tokens = Array.from({ length: n }, (_, i) => 100 + i);
    const windows = rollingWindows(tokens, 1, max);
    t.deepEqual(windows.flatMap((w) => w.continuation), tokens);
    t.deepEqual(windows[0]!.context, [1]);
    for (const w of windows) {
      t.true(w.context.length + w.continuation.length - 1 <= max);
      // every window's context is the run of tokens right before its continuation
      const start = tokens.indexOf(w.continuation[0]!);
      if (start > 0) t.deepEqual(w.context, tokens.slice(start - w.context.length, start));
    }
  });
}

test('rolling windows: bad lengths throw', (t) => {
  t.throws(() => rollingWindows([1], 0, 0), { instanceOf: RangeError });
  t.deepEqual(rollingWindows([], 0, 4), []);
});
