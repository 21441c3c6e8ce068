// ROUGE-1/2/L against rouge-score 0.1.2 with the Unicode tokenizer and with rouge-score's default tokenizer; 1e-12 absolute.
import test from 'ava';
import { lcsLength, rougeDefaultTokenize, rougeN, rougeL, rougeScores, rougeTokenize } from '../../../../lib/eval/metrics/rouge.js';
import { fixture } from './fixture.js';

const close = (a: number, b: number) => Math.abs(a - b) < 1e-12;

for (const [name, set] of Object.entries(fixture.sets)) {
  for (const [variant, rows, tokenize] of [['Unicode tokenizer', set.rouge_unicode, rougeTokenize], ['default tokenizer', set.rouge_default, rougeDefaultTokenize]] as const) {
    test(`ROUGE equals rouge-score on the ${name} set (${variant})`, (t) => {
      set.hyps.forEach((h, i) => {
        const target = tokenize(set.refs[i]!);
        const prediction = tokenize(h);
        const want = rows[i]!;
        for (const [key, got] of [['rouge1', rougeN(target, prediction, 1)], ['rouge2', rougeN(target, prediction, 2)], ['rougeL', rougeL(target, prediction)]] as const) {
          for (const field of ['precision', 'recall', 'fmeasure'] as const) {
            t.true(close(got[field], want[key][field]), `item ${i} ${key}.${field}: ${got[field]} vs ${want[key][field]}`);
          }
        }
        t.true(close(rougeScores(set.refs[i]!, h, tokenize).rougeL, want.rougeL.fmeasure));
      });
    });
  }
}

test('the tokenizer keeps Persian words, splits on ZWNJ and punctuation, keeps diacritics', (t) => {
  t.deepEqual(rougeTokenize('کتاب‌ها، روی میزِ ما هستند. Hello-World 42'), ['کتاب', 'ها', 'روی', 'میزِ', 'ما', 'هستند', 'hello', 'world', '42']);
});

test('LCS length of small sequences', (t) => {
  t.is(lcsLength(['a', 'b', 'c', 'd'], ['b', 'd', 'c']), 2);
  t.is(lcsLength([], ['a']), 0);
});

test('rouge-score\'s default tokenizer drops every non-ASCII word', (t) => {
  t.deepEqual(rougeDefaultTokenize('کتاب‌ها، Hello-World 42 café'), ['hello', 'world', '42', 'caf']);
  t.is(rougeScores('کتاب‌ها روی میز هستند', 'کتاب‌ها روی میز هستند', rougeDefaultTokenize).rouge1, 0);
});
