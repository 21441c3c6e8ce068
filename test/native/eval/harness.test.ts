// Imported lm-evaluation-harness tasks (arc_easy, generate_until, lambada, wikitext styles) run end to end on a tiny model.
import test from 'ava';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Context } from '../../../lib/context.js';
import { loadModel, type Model } from '../../../lib/model.js';
import { packageRoot } from '../../../lib/version.js';
import { runResultsSchema } from '../../../lib/eval/results/schema.js';
import { prepareTasks } from '../../../lib/eval/runner/prepare.js';
import { runEvaluation } from '../../../lib/eval/runner/run.js';
import type { EvalProgress } from '../../../lib/eval/runner/progress.js';
import { resolveTasks } from '../../../lib/eval/tasks/resolve.js';
import { evalModel, logSoftmaxAt } from './fixtures.js';

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

/** lm-evaluation-harness's split and scoring of one (context, continuation) pair, from the raw logits of every position. */
async function referenceScore(context: Context, prompt: string, continuation: string): Promise<{ logLikelihood: number; greedy: boolean; margin: number; tokens: number }> {
  const head = Array.from(model.tokenize(prompt));
  const whole = model.tokenize(prompt + continuation);
  if (!head.every((token, i) => whole[i] === token)) throw new Error(`the prompt's tokens are not a prefix of the whole's: ${JSON.stringify(prompt)}`);
  const logits = await context.logits(whole, { all: true });
  const vocab = model.info.vocabularySize;
  let logLikelihood = 0;
  let greedy = true;
  let margin = Infinity;
  for (let position = head.length; position < whole.length; position++) {
    const row = position - 1;
    const token = whole[position]!;
    logLikelihood += logSoftmaxAt(logits, row, vocab, token);
    let best = -Infinity;
    for (let i = 0; i < vocab; i++) if (i !== token) best = Math.max(best, logits[row * vocab + i]!);
    const own = logits[row * vocab + token]!;
    greedy &&= own > best;
    margin = Math.min(margin, Math.abs(own - best));
  }
  return { logLikelihood, greedy, margin, tokens: whole.length - head.length };
}

test('output_type loglikelihood: each target\'s log-likelihood and greedy flag equal log-softmax over raw logits; acc and perplexity aggregate them; an abort keeps the scored items', async (t) => {
  // A second task whose targets are the model's own greedy tokens, so that both greedy outcomes are checked.
  const reference = await model.createContext({ contextSize: 1024, threads: 2 });
  const dir = mkdtempSync(path.join(tmpdir(), 'pl-harness-ll-'));
  const records: { context: string; target: string }[] = [];
  try {
    for (const context of ['The capital of France is', 'One, two, three,', 'سلام بر', 'Once upon a time']) {
      const logits = await reference.logits(model.tokenize(context));
      const order = Array.from(logits.keys()).sort((a, b) => logits[b]! - logits[a]!);
      const round = order.slice(0, 20).find((token) => {
        const piece = model.detokenize(Uint32Array.of(token));
        const whole = Array.from(model.tokenize(context + piece));
        return piece.length > 0 && whole.length === model.tokenize(context).length + 1 && whole.at(-1) === token;
      });
      if (round !== undefined) records.push({ context, target: model.detokenize(Uint32Array.of(round)) });
      records.push({ context, target: ' elephant' });
    }
    writeFileSync(path.join(dir, 'greedy.jsonl'), records.map((r) => JSON.stringify(r)).join('\n'));
    writeFileSync(path.join(dir, 'greedy.yaml'), 'task: greedy_local\ndataset_path: greedy.jsonl\noutput_type: loglikelihood\ntest_split: test\ndoc_to_text: "{{context}}"\ndoc_to_target: target\n');
    const spec = `${path.join(tasks, 'lambada.yaml')},${path.join(dir, 'greedy.yaml')}`;
    const prepared = prepareTasks(resolveTasks(spec), { dataDir: tasks });
    const run = { threads: 2, contextSize: 1024, bootstrapSamples: 50, hashFiles: false };
    const results = await runEvaluation(model, prepared, run);
    t.notThrows(() => runResultsSchema.parse(results));
    t.deepEqual(results.tasks.map((r) => [r.name, r.mode, r.n, r.failures.length]), [['lambada_local', 'loglikelihood', 3, 0], ['greedy_local', 'loglikelihood', records.length, 0]]);
    // Logits come out of llama.cpp in float32, the runner's continuation decoded in a batch after the cached prompt and
    // the reference's all at once: allowed 1e-4 per scored token, as test/native/eval/scoring.test.ts (measured there: 0).
    const flags: boolean[] = [];
    for (const task of results.tasks) {
      const expected = [];
      for (const item of task.items) {
        if (item.output.mode !== 'loglikelihood' || item.prompt.kind !== 'text') return t.fail('a text log-likelihood item');
        const ref = await referenceScore(reference, item.prompt.text, item.output.continuations[0]!);
        const ll = item.output.logLikelihoods[0]!;
        t.true(Math.abs(ll - ref.logLikelihood) <= 1e-4 * ref.tokens, `${task.name} item ${item.index}: ${ll} vs ${ref.logLikelihood}`);
        t.is(item.scores['logLikelihood'], ll);
        // A flag could only differ where two logits are within float32 rounding of each other.
        if (ref.margin > 1e-3) t.is(item.scores['acc'], Number(ref.greedy), `${task.name} item ${item.index}: greedy`);
        else t.log(`${task.name} item ${item.index}: greedy flag not compared (top logits ${ref.margin} apart)`);
        flags.push(ref.greedy);
        expected.push(ref);
      }
      const value = (metric: string) => task.aggregates.find((a) => a.metric === metric)!.value!;
      const perplexity = Math.exp(-expected.reduce((s, r) => s + r.logLikelihood, 0) / expected.length);
      t.true(Math.abs(value('perplexity') - perplexity) <= 1e-3 * perplexity, `${task.name}: perplexity ${value('perplexity')} vs ${perplexity}`);
      t.is(value('acc'), task.items.reduce((s, i) => s + i.scores['acc']!, 0) / task.n);
    }
    t.true(flags.includes(true) && flags.includes(false), 'both greedy outcomes occur');

    const controller = new AbortController();
    const partial = await runEvaluation(model, prepared, { ...run, signal: controller.signal, onProgress: (p: EvalProgress) => { if (p.done === 2) controller.abort(new Error('stop')); } });
    t.true(partial.partial);
    t.deepEqual(partial.tasks.map((r) => r.items), [results.tasks[0]!.items.slice(0, 2)]);
  } finally {
    reference.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
});
