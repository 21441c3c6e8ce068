// `persian-lora eval` through main(): results files, progress on stderr, Ctrl-C, and errors in task files and data.
import test from 'ava';
import { PassThrough } from 'node:stream';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { main } from '../../../lib/cli/main.js';
import { parseOptions } from '../../../lib/config/validate.js';
import { runResultsSchema } from '../../../lib/eval/results/schema.js';
import { PAPER_TESTSET, evalModel, haveTestset } from './fixtures.js';

async function cli(argv: string[], onStderr?: (text: string, controller: AbortController) => void) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const controller = new AbortController();
  let out = '';
  let err = '';
  stdout.on('data', (d) => (out += d));
  stderr.on('data', (d) => {
    err += d;
    onStderr?.(String(d), controller);
  });
  const code = await main(argv, { stdout, stderr, signal: controller.signal });
  return { code, out, err };
}

let tmp: string;
let modelPath: string;
test.before(async () => {
  modelPath = await evalModel();
  tmp = mkdtempSync(path.join(os.tmpdir(), 'pl-eval-cli-'));
});
test.after.always(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

const readRun = (dir: string) => {
  const json = readdirSync(dir).filter((f) => f.endsWith('.json'));
  return { files: readdirSync(dir).sort(), results: parseOptions(runResultsSchema, JSON.parse(readFileSync(path.join(dir, json[0]!), 'utf8')), 'results') };
};

test.serial('eval writes validated JSON and a markdown table, with a progress line on stderr', async (t) => {
  if (!haveTestset(t)) return;
  const out = path.join(tmp, 'run');
  const r = await cli(['eval', '-m', modelPath, '--tasks', 'paper-fa/multiple_choice,paper-en/sentiment', '--data-dir', PAPER_TESTSET, '--limit', '3', '--mode', 'loglikelihood', '-t', '2', '-c', '2048', '--out', out]);
  t.is(r.code, 0, r.err);
  t.regex(r.out, /^6 items scored in (\d+s|\d+m\d\ds|\d+h\d\dm)\nwrote .*\.json\nwrote .*\.md\n$/);
  t.regex(r.err, /\[1\/2\] paper-fa\/multiple_choice 3\/3 · 3\/6 items · \d+\.\d\d items\/s · ETA (\d+s|\d+m\d\ds|\d+h\d\dm)/);
  t.regex(r.err, /\[2\/2\] paper-en\/sentiment 3\/3 · 6\/6 items/);
  const { files, results } = readRun(out);
  t.is(files.length, 2);
  t.true(files[1]!.endsWith('.md'));
  t.deepEqual(results.tasks.map((x) => [x.name, x.mode, x.n + x.failures.length]), [['paper-fa/multiple_choice', 'loglikelihood', 3], ['paper-en/sentiment', 'loglikelihood', 3]]);
  t.is(results.config['limit'], 3);
});

test.serial('Ctrl-C (io.signal) keeps the scored items: partial results written, exit 130', async (t) => {
  if (!haveTestset(t)) return;
  const out = path.join(tmp, 'partial');
  // Without a terminal the progress line is printed at the end of each task: abort when the first task ends.
  const r = await cli(['eval', '-m', modelPath, '--tasks', 'paper-fa/multiple_choice,paper-fa/entailment', '--data-dir', PAPER_TESTSET, '--limit', '2', '--mode', 'loglikelihood', '-t', '2', '-c', '2048', '--out', out],
    (text, controller) => { if (text.includes('[1/2] paper-fa/multiple_choice 2/2')) controller.abort(new Error('interrupted')); });
  t.is(r.code, 130);
  const { results } = readRun(out);
  t.true(results.partial);
  t.deepEqual(results.tasks.map((x) => x.name), ['paper-fa/multiple_choice'], 'the abort lands while the second task\'s first item is scored');
  t.is(results.tasks[0]!.n, 2);
  t.regex(r.err, /Interrupted: 2 items scored in (\d+s|\d+m\d\ds|\d+h\d\dm); partial results written to .*\.json and .*\.md/);
});

function taskFile(name: string, body: object): string {
  const file = path.join(tmp, name);
  writeFileSync(file, JSON.stringify(body));
  return file;
}

const base = { name: 'local/mc', kind: 'classification', dataset: { splits: { test: 'mc.json' } } };
const cases: Array<[string, () => string, number, RegExp]> = [
  ['an unknown field', () => taskFile('unknown.json', { ...base, promt: { template: 'alpaca' } }), 2, /unknown\.json line 1: Unknown option task\.promt/],
  ['a missing dataset', () => taskFile('missing.json', { ...base, dataset: { splits: { test: 'nowhere.json' } } }), 1, /Dataset file .*nowhere\.json \(task local\/mc, split test\) does not exist; check --data-dir/],
  ['an empty split', () => taskFile('empty.json', { ...base, dataset: { splits: { test: 'empty-split.json' } } }), 1, /Split "test" of task local\/mc is empty \(file .*empty-split\.json\)/],
];
for (const [what, file, code, message] of cases) {
  test.serial(`a task file with ${what} fails with exit ${code} and a clear message, before the model loads`, async (t) => {
    const data = path.join(tmp, 'data');
    mkdirSync(data, { recursive: true });
    writeFileSync(path.join(data, 'empty-split.json'), '[]');
    // A model path that does not exist: the task error must come first.
    const r = await cli(['eval', '-m', path.join(tmp, 'no-model.gguf'), '--tasks', file(), '--data-dir', data]);
    t.is(r.code, code);
    t.regex(r.err, message);
    // one line; a usage error (exit 2) adds where the help is
    t.deepEqual(r.err.trim().split('\n').slice(1), code === 2 ? ['see: persian-lora eval --help'] : []);
  });
}

test('usage errors exit 2 with the option named', async (t) => {
  const noTasks = await cli(['eval', '-m', modelPath, '--data-dir', tmp]);
  t.is(noTasks.code, 2);
  t.regex(noTasks.err, /Expected a list of suites, tasks or task files for --tasks/);
  const badMode = await cli(['eval', '-m', modelPath, '--tasks', 'paper-fa', '--data-dir', tmp, '--mode', 'guess']);
  t.is(badMode.code, 2);
  t.regex(badMode.err, /Expected one of generate, loglikelihood, perplexity for --mode but received "guess"/);
  const badLimit = await cli(['eval', '-m', modelPath, '--tasks', 'paper-fa', '--data-dir', tmp, '--limit', '0']);
  t.is(badLimit.code, 2);
  t.regex(badLimit.err, /Expected an integer >= 1 for --limit but received "0"/);
  const unknownTask = await cli(['eval', '-m', modelPath, '--tasks', 'paper-xx', '--data-dir', tmp]);
  t.is(unknownTask.code, 2);
  t.regex(unknownTask.err, /for --tasks but received "paper-xx"/);
});
