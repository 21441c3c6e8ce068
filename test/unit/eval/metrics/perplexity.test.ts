// Perplexity / bits-per-byte arithmetic and the rolling-window cover of a token list.
import test from 'ava';
import { bitsPerByte, bytePerplexity, rollingWindows, textUnits, tokenPerplexity, wordPerplexity } from '../../../../lib/eval/metrics/perplexity.js';

test('uniform model over 4 tokens has perplexity 4', (t) => {
  const items = [{ logLikelihood: 10 * Math.log(0.25), tokens: 10, bytes: 20, words: 5 }];
  t.true(Math.abs(tokenPerplexity(items) - 4) < 1e-12);
  t.true(Math.abs(bitsPerByte(items) - 1) < 1e-12); // 20 bits over 20 bytes
  t.true(Math.abs(bytePerplexity(items) - 2) < 1e-12);
  t.true(Math.abs(wordPerplexity(items) - 16) < 1e-12);
});

test('textUnits counts UTF-8 bytes and words', (t) => {
  t.deepEqual(textUnits('سلام  دنیا'), { bytes: 18, words: 2 });
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
