// acc and acc_norm option choice, as lm-evaluation-harness computes them.
import test from 'ava';
import { argmax, chooseByLoglikelihood, chooseByNormalizedLoglikelihood } from '../../../../lib/eval/metrics/loglikelihood.js';

test('argmax takes the first of equal maxima', (t) => {
  t.is(argmax([1, 3, 3]), 1);
});

test('length normalisation can change the choice', (t) => {
  const lls = [-4, -6];
  const continuations = [' no', ' absolutely']; // 3 and 11 characters
  t.is(chooseByLoglikelihood(lls), 0);
  t.is(chooseByNormalizedLoglikelihood(lls, continuations), 1);
});

test('lengths count code points', (t) => {
  t.is(chooseByNormalizedLoglikelihood([-2, -2.5], ['😀😀', 'abc']), 1); // −1 vs −0.833
});

test('mismatched lengths throw', (t) => {
  t.throws(() => chooseByNormalizedLoglikelihood([1], []), { instanceOf: RangeError });
});
