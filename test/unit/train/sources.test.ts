import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { packDocuments } from '../../../lib/data/formats/lm.js';
import type { TrainingExample } from '../../../lib/data/tokenizer.js';
import { readTrainingExamples, splitValidation } from '../../../lib/train/data.js';
import { readTrainData, trainDataSchema, type TrainDataSpec } from '../../../lib/train/sources.js';
import { decode, FakeTokenizer, trainedText } from '../data/formats/fake-tokenizer.js';
import { tempDir } from '../../helpers/temp-dir.js';

// Parquet fixture (test/reference/data/make_parquet_fixture.py): 60 rows, columns id, text (Persian; null at row 37), translation (English), meta.
const fixtures = fileURLToPath(new URL('../../../../test/fixtures/data/', import.meta.url));

function dir(files: Record<string, string>): string {
  const root = tempDir('pl-sources-');
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(root, name, '..'), { recursive: true });
    writeFileSync(join(root, name), content);
  }
  return root;
}
const jsonl = (records: unknown[]): string => records.map((r) => JSON.stringify(r)).join('\n') + '\n';

const tok = new FakeTokenizer();
const read = (spec: TrainDataSpec, seqLen = 64, seed = 0) => readTrainData(spec, { tokenizer: tok, seqLen, seed });
/** The documents inside packed blocks, in order (BOS starts one, EOS ends one, padding dropped). */
const documentsOf = (examples: TrainingExample[]): string[] =>
  examples.map((e) => decode(e.tokens)).join('').split('</s>').map((d) => d.replace(/^<s>/, '')).filter((d) => d !== '');
const promptOf = (e: TrainingExample): string => decode(e.tokens.filter((_, i) => e.weights[i] === 0));

const PAIRS = [
  { en: 'Hello', fa: 'سلام' },
  { en: 'Book', fa: 'کتاب' },
  { en: 'Good night', fa: 'شب بخیر' },
  { en: 'Water', fa: 'آب' },
  { en: 'Tree', fa: 'درخت' },
  { en: 'Sun', fa: 'خورشید' },
  { en: 'Moon', fa: 'ماه' },
  { en: 'Sea', fa: 'دریا' },
];

test('a .txt path: lines packed into seqLen blocks exactly as packDocuments does, files absolute', async (t) => {
  const root = dir({ 'corpus.txt': 'زبان فارسی\n\nکتاب روی میز است\nسلام دنیا\n' });
  const file = join(root, 'corpus.txt');
  const r = await read(file, 16, 3);
  const expected = [];
  for await (const e of packDocuments(['زبان فارسی', 'کتاب روی میز است', 'سلام دنیا'], tok, { blockSize: 16, remainder: 'pad', seed: 3 })) expected.push(e);
  t.deepEqual(r.examples, expected);
  t.true(r.examples.every((e) => e.tokens.length === 16));
  t.deepEqual(documentsOf(r.examples), ['زبان فارسی', 'کتاب روی میز است', 'سلام دنیا']);
  t.deepEqual(r.files, [file]);
  t.deepEqual(r.stats, { records: 3, skipped: 0, examples: r.examples.length, tokens: 16 * r.examples.length });
  t.deepEqual(await readTrainingExamples(file, 'text', tok, 16, 3), expected, 'the train --data wrapper gives the same');
});

test('a .jsonl path: Alpaca and prompt/response records, loss on the response and EOS only', async (t) => {
  const root = dir({ 'sft.jsonl': jsonl([{ instruction: 'ترجمه کن', input: 'Hello', output: 'سلام' }, { prompt: 'Q: 2+2?', response: ' 4' }, { instruction: 'Count', output: 3 }]) });
  const r = await read(join(root, 'sft.jsonl'), 512);
  t.deepEqual(r.examples.map((e) => trainedText(e.tokens, e.weights)), ['سلام</s>', ' 4</s>', '3</s>']);
  t.is(promptOf(r.examples[0]!), '<s>Below is an instruction that describes a task, paired with an input that provides further context. Write a response that appropriately completes the request.\n\n### Instruction:\nترجمه کن\n\n### Input:\nHello\n\n### Response:\n');
  t.is(promptOf(r.examples[1]!), '<s>Q: 2+2?');
  t.true(promptOf(r.examples[2]!).includes('### Instruction:\nCount\n\n### Response:\n') && !promptOf(r.examples[2]!).includes('### Input'));
  t.deepEqual(r.stats, { records: 3, skipped: 0, examples: 3, tokens: r.examples.reduce((n, e) => n + e.tokens.length, 0) });
  t.deepEqual(await readTrainingExamples(join(root, 'sft.jsonl'), 'jsonl', tok, 512, 0), r.examples);
});

