// Learning-rate schedules against hand-computed points of HF transformers' formulas.
import test from 'ava';
import { learningRate, warmupSteps } from '../../../lib/train/schedule.js';

const close = (a: number, b: number) => Math.abs(a - b) < 1e-12;

test('warmup: a ratio rounds up like HF (ceil), a count is taken as is', (t) => {
  t.is(warmupSteps(0.05, 100), 5);
  t.is(warmupSteps(0.03, 10), 1);
  t.is(warmupSteps(10, 100), 10);
  t.is(warmupSteps(0, 100), 0);
});

test('cosine with warmup', (t) => {
  const o = { kind: 'cosine' as const, warmup: 10, lr: 2e-4 };
  t.true(close(learningRate(o, 0, 110), 0));
  t.true(close(learningRate(o, 5, 110), 1e-4));
  t.true(close(learningRate(o, 10, 110), 2e-4));
  t.true(close(learningRate(o, 60, 110), 1e-4));   // half-way through the decay: cos(π/2) → lr/2
  t.true(close(learningRate(o, 110, 110), 0));
});

test('linear with warmup, and constant', (t) => {
  const lin = { kind: 'linear' as const, warmup: 0.1, lr: 1 };
  t.true(close(learningRate(lin, 10, 100), 1));
  t.true(close(learningRate(lin, 55, 100), 0.5));
  t.true(close(learningRate(lin, 100, 100), 0));
  const c = { kind: 'constant' as const, warmup: 4, lr: 3 };
  t.true(close(learningRate(c, 2, 50), 1.5));
  t.true(close(learningRate(c, 49, 50), 3));
});
