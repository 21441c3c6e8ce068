// Comparison of runs: deltas against the first run, non-overlapping intervals marked, missing metrics shown as —.
import test from 'ava';
import { compare, intervalsDisjoint, renderComparison } from '../../../../lib/eval/results/compare.js';
import { aggregate, run } from './sample.js';

const base = run([{ name: 'fa/mc', aggregates: [aggregate('acc', 0.3, [0.25, 0.35]), aggregate('macro_f1', 0.28, [0.2, 0.36])] }]);
const better = run([
  { name: 'fa/mc', aggregates: [aggregate('acc', 0.45, [0.4, 0.5]), aggregate('macro_f1', 0.3, [0.22, 0.38])] },
  { name: 'fa/mc', mode: 'loglikelihood', aggregates: [aggregate('acc_norm', 0.5, [0.45, 0.55])] },
]);

test('intervalsDisjoint', (t) => {
  t.true(intervalsDisjoint([0, 1], [1.1, 2]));
  t.false(intervalsDisjoint([0, 1], [1, 2]));
  t.false(intervalsDisjoint([0, null], [3, 4]));
});

test('rows carry deltas and separation flags', (t) => {
  const rows = compare([{ label: 'base', results: base }, { label: 'sft', results: better }]);
  t.deepEqual(rows.map((r) => [r.task, r.mode, r.metric]), [['fa/mc', 'generate', 'acc'], ['fa/mc', 'generate', 'macro_f1'], ['fa/mc', 'loglikelihood', 'acc_norm']]);
  t.true(Math.abs(rows[0]!.cells[1]!.delta! - 0.15) < 1e-12);
  t.true(rows[0]!.cells[1]!.separated);
  t.false(rows[1]!.cells[1]!.separated);
  t.is(rows[2]!.cells[0]!.aggregate, null);
  t.is(rows[2]!.cells[1]!.delta, null);
});

test('rendered table', (t) => {
  t.is(renderComparison([{ label: 'base', results: base }, { label: 'sft', results: better }]), [
    '|Task|Mode|Metric|base|sft|Δ sft|',
    '|:---|:---|:---|---:|---:|---:|',
    '|fa/mc|generate|acc|0.3000 [0.2500, 0.3500]|0.4500 [0.4000, 0.5000]|+0.1500 *|',
    '|fa/mc|generate|macro_f1|0.2800 [0.2000, 0.3600]|0.3000 [0.2200, 0.3800]|+0.0200|',
    '|fa/mc|loglikelihood|acc_norm|—|0.5000 [0.4500, 0.5500]|—|',
    '',
    '`*`: the 95 % bootstrap intervals of this run and the first do not overlap.',
    '',
  ].join('\n'));
});