test('text from JSONL, JSON array, CSV, TSV and Parquet with a named field; empty texts skipped', async (t) => {
  const root = dir({
    'a.jsonl': jsonl([{ body: 'یک', id: 1 }, { body: '  ', id: 2 }, { body: 'دو', id: 3 }]),
    'b.json': JSON.stringify([{ body: 'سه' }, { body: 'چهار' }]),
    'c.csv': 'id,body\n1,"پنج, با ویرگول"\n2,"شش\nدو خط"\n',
    'd.tsv': 'body\tid\nهفت\t1\n',
  });
  const r1 = await read({ kind: 'text', path: join(root, 'a.jsonl'), field: 'body' });
  t.deepEqual(documentsOf(r1.examples), ['یک', 'دو']);
  t.deepEqual(r1.stats, { records: 3, skipped: 1, examples: 1, tokens: 64 });
  t.deepEqual(documentsOf((await read({ kind: 'text', path: join(root, 'b.json'), field: 'body' })).examples), ['سه', 'چهار']);
  t.deepEqual(documentsOf((await read({ kind: 'text', path: join(root, 'c.csv'), field: 'body' })).examples), ['پنج, با ویرگول', 'شش\nدو خط']);
  t.deepEqual(documentsOf((await read({ kind: 'text', path: join(root, 'd.tsv'), field: 'body' })).examples), ['هفت']);
  const pq = await read({ kind: 'text', path: fixtures + 'rows-snappy.parquet', field: 'translation' }, 256);
  const docs = documentsOf(pq.examples);
  t.is(docs.length, 60);
  t.deepEqual(docs.slice(0, 2), ['Persian is beautiful', 'The weather is sunny today']);
  t.is(pq.stats.records, 60);
  // a directory: its data files in name order, each read by its extension
  const all = await read({ kind: 'text', path: root, field: 'body' }, 256);
  t.deepEqual(documentsOf(all.examples), ['یک', 'دو', 'سه', 'چهار', 'پنج, با ویرگول', 'شش\nدو خط', 'هفت']);
  t.deepEqual(all.files, ['a.jsonl', 'b.json', 'c.csv', 'd.tsv'].map((f) => join(root, f)));
});

test('text from a glob across folders and from a directory of .txt files; format overrides the extension', async (t) => {
  const root = dir({ 'x/one.txt': 'الف\n', 'x/deep/two.txt': 'ب\n', 'y/three.txt': 'پ\n', 'y/skip.md': 'no\n', 'z/data.dat': '{"text":"ت"}\n' });
  const glob = await read({ kind: 'text', path: join(root, '**/*.txt') });
  t.deepEqual(documentsOf(glob.examples), ['ب', 'الف', 'پ']);
  t.deepEqual(glob.files, [join(root, 'x/deep/two.txt'), join(root, 'x/one.txt'), join(root, 'y/three.txt')]);
  t.deepEqual(documentsOf((await read({ kind: 'text', path: join(root, 'y') })).examples), ['پ']);
  t.deepEqual(documentsOf((await read({ kind: 'text', path: join(root, 'z/data.dat'), format: 'jsonl' })).examples), ['ت']);
  await t.throwsAsync(read({ kind: 'text', path: join(root, 'nothing/*.txt') }), { code: 'ERR_DATA', message: `${join(root, 'nothing/*.txt')}: no data files found (looked for .txt, .text, .jsonl, .ndjson, .json, .csv, .tsv, .parquet)` });
});

