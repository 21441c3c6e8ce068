// Task files: validation errors that name the field, the missing dataset file or the empty split; split loading.
import test from 'ava';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { PersianLoraError } from '../../../../lib/errors.js';
import { activeMetrics, loadSplit, loadTaskData, loadTaskFile, parseTask, withMode } from '../../../../lib/eval/tasks/load.js';
import { tempDir } from '../../../helpers/temp-dir.js';

const dir = tempDir('pl-tasks-');
const write = (name: string, text: string) => {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
};
write('data.json', JSON.stringify([
  { q: 'Is it good?', ctx: 'yes', a: 0 },
  { q: 'Is it bad?', ctx: 'no', a: 1 },
  { q: 'Maybe?', a: 1 },
]));
write('empty.json', '[]');
write('data.jsonl', '{"instruction":"i","output":"o"}\n\n{"instruction":"j","output":"p"}\n');
write('bad.jsonl', '{"output":"o"}\n{oops\n');

const base = { name: 'demo/t', kind: 'classification', dataset: { splits: { test: 'data.json' }, fields: { instruction: 'q', input: 'ctx', output: 'a' } } };

test('defaults fill in mode, metrics and the study generation settings', (t) => {
  const task = parseTask(base);
  t.is(task.mode, 'generate');
  t.deepEqual(task.metrics, ['acc', 'acc_norm', 'macro_f1', 'extracted']);
  t.deepEqual(activeMetrics(task), ['acc', 'macro_f1', 'extracted']);
  t.deepEqual(activeMetrics(withMode(task, 'loglikelihood')), ['acc', 'acc_norm', 'macro_f1']);
  t.like(task.generation, { sampling: 'greedy', maxTokens: 512, repetitionPenalty: 1.1, stop: [] });
  t.deepEqual(task.prompt, { template: 'alpaca' });
  t.is(task.fewshot.k, 0);
});

const rejects = test.macro((t, input: unknown, message: string) => {
  const error = t.throws(() => parseTask(input, 'tasks/x.yaml'), { instanceOf: PersianLoraError });
  t.is(error?.message, message);
});
test('unknown top-level field is named', rejects, { ...base, shots: 3 }, 'tasks/x.yaml: Unknown option task.shots');
test('unknown nested field is named', rejects, { ...base, generation: { maxTokens: 5, top_k: 3 } }, 'tasks/x.yaml: Unknown option task.generation.top_k');
test('bad mode for the kind', rejects, { ...base, kind: 'generation', mode: 'loglikelihood' }, 'tasks/x.yaml: Expected a mode of a generation task (generate) for task.mode but received "loglikelihood"');
test('metric of another kind', rejects, { ...base, metrics: ['bleu'] }, 'tasks/x.yaml: Expected a metric of a classification task (acc, acc_norm, macro_f1, extracted) for task.metrics.0 but received "bleu"');
test('unknown split name', rejects, { ...base, fewshot: { k: 1, split: 'train' } }, 'tasks/x.yaml: Expected a split named in dataset.splits (test) for task.fewshot.split but received "train"');
test('bad regex', rejects, { ...base, answer: { patterns: ['(unclosed'] } }, 'tasks/x.yaml: Expected a valid regular expression for task.answer.patterns.0 but received "(unclosed"');
test('bad template name', rejects, { ...base, prompt: { template: 'vicuna' } }, 'tasks/x.yaml: Expected one of "alpaca", "chat", "custom" for task.prompt.template but received "vicuna"');

test('withMode refuses a mode the kind lacks', (t) => {
  t.throws(() => withMode(parseTask(base), 'perplexity'), { message: /Expected a mode of a classification task \(generate, loglikelihood\) for task demo\/t/ });
});

test('YAML and JSON task files load; errors name file and line', (t) => {
  const yaml = write('t.yaml', 'name: demo/y\nkind: generation\ndataset:\n  splits:\n    test: data.jsonl\n  format: jsonl\n');
  t.is(loadTaskFile(yaml).name, 'demo/y');
  t.is(loadTaskFile(write('t.json', JSON.stringify(base))).name, 'demo/t');
  t.throws(() => loadTaskFile(write('u.yaml', 'name: a/b\nkind: generation\ndataset: {splits: {test: x.json}}\npromt: {}\n')), { message: /u\.yaml line 4: Unknown option task\.promt$/ });
  t.throws(() => loadTaskFile(write('bad.yaml', 'name: a\n  kind: : x\n')), { message: /bad\.yaml line \d+ is not valid YAML/ });
  t.throws(() => loadTaskFile(path.join(dir, 'none.yaml')), { message: /Task file .*none\.yaml does not exist/ });
});

test('records map fields; numbers become strings; missing input is empty', (t) => {
  const records = loadSplit(parseTask(base), dir, 'test');
  t.deepEqual(records.map((r) => r.record), [
    { instruction: 'Is it good?', input: 'yes', output: '0' },
    { instruction: 'Is it bad?', input: 'no', output: '1' },
    { instruction: 'Maybe?', input: '', output: '1' },
  ]);
  t.is(records[2]!.index, 2);
});

