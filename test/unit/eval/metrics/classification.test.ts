// Accuracy and macro-F1 on hand-computed tables (scikit-learn's definition with labels = gold classes).
import test from 'ava';
import { accuracy, macroF1, type LabelPair } from '../../../../lib/eval/metrics/classification.js';

const pairs = (gold: string, pred: string): LabelPair[] => [...gold].map((g, i) => ({ gold: g, predicted: pred[i] === '?' ? null : pred[i]! }));

test('accuracy counts exact label matches, null is wrong', (t) => {
  t.is(accuracy(pairs('AABB', 'AB?B')), 0.5);
});

test('macro-F1 averages per-class F1 over gold classes', (t) => {
  // gold A A B B C, pred A B B ? A: A: tp1 fp1 fn1 → 0.5; B: tp1 fp1 fn1 → 0.5; C: tp0 → 0 → mean 1/3.
  t.true(Math.abs(macroF1(pairs('AABBC', 'ABB?A')) - 1 / 3) < 1e-15);
  // a predicted class absent from gold adds false positives but no class
  t.is(macroF1(pairs('AA', 'AZ')), 2 / 3);
  t.is(macroF1(pairs('AB', 'AB')), 1);
});

test('empty input is NaN', (t) => {
  t.true(Number.isNaN(accuracy([])) && Number.isNaN(macroF1([])));
});
