import test from 'ava';
import { readJson } from '../../../../lib/data/loaders/json.js';
import { collect, tempFile } from './helpers.js';

const jsonl = [
  '{"content": "سلام دنیا", "meta": {"lang": "fa"}}',
  '',
  '{"content": "hello world", "meta": {"lang": "en"}, "extra": 1}',
  '{"content": "بدون متا"}',
].join('\n');

test('JSONL with nested and optional field mapping', async (t) => {
  const records = await collect(readJson(tempFile('a.jsonl', jsonl), { fields: { text: 'content', lang: 'meta.lang?' } }));
  t.deepEqual(records, [{ text: 'سلام دنیا', lang: 'fa' }, { text: 'hello world', lang: 'en' }, { text: 'بدون متا' }]);
});

test('JSONL without mapping yields whole objects', async (t) => {
  const records = await collect(readJson(tempFile('a.jsonl', jsonl)));
  t.is(records.length, 3);
  t.deepEqual(records[1], { content: 'hello world', meta: { lang: 'en' }, extra: 1 });
});

test('missing required field names file, line and field', async (t) => {
  const file = tempFile('a.jsonl', jsonl);
  await t.throwsAsync(collect(readJson(file, { fields: { text: 'content', lang: 'meta.lang' } })), {
    code: 'ERR_BAD_FORMAT',
    message: `${file}:4 field "meta.lang": missing required value (mapped to "lang")`,
  });
});

test('invalid JSON line: throw by default, skip and count on request', async (t) => {
  const file = tempFile('b.jsonl', '{"text": "یک"}\n{"text": "دو",}\n{"text": "سه"}\n[1]\n');
  await t.throwsAsync(collect(readJson(file)), { message: new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2: invalid JSON`) });
  const stream = readJson(file, { onError: 'skip' });
  t.deepEqual(await collect(stream), [{ text: 'یک' }, { text: 'سه' }]);
  t.is(stream.stats.records, 2);
  t.is(stream.stats.skipped, 2);
  t.regex(stream.stats.errors[1]!, /:4: expected an object but received array of length 1$/);
});

const array = `\uFEFF[
  {"instruction": "ترجمه کن", "input": "a, b] {c}", "output": "\\"quoted\\" \\\\"},
  {"instruction": "دوم",
   "input": "",
   "output": 1},
  {"instruction": "سوم", "output": [1, {"x": "]"}]}
]
`;

test('JSON array is split element by element with the line each element starts on', async (t) => {
  const file = tempFile('a.json', array);
  const records = await collect(readJson(file, { fields: { instruction: 'instruction', input: 'input?', output: 'output' } }));
  t.deepEqual(records, [
    { instruction: 'ترجمه کن', input: 'a, b] {c}', output: '"quoted" \\' },
    { instruction: 'دوم', input: '', output: 1 },
    { instruction: 'سوم', output: [1, { x: ']' }] },
  ]);
  const stream = readJson(file, { fields: { input: 'input' }, onError: 'skip' });
  t.is((await collect(stream)).length, 2);
  t.deepEqual(stream.stats.errors, [`${file}:6 field "input": missing required value (mapped to "input")`]);
});

test('JSON array parse is independent of read chunking (large file)', async (t) => {
  const items = Array.from({ length: 3000 }, (_, i) => ({ text: `سند شماره ${i} با "نقل‌قول" و \\ و ]`, n: i }));
  const file = tempFile('big.json', JSON.stringify(items, null, 1));
  const records = await collect(readJson(file));
  t.deepEqual(records, items);
});

const arrayErrors: Array<[string, string, RegExp]> = [
  ['empty element', '[{"a":1},,{"a":2}]', /:1: empty array element before ,$/],
  ['trailing comma', '[{"a":1},\n]', /:2: trailing comma before ]$/],
  ['unclosed', '[{"a":1},\n{"a":2}', /the array is not closed \(missing \]\)$/],
  ['content after', '[{"a":1}] x', /unexpected content after the closing \] of the array$/],
];
for (const [name, content, message] of arrayErrors) {
  test(`JSON array structural error: ${name}`, async (t) => {
    await t.throwsAsync(collect(readJson(tempFile('e.json', content), { format: 'array' })), { code: 'ERR_BAD_FORMAT', message });
  });
}

test('empty array yields nothing', async (t) => {
  t.deepEqual(await collect(readJson(tempFile('e.json', ' [ ] '))), []);
});
