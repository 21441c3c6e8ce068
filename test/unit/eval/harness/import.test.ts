// lm-evaluation-harness task YAML (arc_easy, hellaswag, generate_until, lambada's loglikelihood, loglikelihood_rolling styles) imported and run to requests and scores.
import test from 'ava';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../../../../lib/version.js';
import { loadHarnessTask } from '../../../../lib/eval/harness/load.js';
import { loadTaskData } from '../../../../lib/eval/tasks/load.js';
import { buildRequests } from '../../../../lib/eval/tasks/requests.js';
import { resolveTasks } from '../../../../lib/eval/tasks/resolve.js';
import { aggregateItems, scoreItem } from '../../../../lib/eval/tasks/score.js';
import { planTasks } from '../../../../lib/eval/runner/prepare.js';
import { tempDir } from '../../../helpers/temp-dir.js';

const tasks = path.join(packageRoot, 'test/unit/eval/harness/tasks');
const at = (name: string) => path.join(tasks, name);
const built = (file: string) => {
  const task = loadHarnessTask(at(file));
  return { task, built: buildRequests(task, loadTaskData(task, '/nowhere')) };
};

test('arc_easy: choices from {{choices.text}}, gold from choices.label.index(answerKey), a training-split shot', (t) => {
  const { task, built: b } = built('arc_easy.yaml');
  t.like(task, { name: 'arc_easy', kind: 'classification', mode: 'loglikelihood', metrics: ['acc', 'acc_norm'] });
  t.deepEqual(b.failures, []);
  t.deepEqual(b.requests[0], {
    itemIndex: 0,
    mode: 'loglikelihood',
    prompt: { kind: 'text', text: 'Question: What melts ice?\nAnswer: heat\n\nQuestion: Which gas do plants take in?\nAnswer:' },
    continuations: [' oxygen', ' carbon dioxide', ' helium', ' neon'],
  });
  t.is(b.items.get(0)!.parsed!.gold, '1');
  t.is(b.items.get(1)!.parsed!.gold, '0');
  t.deepEqual(b.items.get(1)!.continuations, [' عطارد', ' زهره', ' زمین']);
});

test('multiple choice scores acc by the sum and acc_norm by the choice\'s length without the delimiter', (t) => {
  const { task, built: b } = built('arc_easy.yaml');
  const item = b.items.get(0)!;
  // per character without the space: oxygen -6/6 = -1, carbon dioxide -13/14 ≈ -0.93 (best), helium -7/6, neon -9/4;
  // with the space it would be -6/7 ≈ -0.857 for oxygen against -13/15 ≈ -0.867, and oxygen would win.
  const scored = scoreItem(task, item, { mode: 'loglikelihood', logLikelihoods: [-6, -13, -7, -9], greedy: [false, false, false, false] });
  t.deepEqual(scored.scores, { acc: 0, acc_norm: 1 });
  t.is(scored.extracted, '0');
  const aggs = aggregateItems(task, [scored], { samples: 10 });
  t.deepEqual(aggs.map((a) => [a.metric, a.value]), [['acc', 0], ['acc_norm', 1]]);
});

test('hellaswag: dataset_path json with data_files, choices named by field, a digit label, shots from the same split without the item', (t) => {
  const { task, built: b } = built('hellaswag.yaml');
  t.is(task.dataset.split, 'validation');
  t.is(task.fewshot.split, 'validation');
  t.deepEqual(b.requests.map((r) => r.itemIndex), [0, 1, 2]);
  for (const r of b.requests) {
    const prompt = r.mode === 'loglikelihood' && r.prompt.kind === 'text' ? r.prompt.text : '';
    const own = b.items.get(r.itemIndex)!.record.record.input;
    t.true(prompt.endsWith(`\n\n${own}`));
    t.false(prompt.slice(0, -own.length).includes(own), `item ${r.itemIndex} is not its own shot`);
  }
  t.deepEqual(b.items.get(0)!.parsed!.labels, ['0', '1', '2', '3']);
  t.is(b.items.get(0)!.parsed!.gold, '1');
});

