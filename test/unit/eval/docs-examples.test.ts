// Every file shown in docs/eval.md (a fenced block whose info names a file) is written out; every task in it loads with its data.
import test from 'ava';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../../../lib/version.js';
import { prepareTasks } from '../../../lib/eval/runner/prepare.js';
import { resolveTasks } from '../../../lib/eval/tasks/resolve.js';
import { tempDir } from '../../helpers/temp-dir.js';

const doc = readFileSync(path.join(packageRoot, 'docs/eval.md'), 'utf8');
const files = [...doc.matchAll(/^```\w+ (\S+)\n([\s\S]*?)^```$/gm)].map((m) => ({ name: m[1]!, text: m[2]! }));
const dir = tempDir('pl-doc-tasks-');
for (const f of files) {
  mkdirSync(path.dirname(path.join(dir, f.name)), { recursive: true });
  writeFileSync(path.join(dir, f.name), f.text);
}
const tasks = files.filter((f) => f.name.endsWith('.yaml'));

test('docs/eval.md shows the five kinds of task file and two lm-evaluation-harness ones', (t) => {
  t.deepEqual(tasks.map((f) => f.name), ['tasks/sentiment.yaml', 'tasks/choice.yaml', 'tasks/translate.yaml', 'tasks/last-word.yaml', 'tasks/heldout.yaml', 'harness/arc_easy.yaml', 'harness/lambada.yaml']);
});

for (const f of tasks) {
  test(`${f.name} from docs/eval.md loads, and its data builds requests without failures`, (t) => {
    const prepared = prepareTasks(resolveTasks(path.join(dir, f.name)), { dataDir: dir });
    for (const { task, built } of prepared.tasks) {
      t.deepEqual(built.failures, [], task.name);
      t.true(built.requests.length > 0, task.name);
    }
  });
}

test('the documented kinds and modes are what the files say', (t) => {
  const kinds = tasks.map((f) => resolveTasks(path.join(dir, f.name))[0]!).map((task) => `${task.kind}/${task.mode}`);
  t.deepEqual(kinds, ['classification/generate', 'classification/loglikelihood', 'generation/generate', 'continuation/loglikelihood', 'perplexity/perplexity', 'classification/loglikelihood', 'continuation/loglikelihood']);
});
