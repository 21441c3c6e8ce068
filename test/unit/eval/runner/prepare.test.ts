// Planning tasks (mode and max tokens) and preparing their requests from data files, without a model.
import test from 'ava';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { planTasks, prepareTasks } from '../../../../lib/eval/runner/prepare.js';
import { resolveTasks } from '../../../../lib/eval/tasks/resolve.js';
import { parseTask } from '../../../../lib/eval/tasks/load.js';

const paperFa = resolveTasks('paper-fa');

test('mode applies to the tasks whose kind allows it; the others keep their own', (t) => {
  const planned = planTasks(paperFa, { mode: 'loglikelihood' });
  t.deepEqual(planned.map((x) => [x.name, x.mode]), [
    ['paper-fa/sentiment', 'loglikelihood'], ['paper-fa/entailment', 'loglikelihood'], ['paper-fa/multiple_choice', 'loglikelihood'],
    ['paper-fa/summary', 'generate'], ['paper-fa/translation_fa_en', 'generate'],
  ]);
  t.deepEqual(planTasks(paperFa, {}).map((x) => x.mode), ['generate', 'generate', 'generate', 'generate', 'generate']);
});

test('maxTokens overrides the generation length and nothing else; the study default is 512', (t) => {
  t.true(paperFa.every((x) => x.generation.maxTokens === 512 && x.generation.repetitionPenalty === 1.1 && x.generation.sampling === 'greedy'));
  const planned = planTasks(paperFa, { maxTokens: 64 });
  t.true(planned.every((x, i) => x.generation.maxTokens === 64 && x.generation.repetitionPenalty === paperFa[i]!.generation.repetitionPenalty));
  t.is(paperFa[0]!.generation.maxTokens, 512, 'the built-in task is not modified');
});

test('a mode no task allows, or no task at all, is an error', (t) => {
  const summary = resolveTasks('paper-fa/summary');
  t.throws(() => planTasks(summary, { mode: 'loglikelihood' }), { message: 'Expected a mode one of the tasks allows (generate) for mode but received "loglikelihood"' });
  t.throws(() => planTasks([], {}), { message: 'Expected at least one task but received none' });
});

test('prepareTasks builds requests from the data, keeps unparseable items as failures, and validates its options', (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pl-prepare-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(path.join(dir, 'mc.json'), JSON.stringify([
    { instruction: 'Pick.', input: 'Q1 <sep> (A) x (B) y', output: 'B' },
    { instruction: 'Pick.', input: 'Q2 <sep> (A) x (B) y', output: '?' },
    { instruction: 'Pick.', input: 'Q3 <sep> (A) x (B) y', output: 'A' },
  ]));
  const task = parseTask({ name: 'local/mc', kind: 'classification', dataset: { splits: { test: 'mc.json' } } });
  const prepared = prepareTasks([task], { dataDir: dir, mode: 'loglikelihood' });
  const built = prepared.tasks[0]!.built;
  t.deepEqual(built.requests.map((r) => r.itemIndex), [0, 2]);
  t.deepEqual(built.failures.map((f) => f.index), [1]);
  t.is(prepared.tasks[0]!.task.mode, 'loglikelihood');
  t.deepEqual(prepared.options, { dataDir: dir, mode: 'loglikelihood' });
  t.is(prepareTasks([task], { dataDir: dir, limit: 1 }).tasks[0]!.built.requests.length, 1);
  t.throws(() => prepareTasks([task], { dataDir: dir, limit: 0 }), { message: 'Expected a value > 0 for prepareTasks options.limit but received number 0' });
  t.throws(() => prepareTasks([task], { dataDir: dir, limt: 1 } as never), { message: 'Unknown option prepareTasks options.limt' });
});