test('generate_until: description, shots, until and max_gen_toks, greedy without a repetition penalty; metrics mapped', (t) => {
  const { task, built: b } = built('translation.yaml');
  t.like(task, { kind: 'generation', mode: 'generate', metrics: ['bleu', 'chrf', 'exact_match'] });
  t.like(task.generation, { sampling: 'greedy', stop: ['\n'], maxTokens: 64, repetitionPenalty: 1 });
  const r = b.requests[1]!;
  t.is(r.mode === 'generate' && r.prompt.kind === 'text' ? r.prompt.text : '', 'Translate from Persian to English.\n\nPersian: سلام دنیا\nEnglish: Hello world\n\nPersian: کتاب روی میز است\nEnglish:');
  const scored = scoreItem(task, b.items.get(1)!, { mode: 'generate', text: ' The book is on the table' });
  t.is(scored.scores['exact_match'], 1);
  t.is(scored.gold, 'The book is on the table');
});

test('loglikelihood_rolling: the target text is scored alone; the data folder\'s data/test.json is found', (t) => {
  const { task, built: b } = built('wikitext.yaml');
  t.like(task, { kind: 'perplexity', mode: 'perplexity', metrics: ['word_perplexity', 'byte_perplexity', 'bits_per_byte'] });
  t.deepEqual(b.requests, [{ itemIndex: 0, mode: 'perplexity', text: 'The first page.' }, { itemIndex: 1, mode: 'perplexity', text: 'صفحه دوم.' }]);
});

test('loglikelihood (lambada): the target scored as written after the prompt; acc is the greedy rate, perplexity exp(-mean ll)', (t) => {
  const { task, built: b } = built('lambada.yaml');
  t.like(task, { name: 'lambada_local', kind: 'continuation', mode: 'loglikelihood', metrics: ['perplexity', 'acc'] });
  t.deepEqual(b.failures, []);
  t.deepEqual(b.requests[0], { itemIndex: 0, mode: 'loglikelihood', prompt: { kind: 'text', text: 'She opened the door and the cat ran out into the' }, continuations: [' garden'] });
  t.deepEqual(b.items.get(1)!.continuations, [' برابرند']);
  const answers = [{ ll: -2, greedy: true }, { ll: -5, greedy: false }, { ll: -8, greedy: true }];
  const scored = answers.map(({ ll, greedy }, i) => scoreItem(task, b.items.get(i)!, { mode: 'loglikelihood', logLikelihoods: [ll], greedy: [greedy] }));
  t.deepEqual(scored.map((s) => s.scores), [{ acc: 1, logLikelihood: -2 }, { acc: 0, logLikelihood: -5 }, { acc: 1, logLikelihood: -8 }]);
  t.is(scored[0]!.gold, ' garden');
  const aggs = aggregateItems(task, scored, { samples: 10 });
  t.deepEqual(aggs.map((a) => [a.metric, a.higherIsBetter]), [['perplexity', false], ['acc', true]]);
  t.true(Math.abs(aggs[0]!.value! - Math.exp(5)) < 1e-9 * Math.exp(5));
  t.true(Math.abs(aggs[1]!.value! - 2 / 3) < 1e-12);
  t.throws(() => scoreItem(task, b.items.get(0)!, { mode: 'loglikelihood', logLikelihoods: [-1], greedy: [] }), { message: /Expected 1 greedy flag but received 0 for item 0/ });
});

test('loglikelihood: target_delimiter joins a shot\'s text and target, not the scored target; metric_list picks acc alone; an empty target is a failure', (t) => {
  const file = path.join(dir, 'll.yaml');
  writeFileSync(path.join(dir, 'll.jsonl'), '{"q": "Q1?", "a": "one"}\n{"q": "Q2?", "a": "two"}\n{"q": "Q3?", "a": ""}\n');
  writeFileSync(file, 'task: ll\ndataset_path: ll.jsonl\ntest_split: test\noutput_type: loglikelihood\nnum_fewshot: 1\nfewshot_split: test\ndoc_to_text: "{{q}} A:"\ndoc_to_target: a\nmetric_list:\n  - metric: acc\n');
  const task = loadHarnessTask(file);
  t.deepEqual(task.metrics, ['acc']);
  const b = buildRequests(task, loadTaskData(task, dir));
  const r = b.requests.find((x) => x.itemIndex === 0)!;
  if (r.mode !== 'loglikelihood' || r.prompt.kind !== 'text') return t.fail('a text log-likelihood request');
  t.regex(r.prompt.text, /^Q[23]\? A: (two|)\n\nQ1\? A:$/);
  t.deepEqual(r.continuations, ['one']);
  t.deepEqual(b.failures, [{ ok: false, index: 2, reason: 'empty continuation: no text to score after the prompt' }]);
});

