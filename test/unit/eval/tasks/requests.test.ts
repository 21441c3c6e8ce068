// Requests for the built-in suites over the real test sets, and few-shot selection.
import test from 'ava';
import { existsSync } from 'node:fs';
import { loadTaskData, withMode } from '../../../../lib/eval/tasks/load.js';
import { buildRequests, selectShots } from '../../../../lib/eval/tasks/requests.js';
import { SUITES } from '../../../../lib/eval/suites/paper.js';
import { PAPER_DIR } from '../answers/paper-records.js';

const pool = Array.from({ length: 10 }, (_, i) => ({ index: i, record: { instruction: `q${i}`, input: '', output: `${i}` }, raw: {} }));

test('few-shot selection is seeded per item, excludes the item, and has no repeats', (t) => {
  const a = selectShots(pool, 3, 1234, 4, true);
  t.deepEqual(a, selectShots(pool, 3, 1234, 4, true));
  t.is(new Set(a.map((r) => r.index)).size, 3);
  t.false(a.some((r) => r.index === 4));
  t.notDeepEqual(a.map((r) => r.index), selectShots(pool, 3, 99, 4, true).map((r) => r.index));
  const all = selectShots(pool, 9, 1, 0, true).map((r) => r.index).sort((x, y) => x - y);
  t.deepEqual(all, [1, 2, 3, 4, 5, 6, 7, 8, 9]);
  t.throws(() => selectShots(pool, 10, 1, 0, true), { message: 'Few-shot needs 10 examples but the pool has 9 (the item itself excluded)' });
});

for (const [suite, tasks] of Object.entries(SUITES)) {
  for (const task of tasks) {
    test(`${task.name}: one request per record, none lost`, (t) => {
      if (!existsSync(PAPER_DIR)) {
        t.log(`skipped: ${PAPER_DIR} is absent`);
        t.pass();
        return;
      }
      const data = loadTaskData(task, PAPER_DIR);
      const modes = task.kind === 'classification' ? (['generate', 'loglikelihood'] as const) : (['generate'] as const);
      for (const mode of modes) {
        const built = buildRequests(withMode(task, mode), data);
        t.is(built.requests.length + built.failures.length, data.records.length, suite);
        t.deepEqual(built.failures, []);
        const first = built.requests[0]!;
        t.is(first.mode, mode);
        if (first.mode === 'generate') t.like(first.generation, { sampling: 'greedy', maxTokens: 512, repetitionPenalty: 1.1 });
        if (first.mode === 'loglikelihood') t.deepEqual(first.continuations, built.items.get(first.itemIndex)!.parsed!.labels);
        if (first.mode !== 'perplexity') t.true(first.prompt.kind === 'text' && first.prompt.text.endsWith('### Response:\n'));
      }
    });
  }
}
