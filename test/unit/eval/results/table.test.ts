// The lm-evaluation-harness style markdown table of one run.
import test from 'ava';
import { renderResultsTable, markdownTable } from '../../../../lib/eval/results/table.js';
import { runResultsSchema } from '../../../../lib/eval/results/schema.js';
import { aggregate, run } from './sample.js';

test('one row per metric, task columns on the first row, direction arrows, notes for failures', (t) => {
  const results = run([
    { name: 'paper-fa/sentiment', aggregates: [aggregate('acc', 0.8123456, [0.73, 0.88]), aggregate('macro_f1', 0.8, [0.7, 0.9])], failures: [{ index: 7, reason: 'gold option D is blank' }] },
    { name: 'ppl', aggregates: [{ ...aggregate('bits_per_byte', 1.25, [1.2, 1.3], false), stderr: null, ci: [null, null] }] },
  ]);
  t.notThrows(() => runResultsSchema.parse(results));
  t.is(renderResultsTable(results), [
    '|Tasks|Version|Mode|n-shot|n|Metric||Value||Stderr|95% CI|',
    '|:---|---:|:---|---:|---:|:---|:---|---:|:---|---:|---:|',
    '|paper-fa/sentiment|1|generate|0|100|acc|↑|0.8123|±|0.0383|[0.7300, 0.8800]|',
    '||||||macro_f1|↑|0.8000|±|0.0510|[0.7000, 0.9000]|',
    '|ppl|1|generate|0|100|bits_per_byte|↓|1.2500|±|—|—|',
    '',
    '- paper-fa/sentiment: 1 item(s) not parsed and not scored (first: item 7, gold option D is blank)',
    '',
  ].join('\n'));
});

test('cells escape pipes and newlines', (t) => {
  t.is(markdownTable(['a'], [['x|y\nz']], ['l']), '|a|\n|:---|\n|x\\|y z|\n');
});
