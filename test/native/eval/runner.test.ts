// runEvaluation end to end on a tiny model: valid, deterministic results in both modes, abort, failures, adapters.
import test from 'ava';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadModel, type Model } from '../../../lib/model.js';
import { writeLoraAdapter } from '../../../lib/lora/adapter-file.js';
import { parseOptions } from '../../../lib/config/validate.js';
import { runResultsSchema, type RunResults } from '../../../lib/eval/results/schema.js';
import { resolveTasks } from '../../../lib/eval/tasks/resolve.js';
import { parseTask } from '../../../lib/eval/tasks/load.js';
import { prepareTasks } from '../../../lib/eval/runner/prepare.js';
import { runEvaluation } from '../../../lib/eval/runner/run.js';
import { writeResults } from '../../../lib/eval/runner/write.js';
import type { EvalProgress } from '../../../lib/eval/runner/progress.js';
import { PAPER_TESTSET, evalModel, haveTestset } from './fixtures.js';
import { abortOnRead } from '../../helpers/abort-on-read.js';

let model: Model;
let tmp: string;
test.before(async () => {
  model = await loadModel(await evalModel());
  tmp = mkdtempSync(path.join(os.tmpdir(), 'pl-eval-run-'));
});
test.after.always(() => {
  model?.dispose();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

const RUN = { threads: 2, contextSize: 2048, bootstrapSamples: 200 };
const mc = (mode: 'generate' | 'loglikelihood') => prepareTasks(resolveTasks('paper-fa/multiple_choice'), { dataDir: PAPER_TESTSET, limit: 5, mode, maxTokens: 12 });
/** Everything a run's results say about the model's behaviour (not when it ran). */
const behaviour = (r: RunResults) => r.tasks;

for (const mode of ['loglikelihood', 'generate'] as const) {
  test.serial(`paper-fa multiple choice, ${mode}, limit 5: valid results, identical across two runs`, async (t) => {
    if (!haveTestset(t)) return;
    const progress: EvalProgress[] = [];
    const first = await runEvaluation(model, mc(mode), { ...RUN, onProgress: (p: EvalProgress) => progress.push(p) });
    const second = await runEvaluation(model, mc(mode), RUN);
    parseOptions(runResultsSchema, first, 'results');
    t.deepEqual(behaviour(second), behaviour(first));
    t.false(first.partial);
    const task = first.tasks[0]!;
    t.is(task.name, 'paper-fa/multiple_choice');
    t.is(task.mode, mode);
    t.is(task.n + task.failures.length, 5);
    t.deepEqual(task.items.map((i) => i.index), [0, 1, 2, 3, 4].filter((i) => !task.failures.some((f) => f.index === i)));
    const metrics = mode === 'loglikelihood' ? ['acc', 'acc_norm', 'macro_f1'] : ['acc', 'macro_f1', 'extracted'];
    t.deepEqual(task.aggregates.map((a) => a.metric), metrics);
    for (const item of task.items) {
      t.is(item.prompt.kind, 'text');
      t.is(item.output.mode, mode);
      if (item.output.mode === 'loglikelihood') {
        t.deepEqual(item.output.continuations, item.labels);
        t.true(item.output.logLikelihoods.every((x) => Number.isFinite(x) && x < 0));
        t.true(item.labels!.includes(item.extracted!));
      }
      t.true([0, 1].includes(item.scores['acc']!));
    }
    const acc = task.aggregates[0]!;
    t.is(acc.value, task.items.reduce((s, i) => s + i.scores['acc']!, 0) / task.n);
    t.deepEqual(progress.map((p) => p.done), [1, 2, 3, 4, 5]);
    t.true(progress.every((p) => p.total === 5 && p.itemsPerSecond > 0));
    t.is(progress.at(-1)!.etaSeconds, 0);
    t.deepEqual(first.model, { path: model.path, sha256: createHash('sha256').update(readFileSync(model.path)).digest('hex'), bytes: readFileSync(model.path).length, description: model.info.description });
    t.is(first.versions['llama.cpp.tree'], JSON.parse(readFileSync(path.join(process.cwd(), 'third_party', 'llama.cpp.lock'), 'utf8')).tree);
    t.is(first.config['mode'], mode);

    const files = writeResults(first, path.join(tmp, mode));
    const reread = parseOptions(runResultsSchema, JSON.parse(readFileSync(files.json, 'utf8')), 'results');
    t.deepEqual(reread, first);
    t.regex(readFileSync(files.markdown, 'utf8'), new RegExp(`\\|paper-fa/multiple_choice\\|1\\|${mode}\\|0\\|${task.n}\\|acc\\|`));
  });
}

test.serial('an abort mid-run keeps the items scored and marks the result partial', async (t) => {
  if (!haveTestset(t)) return;
  const controller = new AbortController();
  const prepared = prepareTasks(resolveTasks('paper-fa/multiple_choice,paper-fa/sentiment'), { dataDir: PAPER_TESTSET, limit: 5, mode: 'loglikelihood' });
  const partial = await runEvaluation(model, prepared, { ...RUN, signal: controller.signal, onProgress: (p: EvalProgress) => { if (p.done === 2) controller.abort(new Error('stop')); } });
  const full = await runEvaluation(model, prepared, RUN);
  parseOptions(runResultsSchema, partial, 'results');
  t.true(partial.partial);
  t.is(partial.tasks.length, 1);
  t.deepEqual(partial.tasks[0]!.items, full.tasks[0]!.items.slice(0, 2));
  t.is(partial.tasks[0]!.aggregates[0]!.n, 2);
});

test.serial('unparseable items and items too long for the context are listed with a reason and never scored', async (t) => {
  const dir = path.join(tmp, 'data');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'mc.json'), JSON.stringify([
    { instruction: 'Pick one.', input: 'Sky colour? <sep> (A) blue (B) green', output: 'A' },
    { instruction: 'Pick one.', input: 'Grass colour? <sep> (A) blue (B) green', output: 'maybe' },
    { instruction: 'Pick one.', input: `${'very long question '.repeat(60)}<sep> (A) yes (B) no`, output: 'B' },
  ]));
  const task = parseTask({ name: 'local/mc', kind: 'classification', mode: 'loglikelihood', dataset: { splits: { test: 'mc.json' } } });
  const results = await runEvaluation(model, prepareTasks([task], { dataDir: dir }), { ...RUN, contextSize: 128, sequences: 2 });
  const r = results.tasks[0]!;
  t.deepEqual(r.items.map((i) => i.index), [0]);
  t.deepEqual(r.failures.map((f) => f.index), [1, 2]);
  t.regex(r.failures[0]!.reason, /gold "maybe"/);
  t.regex(r.failures[1]!.reason, /^context: .*needs \d+ tokens but the context holds 128/);
});

