// The built-in suites: the study's tasks with its generation settings, pointing at files that exist in the test sets.
import test from 'ava';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { SUITES } from '../../../../lib/eval/suites/paper.js';
import { resolveTasks } from '../../../../lib/eval/tasks/resolve.js';
import { PAPER_DIR } from '../answers/paper-records.js';

test('paper-fa and paper-en hold the study tasks', (t) => {
  t.deepEqual(SUITES['paper-fa']!.map((x) => x.name), ['paper-fa/sentiment', 'paper-fa/entailment', 'paper-fa/multiple_choice', 'paper-fa/summary', 'paper-fa/translation_fa_en']);
  t.deepEqual(SUITES['paper-en']!.map((x) => x.name), ['paper-en/sentiment', 'paper-en/entailment', 'paper-en/multiple_choice', 'paper-en/summarization', 'paper-en/translation_en_fa']);
  for (const task of Object.values(SUITES).flat()) {
    t.like(task.generation, { sampling: 'greedy', repetitionPenalty: 1.1, maxTokens: 512 });
    t.is(task.prompt.template, 'alpaca');
  }
});

test('every suite file exists under the shared test-set directory', (t) => {
  if (!existsSync(PAPER_DIR)) {
    t.log(`skipped: ${PAPER_DIR} is absent`);
    t.pass();
    return;
  }
  for (const task of Object.values(SUITES).flat()) {
    const split = task.dataset.splits['test']!;
    t.true(existsSync(path.join(PAPER_DIR, typeof split === 'string' ? split : split.path)), task.name);
  }
});

test('resolveTasks: suites, single tasks, dedupe, unknown names', (t) => {
  t.is(resolveTasks('paper-fa,paper-en').length, 10);
  t.deepEqual(resolveTasks('paper-fa/sentiment, paper-fa').map((x) => x.name).slice(0, 2), ['paper-fa/sentiment', 'paper-fa/entailment']);
  t.throws(() => resolveTasks('paper-de'), { message: /Expected a suite, a task name or a task file \(paper-fa, paper-fa\/sentiment, .*\) for --tasks but received "paper-de"/ });
  t.throws(() => resolveTasks(' , '), { message: /Expected at least one task/ });
});
