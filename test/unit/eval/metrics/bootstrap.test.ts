// Bootstrap intervals: numpy-equal percentiles, determinism under a seed, and coverage of a known mean.
import test from 'ava';
import { bootstrap, percentile, seededRandom } from '../../../../lib/eval/metrics/bootstrap.js';
import { fixture } from './fixture.js';

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

test('percentile equals numpy.percentile (1e-12)', (t) => {
  const sorted = [...fixture.percentile.values].sort((a, b) => a - b);
  fixture.percentile.q.forEach((q, i) => t.true(Math.abs(percentile(sorted, q) - fixture.percentile.result[i]!) < 1e-12));
});

test('the same seed gives the same interval, another seed a different one', (t) => {
  const items = Array.from({ length: 50 }, (_, i) => (i * 37) % 11);
  t.deepEqual(bootstrap(items, mean, { seed: 7 }), bootstrap(items, mean, { seed: 7 }));
  t.notDeepEqual(bootstrap(items, mean, { seed: 7 }).ci, bootstrap(items, mean, { seed: 8 }).ci);
});

test('interval of a mean of 0/1 items matches the normal approximation', (t) => {
  const items = Array.from({ length: 400 }, (_, i) => (i % 4 === 0 ? 1 : 0)); // p = 0.25
  const r = bootstrap(items, mean, { samples: 2000, seed: 1 });
  const se = Math.sqrt((0.25 * 0.75) / 400);
  t.is(r.value, 0.25);
  t.true(Math.abs(r.stderr - se) < 0.15 * se, `stderr ${r.stderr} vs ${se}`);
  t.true(Math.abs(r.ci[0] - (0.25 - 1.96 * se)) < 0.01 && Math.abs(r.ci[1] - (0.25 + 1.96 * se)) < 0.01, `ci ${r.ci}`);
});

test('one item gives NaN spread', (t) => {
  const r = bootstrap([1], mean);
  t.is(r.value, 1);
  t.true(Number.isNaN(r.stderr) && Number.isNaN(r.ci[0]));
});

test('seededRandom is uniform enough on [0, 1)', (t) => {
  const random = seededRandom(42);
  const xs = Array.from({ length: 10000 }, random);
  t.true(xs.every((x) => x >= 0 && x < 1));
  t.true(Math.abs(mean(xs) - 0.5) < 0.02);
});
