// Progress counting, rate and ETA, and the progress line the CLI prints.
import test from 'ava';
import { ProgressTracker, formatDuration, formatProgress, type EvalProgress } from '../../../../lib/eval/runner/progress.js';

const durations = test.macro((t, seconds: number, expected: string) => t.is(formatDuration(seconds), expected));
for (const [s, e] of [[0, '0:00'], [59.4, '0:59'], [59.6, '1:00'], [61, '1:01'], [3599, '59:59'], [3600, '1:00:00'], [3725, '1:02:05'], [-3, '0:00']] as const) {
  test(`formatDuration(${s})`, durations, s, e);
}

test('formatProgress shows task, items, rate and ETA', (t) => {
  const p: EvalProgress = { task: 'paper-fa/entailment', taskIndex: 1, taskCount: 5, taskDone: 37, taskTotal: 200, done: 112, total: 600, elapsedSeconds: 32.8, itemsPerSecond: 3.4146, etaSeconds: 142.9 };
  t.is(formatProgress(p), '[2/5] paper-fa/entailment 37/200 · 112/600 items · 3.41 items/s · ETA 2:23');
  t.is(formatProgress({ ...p, itemsPerSecond: 0, etaSeconds: null }), '[2/5] paper-fa/entailment 37/200 · 112/600 items · 0.00 items/s · ETA —');
});

test('ProgressTracker counts items over the run and estimates the time left from the rate so far', async (t) => {
  const tracker = new ProgressTracker(4, 2);
  await new Promise((r) => setTimeout(r, 20));
  const a = tracker.step('x', 0, 1, 2);
  t.is(a.done, 1);
  t.is(a.total, 4);
  t.is(a.taskCount, 2);
  t.true(a.elapsedSeconds >= 0.015);
  t.true(Math.abs(a.itemsPerSecond - 1 / a.elapsedSeconds) < 1e-9);
  t.true(Math.abs(a.etaSeconds! - 3 / a.itemsPerSecond) < 1e-9);
  tracker.step('x', 0, 2, 2);
  tracker.step('y', 1, 1, 2);
  const last = tracker.step('y', 1, 2, 2);
  t.is(last.done, 4);
  t.is(last.etaSeconds, 0);
  t.deepEqual([last.task, last.taskIndex, last.taskDone, last.taskTotal], ['y', 1, 2, 2]);
});
