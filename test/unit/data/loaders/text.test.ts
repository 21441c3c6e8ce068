import test from 'ava';
import { readText } from '../../../../lib/data/loaders/text.js';
import { collect, tempFile } from './helpers.js';

const body = '\uFEFFاولین سند\r\nدومین سند\n\n   \nسومین سند\nادامهٔ سومین\n';

test('line unit: one document per non-empty line, BOM and CR removed', async (t) => {
  const stream = readText(tempFile('a.txt', body));
  const docs = await collect(stream);
  t.deepEqual(docs.map((d) => d.text), ['اولین سند', 'دومین سند', 'سومین سند', 'ادامهٔ سومین']);
  t.is(stream.stats.records, 4);
});

test('line unit with skipEmpty false keeps blank lines', async (t) => {
  const docs = await collect(readText(tempFile('a.txt', body), { skipEmpty: false }));
  t.is(docs.length, 6);
  t.is(docs[2]!.text, '');
});

test('block unit: documents separated by blank (or whitespace-only) lines', async (t) => {
  const docs = await collect(readText(tempFile('a.txt', body), { unit: 'block' }));
  t.deepEqual(docs.map((d) => d.text), ['اولین سند\nدومین سند', 'سومین سند\nادامهٔ سومین']);
});

test('unknown option is rejected with its path', (t) => {
  t.throws(() => readText('x.txt', { unit: 'page' as 'line' }), { message: 'Expected one of "line", "block" for readText options.unit but received "page"' });
  t.throws(() => readText('x.txt', { units: 'line' } as never), { message: 'Unknown option readText options.units' });
});

test('missing file rejects when iterated', async (t) => {
  await t.throwsAsync(collect(readText('/nonexistent/file.txt')), { code: 'ENOENT' });
});
