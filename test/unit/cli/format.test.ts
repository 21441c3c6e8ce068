// The one duration and progress-line formatter of train, eval and pipeline.
import test from 'ava';
import { formatDuration, formatEvalProgress, formatTrainStep } from '../../../lib/cli/format.js';
import type { EvalProgress } from '../../../lib/eval/runner/progress.js';

const durations = test.macro((t, seconds: number | null, expected: string) => t.is(formatDuration(seconds), expected));
for (const [s, e] of [[0, '0s'], [59.4, '59s'], [59.6, '1m00s'], [61, '1m01s'], [3599, '59m59s'], [3600, '1h00m'], [3725, '1h02m'], [-3, '0s'], [null, '?'], [NaN, '?'], [Infinity, '?']] as const) {
  test(`formatDuration(${s})`, durations, s, e);
}

test('formatEvalProgress shows task, items, rate and ETA', (t) => {
  const p: EvalProgress = { task: 'paper-fa/entailment', taskIndex: 1, taskCount: 5, taskDone: 37, taskTotal: 200, done: 112, total: 600, elapsedSeconds: 32.8, itemsPerSecond: 3.4146, etaSeconds: 142.9 };
  t.is(formatEvalProgress(p), '[2/5] paper-fa/entailment 37/200 · 112/600 items · 3.41 items/s · ETA 2m23s');
  t.is(formatEvalProgress({ ...p, itemsPerSecond: 0, etaSeconds: null }), '[2/5] paper-fa/entailment 37/200 · 112/600 items · 0.00 items/s · ETA ?');
});

test('formatTrainStep shows step, loss, learning rate, gradient norm, speed and ETA', (t) => {
  const e = { type: 'step', step: 12, totalSteps: 100, loss: 2.34561, lr: 2e-4, gradNorm: 0.8123, tokensPerSecond: 1530.4, etaSeconds: 187 } as Parameters<typeof formatTrainStep>[0];
  t.is(formatTrainStep(e), 'step 12/100 | loss 2.3456 | lr 2.00e-4 | grad 0.812 | 1530 tok/s | ETA 3m07s');
  t.is(formatTrainStep(e, { gradNorm: false }), 'step 12/100 | loss 2.3456 | lr 2.00e-4 | 1530 tok/s | ETA 3m07s');
});
