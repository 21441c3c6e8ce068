import test from 'ava';
import { CsvParser, readCsv } from '../../../../lib/data/loaders/csv.js';
import { collect, tempFile } from './helpers.js';

const rfc = '\uFEFFen,fa,note\r\n"Hello, world","سلام، دنیا",plain\r\n"He said ""hi""","او گفت «سلام»",\r\n"two\r\nlines","دو\nخط","x"\r\n';

test('RFC 4180: quoted commas, doubled quotes, line breaks inside quotes, CRLF, BOM', async (t) => {
  const records = await collect(readCsv(tempFile('a.csv', rfc)));
  t.deepEqual(records, [
    { en: 'Hello, world', fa: 'سلام، دنیا', note: 'plain' },
    { en: 'He said "hi"', fa: 'او گفت «سلام»', note: '' },
    { en: 'two\r\nlines', fa: 'دو\nخط', note: 'x' },
  ]);
});

test('parser result does not depend on chunk boundaries', (t) => {
  const whole = new CsvParser();
  const expected = [...whole.push(rfc.slice(1)), ...whole.end()];
  for (let size = 1; size <= 7; size++) {
    const parser = new CsvParser();
    const rows = [];
    for (let i = 1; i < rfc.length; i += size) rows.push(...parser.push(rfc.slice(i, i + size)));
    rows.push(...parser.end());
    t.deepEqual(rows, expected, `chunk size ${size}`);
  }
  t.deepEqual(expected.map((r) => r.line), [1, 2, 3, 4]);
});

test('TSV with field mapping and no trailing newline', async (t) => {
  const file = tempFile('a.tsv', 'id\tsource\ttarget\n1\tbook\tکتاب\n2\t"a\tb"\tالف\tب');
  const stream = readCsv(file, { delimiter: '\t', fields: { en: 'source', fa: 'target' }, onError: 'skip' });
  t.deepEqual(await collect(stream), [{ en: 'book', fa: 'کتاب' }]);
  t.deepEqual(stream.stats.errors, [`${file}:3: expected 3 fields but found 4`]);
});

test('TSV without quoting treats quotes as data', async (t) => {
  const file = tempFile('a.tsv', 'en\tfa\n"quoted"\t«نقل»\n');
  t.deepEqual(await collect(readCsv(file, { delimiter: '\t', quote: null })), [{ en: '"quoted"', fa: '«نقل»' }]);
});

test('no header: columns option or numeric names', async (t) => {
  const file = tempFile('a.csv', 'a,b\nc,d\n');
  t.deepEqual(await collect(readCsv(file, { header: false })), [{ 0: 'a', 1: 'b' }, { 0: 'c', 1: 'd' }]);
  t.deepEqual(await collect(readCsv(file, { header: false, columns: ['x', 'y'] })), [{ x: 'a', y: 'b' }, { x: 'c', y: 'd' }]);
});

const malformed: Array<[string, string, string]> = [
  ['bare quote in unquoted field', 'a,b\nx,y"z\n', ':2: quote character inside an unquoted field (field 2)'],
  ['text after closing quote', 'a,b\n"x"y,z\n', ':2: unexpected character "y" after a closing quote (field 1)'],
  ['unterminated quote', 'a,b\nx,"never closed\nmore\n', ':2: unterminated quoted field (field 2)'],
  ['field count', 'a,b\nx\n', ':2: expected 2 fields but found 1'],
];
for (const [name, content, suffix] of malformed) {
  test(`malformed CSV: ${name}`, async (t) => {
    const file = tempFile('m.csv', content);
    await t.throwsAsync(collect(readCsv(file)), { code: 'ERR_BAD_FORMAT', message: file + suffix });
  });
}

test('skip mode resumes after a malformed record', async (t) => {
  const file = tempFile('m.csv', 'a,b\n1,2\n"3"x,4\n5,6\n');
  const stream = readCsv(file, { onError: 'skip' });
  t.deepEqual(await collect(stream), [{ a: '1', b: '2' }, { a: '5', b: '6' }]);
  t.is(stream.stats.skipped, 1);
});

test('missing mapped column names the field', async (t) => {
  const file = tempFile('a.csv', 'en,fa\nx,y\n');
  await t.throwsAsync(collect(readCsv(file, { fields: { text: 'persian' } })), { message: `${file}:2 field "persian": missing required value (mapped to "text")` });
});
