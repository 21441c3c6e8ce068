// Progress counting, rate and ETA (the line the CLI prints: test/unit/cli/format.test.ts).
import test from 'ava';
import { ProgressTracker } from '../../../../lib/eval/runner/progress.js';

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