test.serial('adapters change the scores and are recorded with their scale and sha256', async (t) => {
  if (!haveTestset(t)) return;
  const file = path.join(tmp, 'lora.gguf');
  writeLoraAdapter(file, { architecture: 'llama', alpha: 8, pairs: [0, 1].map((l) => ({
    target: `blk.${l}.attn_v.weight`, rank: 4, inFeatures: 64, outFeatures: 32,
    a: Float32Array.from({ length: 256 }, (_, i) => Math.sin(i + l)), b: Float32Array.from({ length: 128 }, (_, i) => Math.cos(3 * i + l)),
  })) });
  const adapter = await model.loadAdapter(file);
  try {
    const base = await runEvaluation(model, mc('loglikelihood'), RUN);
    const adapted = await runEvaluation(model, mc('loglikelihood'), { ...RUN, adapters: [{ adapter, scale: 2 }] });
    t.deepEqual(adapted.adapters, [{ path: file, sha256: createHash('sha256').update(readFileSync(file)).digest('hex'), bytes: readFileSync(file).length, scale: 2 }]);
    const ll = (r: RunResults) => r.tasks[0]!.items.flatMap((i) => (i.output.mode === 'loglikelihood' ? i.output.logLikelihoods : []));
    t.notDeepEqual(ll(adapted), ll(base));
  } finally {
    adapter.dispose();
  }
});

test.serial('an abort during a generation drops the cut-off item: no partial output is ever scored', async (t) => {
  if (!haveTestset(t)) return;
  const prepared = prepareTasks(resolveTasks('paper-fa/multiple_choice'), { dataDir: PAPER_TESTSET, limit: 5, mode: 'generate', maxTokens: 512 });
  // The run reads its signal a fixed number of times (hashing, then once per item and round of decoding): counted on
  // an uninterrupted run, the abort falls on the middle read, inside the generations, whatever the machine's speed.
  const counter = abortOnRead(Infinity);
  const full = await runEvaluation(model, prepared, { ...RUN, signal: counter });
  t.false(full.partial);
  const cut = await runEvaluation(model, prepared, { ...RUN, signal: abortOnRead(Math.ceil(counter.reads / 2)) });
  t.log(`${counter.reads} reads in a whole run; cut at read ${Math.ceil(counter.reads / 2)}`);
  t.true(cut.partial);
  const done = cut.tasks[0]?.items ?? [];
  t.true(done.length < 5);
  // Generate items run side by side, so the ones kept need not be the first ones; each is whole.
  t.deepEqual(done, full.tasks[0]!.items.filter((i) => done.some((d) => d.index === i.index)), 'the items kept are whole, as an uninterrupted run scores them');
});