test('--tasks recognises a harness file by its task key, or by harness:; --mode leaves imported tasks as they are', (t) => {
  const [arc, wiki] = resolveTasks(`${at('arc_easy.yaml')},harness:${at('wikitext.yaml')}`);
  t.is(arc!.name, 'arc_easy');
  t.is(wiki!.name, 'wikitext_local');
  t.is(planTasks([arc!], { mode: 'generate' })[0]!.mode, 'loglikelihood');
});

const dir = tempDir('pl-harness-');
writeFileSync(path.join(dir, 'd.jsonl'), '{"q": "x", "a": "y", "choices": ["y", "z"]}\n');
const refused = test.macro((t, yaml: string, message: string | RegExp) => {
  const file = path.join(dir, `${t.title.replace(/\W+/g, '_')}.yaml`);
  writeFileSync(file, `task: t\ndataset_path: d.jsonl\ntest_split: test\n${yaml}`);
  const error = t.throws(() => resolveTasks(file));
  if (typeof message === 'string') t.is(error?.message, `${file} ${message}`);
  else t.regex(error?.message ?? '', message);
});
test('!function is refused by name and line', refused, 'doc_to_text: !function utils.doc_to_text\ndoc_to_target: a\n', 'line 4: doc_to_text: !function utils.doc_to_text is a Python function, which is not supported; write it as a Jinja template');
test('process_results is refused by name', refused, 'doc_to_target: a\nprocess_results: !function utils.process\n', /line 5: process_results: !function/);
test('filter_list is refused by name', refused, 'doc_to_target: a\nfilter_list:\n  - name: strict\n', 'line 5: filter_list (answer filters (regex, take_first, majority vote)) is not supported in imported lm-evaluation-harness tasks');
test('a typo is an unknown key with its line', refused, 'doc_to_target: a\ndoc_to_txt: "{{q}}"\n', 'line 5: Unknown option task.doc_to_txt');
test('an unknown output_type is named with its line and the supported ones', refused, 'output_type: loglikelihod\ndoc_to_target: a\n', 'line 4: Expected one of "multiple_choice", "generate_until", "loglikelihood", "loglikelihood_rolling" for task.output_type but received "loglikelihod"');
test('a multiple-choice metric on a loglikelihood task is refused with its line', refused, 'output_type: loglikelihood\ndoc_to_target: a\nmetric_list:\n  - metric: acc_norm\n', /line 6: metric acc_norm is not supported for loglikelihood \(supported: perplexity, acc\)/);
test('a misspelt aggregation is named with its line', refused, 'output_type: loglikelihood\ndoc_to_target: a\nmetric_list:\n  - metric: perplexity\n    aggregation: perplexty\n', /line 8: .*metric_list\.0\.aggregation/);
test('a metric without a counterpart is refused', refused, 'doc_to_target: a\nmetric_list:\n  - metric: mcc\n', /line 5: metric mcc is not supported for generate_until/);
test('generation keys we do not run are refused', refused, 'doc_to_target: a\ngeneration_kwargs:\n  top_p: 0.9\n', 'line 6: Unknown option task.generation_kwargs.top_p');

test('a target outside the choices names the record and the key', (t) => {
  const file = path.join(dir, 'mc.yaml');
  writeFileSync(file, 'task: mc\ndataset_path: d.jsonl\ntest_split: test\noutput_type: multiple_choice\ndoc_to_text: "{{q}}"\ndoc_to_target: "{{choices.index(\'w\')}}"\ndoc_to_choice: choices\n');
  t.throws(() => buildRequests(loadHarnessTask(file), loadTaskData(loadHarnessTask(file), dir)), { message: /^doc_to_target of record 0 of .*d\.jsonl \(task mc\): the template .* failed: "w" is not in list$/ });
});

test('a missing data folder says Hub datasets are not fetched', (t) => {
  const file = path.join(dir, 'hub.yaml');
  writeFileSync(file, 'task: hub\ndataset_path: allenai/ai2_arc\ntest_split: test\ndoc_to_target: a\n');
  t.throws(() => loadHarnessTask(file), { message: /line 2: dataset_path .*allenai\/ai2_arc does not exist \(Hub datasets are not fetched; give a local folder or file\)/ });
});