test('parallel: the output folder of data fetch-parallel, split into documents and translation instructions by the ratio', async (t) => {
  const pairs = PAIRS.map((p) => ({ ...p, source: 'deb:x@1', license: 'GPL' }));
  const root = dir({ 'parallel.jsonl': jsonl(pairs), 'manifest.json': JSON.stringify({ output: 'parallel.jsonl', sources: [] }) });
  const r = await read({ kind: 'parallel', path: root, documents: 0.25 }, 512, 7);
  t.deepEqual(r.files, [join(root, 'parallel.jsonl')]);
  const blocks = r.examples.filter((e) => e.docBoundaries !== undefined);
  const instructions = r.examples.filter((e) => e.docBoundaries === undefined);
  const docs = documentsOf(blocks);
  t.is(docs.length, 2, '25 % of 8 pairs as documents');
  const inDocs = PAIRS.filter((p) => docs.includes(`${p.en}\n${p.fa}`) || docs.includes(`${p.fa}\n${p.en}`));
  t.is(inDocs.length, 2, 'each document is one pair, both sides');
  t.is(instructions.length, 12, 'the other 6 pairs, in both directions');
  const rest = PAIRS.filter((p) => !inDocs.includes(p));
  const trained = instructions.map((e) => trainedText(e.tokens, e.weights));
  t.deepEqual(trained.slice().sort(), rest.flatMap((p) => [`${p.fa}</s>`, `${p.en}</s>`]).sort(), 'loss on the translation (and EOS) only');
  for (const [i, e] of instructions.entries()) {
    const prompt = promptOf(e);
    const forward = i % 2 === 0;
    const pair = rest[Math.floor(i / 2)]!;
    t.true(prompt.includes(`### Input:\n${forward ? pair.en : pair.fa}\n\n### Response:\n`), prompt);
    t.regex(prompt, forward ? /Translate the following English text into Persian\.|متن انگلیسی زیر را به فارسی ترجمه کن\./ : /Translate the following Persian text into English\.|متن فارسی زیر را به انگلیسی ترجمه کن\./);
  }
  t.deepEqual(r.stats, { records: 8, skipped: 0, examples: blocks.length + 12, tokens: r.examples.reduce((n, e) => n + e.tokens.length, 0) });

  t.deepEqual(await read({ kind: 'parallel', path: root, documents: 0.25 }, 512, 7), r, 'deterministic for a seed');
  const other = await read({ kind: 'parallel', path: root, documents: 0.25 }, 512, 8);
  t.notDeepEqual(documentsOf(other.examples.filter((e) => e.docBoundaries)), docs, 'another seed draws other pairs');
  const allDocs = await read({ kind: 'parallel', path: root, documents: 1 }, 512);
  t.is(documentsOf(allDocs.examples).length, 8);
  t.true(allDocs.examples.every((e) => e.docBoundaries !== undefined));
  const noDocs = await read({ kind: 'parallel', path: join(root, 'parallel.jsonl'), documents: 0 }, 512);
  t.is(noDocs.examples.length, 16);
  t.true(noDocs.examples.every((e) => e.docBoundaries === undefined));
  const half = await read({ kind: 'parallel', path: root }, 512);
  t.is(half.examples.filter((e) => e.docBoundaries === undefined).length, 8, 'default 0.5: 4 pairs as instructions');
});

test('parallel: field names, custom templates, CSV and Parquet', async (t) => {
  const root = dir({ 'p.csv': 'english,persian\nHello,سلام\nBook,کتاب\n' });
  const r = await read({ kind: 'parallel', path: join(root, 'p.csv'), fields: { source: 'english', target: 'persian' }, documents: 0, templates: { forward: ['EN>FA'], backward: ['FA>EN'] } }, 512);
  t.deepEqual(r.examples.map((e) => trainedText(e.tokens, e.weights)), ['سلام</s>', 'Hello</s>', 'کتاب</s>', 'Book</s>']);
  t.true(promptOf(r.examples[0]!).includes('### Instruction:\nEN>FA\n\n### Input:\nHello\n'));
  t.true(promptOf(r.examples[1]!).includes('### Instruction:\nFA>EN\n\n### Input:\nسلام\n'));
  const file = fixtures + 'rows-none.parquet';
  await t.throwsAsync(read({ kind: 'parallel', path: file, fields: { source: 'translation', target: 'text' } }, 256), { code: 'ERR_DATA', message: `${file} row 37: expected a string for field "text" but received null` });
});

