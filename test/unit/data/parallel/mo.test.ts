// Tests for the .mo parser on catalogs written byte by byte in both byte orders.
import test from 'ava';
import { moPairs, parseMo, parseMoHeader } from '../../../../lib/data/parallel/mo.js';
import { PersianLoraError } from '../../../../lib/errors.js';
import { buildMo } from './fixtures.js';

const HEADER = 'Project-Id-Version: demo 1.0\nLanguage: fa\nContent-Type: text/plain; charset=UTF-8\nPlural-Forms: nplurals=2; plural=(n > 1);\n';

/** Sorted by original string, as msgfmt writes them; the header (msgid "") first. */
const ENTRIES = [
  { original: '', translation: HEADER },
  { original: '%d file\u0000%d files', translation: '%d پرونده\u0000%d پرونده' },
  { original: 'Open', translation: 'باز کردن' },
  { original: 'Untranslated', translation: '' },
  { original: 'menu\u0004_File', translation: '_پرونده' },
];

for (const littleEndian of [true, false]) {
  const name = littleEndian ? 'little-endian' : 'big-endian';

  test(`parses a ${name} catalog: header, plural, context`, (t) => {
    const catalog = parseMo(buildMo(ENTRIES, littleEndian), 'demo.mo');
    t.is(catalog.littleEndian, littleEndian);
    t.is(catalog.revision, 0);
    t.deepEqual(catalog.header, {
      'Project-Id-Version': 'demo 1.0',
      Language: 'fa',
      'Content-Type': 'text/plain; charset=UTF-8',
      'Plural-Forms': 'nplurals=2; plural=(n > 1);',
    });
    t.deepEqual(catalog.entries, [
      { msgid: '%d file', msgidPlural: '%d files', msgstr: ['%d پرونده', '%d پرونده'] },
      { msgid: 'Open', msgstr: ['باز کردن'] },
      { msgid: 'Untranslated', msgstr: [''] },
      { context: 'menu', msgid: '_File', msgstr: ['_پرونده'] },
    ]);
  });

  test(`pairs a ${name} catalog: msgid/msgstr[0], msgid_plural/msgstr[1], no header, no empty`, (t) => {
    t.deepEqual(moPairs(parseMo(buildMo(ENTRIES, littleEndian), 'demo.mo')), [
      { en: '%d file', fa: '%d پرونده' },
      { en: '%d files', fa: '%d پرونده' },
      { en: 'Open', fa: 'باز کردن' },
      { en: '_File', fa: '_پرونده' },
    ]);
  });
}

test('a single plural form (nplurals=1) stands for msgid_plural too', (t) => {
  const mo = buildMo([{ original: '', translation: HEADER }, { original: '%d day\u0000%d days', translation: '%d روز' }], true);
  t.deepEqual(moPairs(parseMo(mo, 'one.mo')), [{ en: '%d day', fa: '%d روز' }, { en: '%d days', fa: '%d روز' }]);
});

test('a catalog without header decodes as UTF-8', (t) => {
  const catalog = parseMo(buildMo([{ original: 'Close', translation: 'بستن' }], false), 'bare.mo');
  t.deepEqual(catalog.header, {});
  t.deepEqual(catalog.entries, [{ msgid: 'Close', msgstr: ['بستن'] }]);
});

test('a non-UTF-8 charset named in the header is honoured', (t) => {
  const header = 'Content-Type: text/plain; charset=ISO-8859-1\n';
  const mo = buildMo([{ original: '', translation: header }, { original: 'x', translation: 'y' }], true);
  // Patch the translation bytes of entry 1 to Latin-1 "é" (0xE9), which is not valid UTF-8 on its own.
  const offset = mo.readUInt32LE(16 + 0) /* translations table */;
  const stringAt = mo.readUInt32LE(offset + 8 + 4);
  mo[stringAt] = 0xe9;
  t.deepEqual(parseMo(mo, 'latin1.mo').entries, [{ msgid: 'x', msgstr: ['é'] }]);
});

const rejects = test.macro((t, bytes: Buffer, message: string) => {
  const error = t.throws(() => parseMo(bytes, 'bad.mo'), { instanceOf: PersianLoraError });
  t.is(error?.code, 'ERR_BAD_FORMAT');
  t.is(error?.message, message);
});

test('rejects a wrong magic number', rejects, buildMo([], true, 0x12345678),
  'Malformed .mo catalog bad.mo: expected magic number 0x950412de but received 0x78563412');
test('rejects a short file', rejects, Buffer.alloc(10), 'Malformed .mo catalog bad.mo: expected at least 28 bytes of header but received 10');
test('rejects tables past the end', rejects, buildMo([{ original: 'a', translation: 'b' }], true).subarray(0, 40),
  'Malformed .mo catalog bad.mo: string tables for 1 entries run past the end of the file (40 bytes)');
test('rejects a string past the end', rejects, (() => {
  const mo = buildMo([{ original: 'a', translation: 'b' }], true);
  mo.writeUInt32LE(1000, 28 + 4);
  return mo;
})(), 'Malformed .mo catalog bad.mo: original string of entry 0 (offset 1000, length 1) runs past the end of the file');
test('rejects a newer major revision', rejects, (() => {
  const mo = buildMo([], false);
  mo.writeUInt32BE(0x00020000, 4);
  return mo;
})(), 'Malformed .mo catalog bad.mo: expected format revision 0 or 1 but received major revision 2');

test('parseMoHeader keeps values that contain colons', (t) => {
  t.deepEqual(parseMoHeader('POT-Creation-Date: 2023-01-01 10:00+0000\nbad line\n'), { 'POT-Creation-Date': '2023-01-01 10:00+0000' });
});
