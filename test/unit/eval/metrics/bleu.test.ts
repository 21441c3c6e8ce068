// BLEU and the 13a tokenizer against sacreBLEU 2.6.0 (default signature), tolerance 1e-9 absolute on the 0–100 scale.
import test from 'ava';
import { bleuStats, corpusBleu, sumStats, tokenize13a, pySplit } from '../../../../lib/eval/metrics/bleu.js';
import { fixture } from './fixture.js';

for (const { text, tokens } of fixture.tokenize_13a) {
  test(`13a tokens of ${JSON.stringify(text)}`, (t) => {
    t.deepEqual(tokenize13a(text), tokens);
  });
}

for (const [name, set] of Object.entries(fixture.sets)) {
  test(`corpus BLEU equals sacreBLEU on the ${name} set`, (t) => {
    const stats = sumStats(set.hyps.map((h, i) => bleuStats(h, set.refs[i]!)));
    t.deepEqual(stats, [set.bleu_stats.sys_len, set.bleu_stats.ref_len, ...set.bleu_stats.counts, ...set.bleu_stats.totals]);
    const got = corpusBleu(set.hyps, set.refs);
    t.true(Math.abs(got - set.bleu) < 1e-9, `${got} vs ${set.bleu}`);
  });
}

test('BLEU is 100 for identical text and 0 with no matching unigram', (t) => {
  t.true(Math.abs(corpusBleu(['a b c d e'], ['a b c d e']) - 100) < 1e-9);
  t.is(corpusBleu(['x y z'], ['a b c']), 0);
});

test('exp smoothing: a 2-token exact hypothesis gets the mteval-smoothed score', (t) => {
  // correct = [2, 1, 0, 0], total = [2, 1, 0, 0]: orders with no n-grams stop the loop, so p3 = p4 = 0 → ~0.
  t.true(corpusBleu(['a b'], ['a b']) < 1e-6);
  // correct = [3, 1, 0, _], total = [3, 2, 1, _]: p3 = 100 / (2 · 1).
  const expected = Math.exp((Math.log(100) + Math.log(50) + Math.log(50) + -9999999999) / 4);
  t.is(corpusBleu(['a b c'], ['a b d']), expected);
});

test('pySplit uses Python whitespace, not JS \\s', (t) => {
  t.deepEqual(pySplit('a\ufeffb\x1cc\u200cd'), ['a\ufeffb', 'c\u200cd']);
});

test('corpusBleu rejects mismatched lengths', (t) => {
  t.throws(() => corpusBleu(['a'], []), { instanceOf: RangeError });
});