test('instructions: ShareGPT and messages records with the model template; prompt context masked, assistant turns trained', async (t) => {
  const root = dir({
    'chat.jsonl': jsonl([
      { conversations: [{ from: 'system', value: 'دستیار' }, { from: 'human', value: 'سلام' }, { from: 'gpt', value: 'درود' }, { from: 'human', value: 'خداحافظ' }, { from: 'gpt', value: 'بدرود' }] },
      { messages: [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello' }] },
      { instruction: 'Say yes', output: 'yes' },
    ]),
  });
  const r = await read({ kind: 'instructions', path: join(root, 'chat.jsonl') }, 512);
  t.is(decode(r.examples[0]!.tokens), '<s><|im_start|>system\nدستیار<|im_end|>\n<|im_start|>user\nسلام<|im_end|>\n<|im_start|>assistant\nدرود<|im_end|>\n<|im_start|>user\nخداحافظ<|im_end|>\n<|im_start|>assistant\nبدرود<|im_end|>\n');
  t.is(trainedText(r.examples[0]!.tokens, r.examples[0]!.weights), 'درود<|im_end|>\nبدرود<|im_end|>\n');
  t.is(trainedText(r.examples[1]!.tokens, r.examples[1]!.weights), 'Hello<|im_end|>\n');
  t.is(promptOf(r.examples[1]!), '<s><|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n');
  t.is(trainedText(r.examples[2]!.tokens, r.examples[2]!.weights), 'yes</s>', 'Alpaca records keep the Alpaca template');
  // a forced format refuses records of another shape, naming the field
  await t.throwsAsync(read({ kind: 'instructions', path: join(root, 'chat.jsonl'), format: 'messages' }, 512), { code: 'ERR_DATA', message: `${join(root, 'chat.jsonl')} line 1: expected an array of messages for field "messages" but received undefined` });
  await t.throwsAsync(read({ kind: 'instructions', path: join(root, 'chat.jsonl'), format: 'alpaca' }, 512), { code: 'ERR_DATA', message: `${join(root, 'chat.jsonl')} line 1: expected a string for field "instruction" but received undefined` });
});

test('instructions: chat records in the Alpaca template; no chat template is a clear error unless template is alpaca', async (t) => {
  const root = dir({ 'c.jsonl': jsonl([{ conversations: [{ from: 'system', value: 'Be brief.' }, { from: 'human', value: 'Hi' }, { from: 'gpt', value: 'Hello' }, { from: 'human', value: 'Bye' }, { from: 'gpt', value: 'Goodbye' }] }]) });
  const file = join(root, 'c.jsonl');
  const r = await read({ kind: 'instructions', path: file, template: 'alpaca' }, 1024);
  const e = r.examples[0]!;
  t.is(trainedText(e.tokens, e.weights), 'HelloGoodbye</s>');
  t.is(decode(e.tokens).split('### Instruction:\nBe brief.\n\nHi\n\n### Response:\nHello\n\nBelow is an instruction').length, 2);
  t.true(decode(e.tokens).endsWith('### Instruction:\nBye\n\n### Response:\nGoodbye</s>'));
  const noTemplate = { bos: 1, eos: 2, tokenize: tok.tokenize.bind(tok) };
  await t.throwsAsync(readTrainData({ kind: 'instructions', path: file }, { tokenizer: noTemplate, seqLen: 512, seed: 0 }), {
    code: 'ERR_INVALID_OPTION',
    message: /^.*c\.jsonl line 1: this is a chat record, but the model has no chat template \(no tokenizer\.chat_template in its GGUF\).*template: "alpaca"/,
  });
  const ok = await readTrainData({ kind: 'instructions', path: file, template: 'alpaca' }, { tokenizer: noTemplate, seqLen: 1024, seed: 0 });
  t.deepEqual(ok.examples, r.examples);
});

test('bad records name the file, the line (or record / row) and the field', async (t) => {
  const root = dir({
    'p.jsonl': jsonl([PAIRS[0], PAIRS[1], PAIRS[2], PAIRS[3], PAIRS[4], PAIRS[5], { en: 'x', fa: 42 }]),
    'gap.jsonl': '{"en":"a","fa":"ب"}\n\n{"en":"a"}\n',
    'bad.jsonl': '{"text":"یک"}\n{"text": oops}\n',
    'p.csv': 'en,fa\nHello,سلام\nBook\n',
    'p.json': JSON.stringify([{ en: 'a', fa: 'ب' }, { en: ['a'], fa: 'ب' }]),
    't.jsonl': jsonl([{ text: 'یک' }, { body: 'دو' }]),
    'i.jsonl': jsonl([{ instruction: 'a', output: 'b' }, { instruction: 'a', input: ['x'], output: 'b' }]),
    'n.jsonl': jsonl([{ instruction: 'a', output: 'b' }, { question: 'a', answer: 'b' }]),
    's.jsonl': jsonl([{ conversations: [{ from: 'human', value: 'a' }, { from: 'gpt' }] }]),
    'arr.jsonl': '["not", "an object"]\n',
  });
  const f = (name: string): string => join(root, name);
  const fails = (spec: TrainDataSpec, message: string, code = 'ERR_DATA') => t.throwsAsync(read(spec, 512), { code, message }, message);
  await fails({ kind: 'parallel', path: f('p.jsonl') }, `${f('p.jsonl')} line 7: expected a string for field "fa" but received number 42`);
  await fails({ kind: 'parallel', path: f('gap.jsonl') }, `${f('gap.jsonl')} line 3: expected a string for field "fa" but received undefined`);
  await fails({ kind: 'parallel', path: f('p.csv') }, `${f('p.csv')} line 3: expected 2 fields (en, fa) but found 1`, 'ERR_BAD_FORMAT');
  await fails({ kind: 'parallel', path: f('p.json') }, `${f('p.json')} record 1: expected a string for field "en" but received array of length 1`);
  await fails({ kind: 'text', path: f('t.jsonl') }, `${f('t.jsonl')} line 2: expected a string for field "text" but received undefined`);
  await fails({ kind: 'text', path: f('bad.jsonl') }, `${f('bad.jsonl')} line 2: invalid JSON (Unexpected token 'o', "{"text": oops}" is not valid JSON)`, 'ERR_BAD_FORMAT');
  await fails({ kind: 'text', path: fixtures + 'rows-zstd.parquet' }, `${fixtures}rows-zstd.parquet row 37: expected a string for field "text" but received null`);
  await fails({ kind: 'instructions', path: f('i.jsonl') }, `${f('i.jsonl')} line 2: expected a string for field "input" but received array of length 1`);
  await fails({ kind: 'instructions', path: f('n.jsonl') }, `${f('n.jsonl')} line 2: cannot tell the record's format: expected the fields instruction/output, prompt/response, conversations or messages but found "question", "answer"`);
  await fails({ kind: 'instructions', path: f('s.jsonl') }, `${f('s.jsonl')} line 1 field "conversations": message 1 has no string "value"/"content" (received undefined)`);
  await fails({ kind: 'instructions', path: f('arr.jsonl') }, `${f('arr.jsonl')} line 1: expected an object but received array of length 2`);
});

test('too long records are skipped and counted; all too long names seqLen; empty input names the file', async (t) => {
  const root = dir({ 'i.jsonl': jsonl([{ prompt: 'short', response: 'ok' }, { prompt: 'x'.repeat(100), response: 'too long' }]), 'empty.jsonl': '\n', 'empty.txt': '' });
  const r = await read({ kind: 'instructions', path: join(root, 'i.jsonl') }, 32);
  t.is(r.examples.length, 1);
  t.deepEqual(r.stats, { records: 2, skipped: 1, examples: 1, tokens: r.examples[0]!.tokens.length });
  await t.throwsAsync(read(join(root, 'i.jsonl'), 8), { code: 'ERR_DATA', message: `${join(root, 'i.jsonl')}: every record is longer than the sequence length of 8 tokens (2 skipped); raise seqLen or shorten the records` });
  await t.throwsAsync(read(join(root, 'empty.jsonl')), { code: 'ERR_DATA', message: `${join(root, 'empty.jsonl')} holds no training examples (empty file?)` });
  await t.throwsAsync(read(join(root, 'empty.txt')), { code: 'ERR_DATA', message: `${join(root, 'empty.txt')} holds no training examples (empty file?)` });
  await t.throwsAsync(read(join(root, 'missing.txt')), { code: 'ERR_FILE_NOT_FOUND', message: `Training data not found: ${join(root, 'missing.txt')}` });
  await t.throwsAsync(read({ kind: 'parallel', path: join(root, 'empty.txt') }), { code: 'ERR_DATA', message: `${join(root, 'empty.txt')}: parallel data needs records (JSONL, JSON, CSV, TSV or Parquet), not plain text` });
});

test('the schema: strict objects name unknown keys, exactly one of path and hub, ranges checked', async (t) => {
  t.true(trainDataSchema.safeParse('data.txt').success);
  const parsed = trainDataSchema.parse({ kind: 'parallel', path: 'p' });
  t.deepEqual(parsed, { kind: 'parallel', path: 'p', fields: { source: 'en', target: 'fa' }, documents: 0.5 });
  t.deepEqual(trainDataSchema.parse({ kind: 'instructions', path: 'i' }), { kind: 'instructions', path: 'i', format: 'auto', template: 'model' });
  t.deepEqual(trainDataSchema.parse({ kind: 'text', hub: { repo: 'a/b' } }), { kind: 'text', hub: { repo: 'a/b' }, field: 'text' });
  await t.throwsAsync(read({ kind: 'text', path: 'x', fields: 'y' } as never), { code: 'ERR_INVALID_OPTION', message: 'Unknown option train data.fields' });
  await t.throwsAsync(read({ kind: 'parallel', path: 'x', fields: { source: 'en', target: 'fa', extra: 'z' } } as never), { code: 'ERR_INVALID_OPTION', message: 'Unknown option train data.fields.extra' });
  await t.throwsAsync(read({ kind: 'parallel', path: 'x', documents: 1.5 }), { code: 'ERR_INVALID_OPTION', message: 'Expected a value <= 1 for train data.documents but received number 1.5' });
  await t.throwsAsync(read({ kind: 'text', path: 'x', hub: { repo: 'a/b' } }), { code: 'ERR_INVALID_OPTION', message: 'Expected exactly one of "path" or "hub" for train data.path but received "x"' });
  await t.throwsAsync(read({ kind: 'words', path: 'x' } as never), { code: 'ERR_INVALID_OPTION', message: /Expected a data path string or a \{ kind: "text" \| "parallel" \| "instructions", \.\.\. \} object/ });
  await t.throwsAsync(read({ kind: 'instructions', path: 'x', format: 'csv' } as never), { code: 'ERR_INVALID_OPTION', message: /at format: / });
});

test('an aborted signal stops reading', async (t) => {
  const root = dir({ 'a.txt': 'یک\nدو\n' });
  const controller = new AbortController();
  controller.abort(new Error('stop'));
  await t.throwsAsync(readTrainData(join(root, 'a.txt'), { tokenizer: tok, seqLen: 16, seed: 0, signal: controller.signal }), { message: 'stop' });
});

test('splitValidation keeps every k-th example apart', (t) => {
  const ex = Array.from({ length: 10 }, (_, i) => ({ tokens: Uint32Array.of(i), weights: Float32Array.of(0) }));
  const { train, validation } = splitValidation(ex, 0.2);
  t.deepEqual(validation.map((e) => e.tokens[0]), [4, 9]);
  t.is(train.length, 8);
});

test('hub: a dataset repository downloaded into the cache and read (only its data files)', async (t) => {
  const body = jsonl([PAIRS[0], PAIRS[1]]);
  const server = createServer((req, res) => {
    const url = new URL(req.url!, 'http://x');
    if (url.pathname === '/api/datasets/owner/pairs/tree/main') {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify([{ type: 'file', path: 'README.md', size: 3 }, { type: 'file', path: 'data/train.jsonl', size: Buffer.byteLength(body) }]));
    } else if (url.pathname === '/datasets/owner/pairs/resolve/main/data/train.jsonl') res.end(body);
    else if (url.pathname === '/datasets/owner/pairs/resolve/main/README.md') res.end('# x');
    else {
      res.statusCode = 404;
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => server.close());
  process.env.HF_ENDPOINT = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const cacheDir = tempDir('pl-sources-hub-');
  const r = await read({ kind: 'parallel', hub: { repo: 'owner/pairs', cacheDir }, documents: 0 }, 512);
  t.deepEqual(r.files, [join(cacheDir, 'datasets', 'owner--pairs', 'main', 'data', 'train.jsonl')]);
  t.deepEqual(r.examples.map((e) => trainedText(e.tokens, e.weights)), ['سلام</s>', 'Hello</s>', 'کتاب</s>', 'Book</s>']);
});