test('a missing dataset file names the path', (t) => {
  const task = parseTask({ ...base, dataset: { splits: { test: 'nope/x.json' } } });
  const error = t.throws(() => loadSplit(task, dir, 'test'), { instanceOf: PersianLoraError });
  t.is(error?.code, 'ERR_FILE_NOT_FOUND');
  t.is(error?.message, `Dataset file ${path.join(dir, 'nope/x.json')} (task demo/t, split test) does not exist; check --data-dir`);
});

test('an empty split is an error naming split and file', (t) => {
  const task = parseTask({ ...base, dataset: { splits: { test: 'empty.json' } } });
  t.throws(() => loadSplit(task, dir, 'test'), { code: 'ERR_DATA', message: `Split "test" of task demo/t is empty (file ${path.join(dir, 'empty.json')})` } as never);
  const sliced = parseTask({ ...base, dataset: { ...base.dataset, splits: { test: { path: 'data.json', start: 3 } } } });
  t.throws(() => loadSplit(sliced, dir, 'test'), { message: /Split "test" of task demo\/t is empty \(file .*data\.json, records 3\.\.end\)/ });
});

test('jsonl: blank lines skipped, bad line named', (t) => {
  const task = parseTask({ name: 'a/b', kind: 'generation', dataset: { format: 'jsonl', splits: { test: 'data.jsonl', bad: 'bad.jsonl' } } });
  t.is(loadSplit(task, dir, 'test').length, 2);
  t.throws(() => loadSplit(task, dir, 'bad'), { message: /bad\.jsonl line 2 is not valid JSON/ });
});

test('a record without the output field is named', (t) => {
  const task = parseTask({ ...base, dataset: { splits: { test: 'data.jsonl' }, format: 'jsonl', fields: { output: 'answer' } } });
  t.throws(() => loadSplit(task, dir, 'test'), { message: `Expected a string or number for field "answer" of record 0 of ${path.join(dir, 'data.jsonl')} but received undefined` });
});

test('limit and few-shot pools', (t) => {
  const task = parseTask({ ...base, dataset: { ...base.dataset, splits: { test: { path: 'data.json', start: 1 }, shots: { path: 'data.json', end: 1 } } }, fewshot: { k: 1, split: 'shots' } });
  const data = loadTaskData(task, dir, 1);
  t.deepEqual(data.records.map((r) => r.index), [1]);
  t.deepEqual(data.fewshotPool.map((r) => r.index), [0]);
  t.false(data.fewshotFromSameSplit);
  t.true(loadTaskData(parseTask({ ...base, fewshot: { k: 1 } }), dir).fewshotFromSameSplit);
});

test('a typo names the unknown key first, with file and line, even when a required key is then missing', (t) => {
  const file = write('typo.yaml', 'name: demo/typo\nknd: classification\ndataset:\n  splits: {test: data.json}\n');
  t.throws(() => loadTaskFile(file), { message: `${file} line 2: Unknown option task.knd` });
  const nested = write('typo2.yaml', 'name: demo/typo\nkind: classification\ndataset:\n  splts: {test: data.json}\n');
  t.throws(() => loadTaskFile(nested), { message: `${nested} line 4: Unknown option task.dataset.splts` });
  const json = write('typo.json', '{\n  "name": "demo/typo",\n  "kind": "generation",\n  "dataset": {"splits": {"test": "data.json"}},\n  "answr": {}\n}\n');
  t.throws(() => loadTaskFile(json), { message: `${json} line 5: Unknown option task.answr` });
  t.throws(() => parseTask({ name: 'demo/o', knd: 'generation', dataset: { splits: { test: 'x' } } }, 'obj'), { message: 'obj: Unknown option task.knd' });
});

test('a wrong value names the file and the line of its key', (t) => {
  const file = write('badmode.yaml', 'name: demo/m\nkind: classification\nmode: perplexity\ndataset:\n  splits: {test: data.json}\n');
  t.throws(() => loadTaskFile(file), { message: `${file} line 3: Expected a mode of a classification task (generate, loglikelihood) for task.mode but received "perplexity"` });
});

test('integer labels and aliases are read as the strings the gold writes', (t) => {
  const file = write('ints.yaml', 'name: demo/i\nkind: classification\ndataset:\n  splits: {test: data.json}\n  fields: {instruction: q, input: ctx, output: a}\nanswer:\n  labels: [0, 1]\n  aliases: {positive: 0, negative: "1"}\n');
  const task = loadTaskFile(file);
  t.deepEqual(task.answer.labels, ['0', '1']);
  t.deepEqual(task.answer.aliases, { positive: '0', negative: '1' });
  t.throws(() => parseTask({ ...base, answer: { labels: [0.5, 1] } }, 'x'), { message: /task\.answer\.labels\.0/ });
});

test('the ROUGE tokenizer is unicode unless the task chooses rouge-score\'s default', (t) => {
  t.is(parseTask({ ...base, kind: 'generation' }).rouge.tokenizer, 'unicode');
  t.is(parseTask({ ...base, kind: 'generation', rouge: { tokenizer: 'default' } }).rouge.tokenizer, 'default');
  t.throws(() => parseTask({ ...base, rouge: { tokenizer: 'nltk' } }, 'x'), { message: 'x: Expected one of "unicode", "default" for task.rouge.tokenizer but received "nltk"' });
});
