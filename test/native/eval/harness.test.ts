// Imported lm-evaluation-harness tasks (arc_easy, generate_until, wikitext styles) run end to end on a tiny model.
import test from 'ava';
import path from 'node:path';
import { loadModel, type Model } from '../../../lib/model.js';
import { packageRoot } from '../../../lib/version.js';
import { runResultsSchema } from '../../../lib/eval/results/schema.js';
import { prepareTasks } from '../../../lib/eval/runner/prepare.js';
import { runEvaluation } from '../../../lib/eval/runner/run.js';
import { resolveTasks } from '../../../lib/eval/tasks/resolve.js';
import { evalModel } from './fixtures.js';

const tasks = path.join(packageRoot, 'test/unit/eval/harness/tasks');
let model: Model;
test.before(async () => {
  model = await loadModel(await evalModel());
});
test.after.always(() => model?.dispose());

test('harness tasks run: choices scored after the prompt, acc and acc_norm follow the log-likelihoods, generation stops at until, rolling perplexity', async (t) => {
  const spec = ['arc_easy.yaml', 'translation.yaml', 'wikitext.yaml'].map((f) => path.join(tasks, f)).join(',');
  const prepared = prepareTasks(resolveTasks(spec), { dataDir: tasks });
  const results = await runEvaluation(model, prepared, { threads: 2, contextSize: 1024, bootstrapSamples: 50, hashFiles: false });
  t.notThrows(() => runResultsSchema.parse(results));
  const [arc, translation, wiki] = results.tasks;
  t.deepEqual(results.tasks.map((r) => [r.name, r.mode, r.n, r.failures.length]), [['arc_easy', 'loglikelihood', 2, 0], ['fa_en_translation', 'generate', 2, 0], ['wikitext_local', 'perplexity', 2, 0]]);
  for (const item of arc!.items) {
    if (item.output.mode !== 'loglikelihood') return t.fail('a log-likelihood answer');
    const lls = item.output.logLikelihoods;
    const texts = item.output.continuations.map((c) => c.slice(1));
    const best = (xs: number[]) => xs.indexOf(Math.max(...xs));
    t.is(item.scores['acc'], Number(String(best(lls)) === item.gold));
    t.is(item.scores['acc_norm'], Number(String(best(lls.map((ll, i) => ll / Array.from(texts[i]!).length))) === item.gold));
    t.true(lls.every((ll) => Number.isFinite(ll) && ll < 0));
  }
  for (const item of translation!.items) {
    t.false((item.output.mode === 'generate' ? item.output.text : '\n').includes('\n'), 'generation stops at the until string');
  }
  t.true(wiki!.aggregates.every((a) => a.value !== null && a.value > 0));
});
