import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { readParquet } from '../../../../lib/data/loaders/parquet.js';
import { collect, tempFile } from './helpers.js';

// Fixtures written by test/reference/data/make_parquet_fixture.py (pyarrow): 60 rows in 3 row groups, row 37 has text = null.
const fixtures = fileURLToPath(new URL('../../../../../test/fixtures/data/', import.meta.url));
const expected = JSON.parse(readFileSync(fixtures + 'rows.json', 'utf8')) as Array<Record<string, unknown>>;

for (const codec of ['none', 'snappy', 'zstd']) {
  test(`reads every row of the ${codec} fixture as pyarrow wrote it`, async (t) => {
    const rows = await collect(readParquet(fixtures + `rows-${codec}.parquet`));
    t.is(rows.length, 60);
    t.deepEqual(rows, expected);
  });
}

test('field mapping reads only the mapped columns, nested paths included', async (t) => {
  const file = fixtures + 'rows-snappy.parquet';
  const stream = readParquet(file, { fields: { fa: 'text', split: 'meta.split' }, onError: 'skip', batchRows: 7 });
  const rows = await collect(stream);
  t.is(rows.length, 59);
  t.deepEqual(rows[0], { fa: expected[0]!.text, split: 'test' });
  t.deepEqual(Object.keys(rows[10]!).sort(), ['fa', 'split']);
  t.deepEqual(stream.stats, { records: 59, skipped: 1, errors: [`${file} row 37 field "text": missing required value (mapped to "fa")`] });
});

test('null required value throws with file, row and field', async (t) => {
  const file = fixtures + 'rows-none.parquet';
  await t.throwsAsync(collect(readParquet(file, { fields: { fa: 'text' } })), { code: 'ERR_BAD_FORMAT', message: `${file} row 37 field "text": missing required value (mapped to "fa")` });
});

test('unknown column and non-Parquet input', async (t) => {
  const file = fixtures + 'rows-none.parquet';
  await t.throwsAsync(collect(readParquet(file, { fields: { x: 'nope' } })), { message: `${file}: no column "nope" (columns: id, text, translation, meta)` });
  const bad = tempFile('bad.parquet', 'not parquet at all, just text');
  await t.throwsAsync(collect(readParquet(bad)), { code: 'ERR_BAD_FORMAT' });
  await t.throwsAsync(collect(readParquet('/nonexistent.parquet')), { code: 'ERR_FILE_NOT_FOUND' });
});
