// Tests for the cleaning rules and filters, as tables of real UI strings from Debian's Persian catalogs and CLDR.
import test from 'ava';
import { cleanText, isTechnical, PairFilter, pairKey, rejectReason, scriptRatio, type FilterOptions } from '../../../../lib/data/parallel/clean.js';

const cleans = test.macro({
  exec(t, input: string, expected: string) {
    t.is(cleanText(input), expected);
  },
  title: (provided, input: string) => `${provided ?? 'cleans'}: ${JSON.stringify(input)}`,
});

// Format strings (printf, positional, Python, Qt, ICU/brace, shell-style).
test('printf', cleans, 'Delete %s?', 'Delete?');
test('printf Persian', cleans, 'حذف %s؟', 'حذف؟');
test('positional printf', cleans, 'Page %1$d of %2$d', 'Page of');
test('width, precision, length', cleans, 'Progress: %5.1f%% (%lu bytes)', 'Progress: % (bytes)');
test('glibc locale digits flag', cleans, '%Id پرونده', 'پرونده');
test('python named', cleans, 'Could not open %(filename)s: %(error)s', 'Could not open');
test('Qt numbered', cleans, 'Remove %1 from the playlist', 'Remove from the playlist');
test('ICU in typographic quotes', cleans, 'A file named “{0}” already exists. Do you want to replace it?', 'A file named already exists. Do you want to replace it?');
test('ICU in guillemets', cleans, 'پرونده‌ای با نام «{0}» از پیش موجود است.', 'پرونده‌ای با نام از پیش موجود است.');
test('named braces', cleans, 'Connected to {device_name}', 'Connected to');
test('shell-style braces', cleans, 'Install ${package} now', 'Install now');
test('a literal percent stays', cleans, '100% sure', '100% sure');

// Accelerator marks.
test('GTK mnemonic inside a word', cleans, 'Be_fore:', 'Before');
test('GTK mnemonic on Persian', cleans, 'صفحهٔ _جاری', 'صفحهٔ جاری');
test('identifiers keep their underscores', cleans, 'See pango_parse_markup()', 'See pango_parse_markup');
test('escaped underscore', cleans, 'Use __init__ file', 'Use _init_ file');
test('Qt/VLC ampersand', cleans, '&Advanced Open...', 'Advanced Open...');
test('ampersand inside a Persian word', cleans, 'اِ&عمال', 'اِعمال');
test('a spaced ampersand is text', cleans, 'Bl_ack & white', 'Black & white');
test('LibreOffice tilde', cleans, 'Column ~Width...', 'Column Width...');
test('LibreOffice tilde on Persian', cleans, 'نام ~جدید', 'نام جدید');
test('mnemonic letter in parentheses', cleans, 'پرونده (_F)', 'پرونده');

// Markup, entities, control and bidi characters.
test('pango bold', cleans, '<b>Ctrl</b>: make circle', 'Ctrl: make circle');
test('markup with entity and format strings', cleans,
  '<b>Ellipse</b>: %s &#215; %s; with <b>Shift</b> to draw', 'Ellipse: ×; with Shift to draw');
test('span with attributes', cleans, '<span weight="bold">Warning</span> &amp; error', 'Warning & error');
test('line break tag becomes a space', cleans, 'First line<br/>Second line', 'First line Second line');
test('angle brackets in prose are text', cleans, '<Untitled>', '<Untitled>');
test('hex entity', cleans, 'Caf&#xe9;', 'Café');
test('bidi isolates in Persian dates go', cleans, 'ساعت \u2066۱۰:۳۰\u2069', 'ساعت ۱۰:۳۰');
test('newlines and tabs collapse', cleans, 'Line one\n\tLine two', 'Line one Line two');
test('keeps ZWNJ', cleans, 'می‌خواهید', 'می‌خواهید');

const options: FilterOptions = { minChars: 2, maxChars: 60, minPersianRatio: 0.6, minLatinRatio: 0.5 };

const rejected = test.macro({
  exec(t, en: string, fa: string, reason: string | undefined) {
    t.is(rejectReason(cleanText(en), cleanText(fa), options), reason as ReturnType<typeof rejectReason>);
  },
  title: (_p, en: string, fa: string, reason: string | undefined) => `${JSON.stringify(en)} / ${JSON.stringify(fa)} → ${reason ?? 'kept'}`,
});

test(rejected, 'Open', 'باز کردن', undefined);
test(rejected, 'OK', 'تأیید', undefined);
test(rejected, '%s: %s', '%s: %s', 'empty');
test(rejected, '<b>%s</b>', '<b>%s</b>', 'empty');
test(rejected, 'GNOME', 'GNOME', 'identical');
test(rejected, 'Abidjan', 'Abidjan', 'identical');
test(rejected, 'translator-credits', 'محمد', 'technical');
test(rejected, 'org.gnome.desktop.interface', 'رابط', 'technical');
test(rejected, 'Display;Screen;Monitor;', 'نمایشگر;صفحه;', 'technical');
test(rejected, 'default:LTR', 'default:RTL', 'technical');
test(rejected, '۱۲۳', 'صد و بیست و سه', 'notEnglish');
test(rejected, 'Max (x+d, -), (0.5 < x)', 'Max (x+d, -)، (۰٫۵ < x)', 'notPersian');
test(rejected, 'Firefox Add-ons', 'Firefox Add-ons را ببینید', 'notPersian');
test(rejected, 'J', 'ژ', 'tooShort');
test(rejected, 'Print the document with all the pages and the comments in the margin', 'چاپ', 'tooLong');

test('scriptRatio counts letters only', (t) => {
  t.is(scriptRatio('فایل PDF', 'Arabic'), 4 / 7);
  t.is(scriptRatio('123 ...', 'Latin'), 0);
  t.is(scriptRatio('Café', 'Latin'), 1);
});

test('isTechnical leaves prose with dots alone', (t) => {
  t.false(isTechnical('Save As…'));
  t.false(isTechnical('Save...'));
  t.false(isTechnical('e.g. a folder'));
  t.true(isTechnical('www.example.org'));
  t.true(isTechnical('appName'));
});

test('pairKey ignores case, spacing, Arabic letter forms, ZWNJ and a trailing ellipsis or colon', (t) => {
  t.is(pairKey('Open…', 'باز كردن'), pairKey('open', 'باز کردن'));
  t.is(pairKey('Name:', 'نام‌ها'), pairKey('Name', 'نام ها'));
  t.not(pairKey('Open', 'باز کردن'), pairKey('Open', 'گشودن'));
  t.not(pairKey('Delete?', 'حذف؟'), pairKey('Delete', 'حذف'));
});

test('PairFilter counts every filter and keeps the first of duplicates', (t) => {
  const filter = new PairFilter(options);
  const kept = [
    ['_Open', '_باز کردن'],
    ['Open…', 'باز کردن'],
    ['~Open', 'باز ~کردن'],
    ['GNOME', 'GNOME'],
    ['%s', '%s'],
    ['J', 'ژ'],
    ['Close', 'بستن'],
  ].map(([en, fa]) => filter.accept(en!, fa!));
  t.deepEqual(kept, [{ en: 'Open', fa: 'باز کردن' }, undefined, undefined, undefined, undefined, undefined, { en: 'Close', fa: 'بستن' }]);
  t.is(filter.kept, 2);
  t.deepEqual(filter.removed, { empty: 1, identical: 1, technical: 0, notEnglish: 0, notPersian: 0, tooShort: 1, tooLong: 0, duplicate: 2 });
});
