// Normalisation of digits, Persian/Arabic letter forms, spacing and case.
import test from 'ava';
import { normalizeDigits, normalizeLetters, normalizeText } from '../../../../lib/eval/answers/normalize.js';

const norm = test.macro((t, fn: (s: string) => string, input: string, expected: string) => {
  t.is(fn(input), expected);
});
test('Persian digits', norm, normalizeDigits, '۰۱۲۳۴۵۶۷۸۹', '0123456789');
test('Arabic-Indic digits and separators', norm, normalizeDigits, '٣٫١٤ و ١٬٠٠٠', '3.14 و 1,000');
test('yeh and kaf forms', norm, normalizeLetters, 'كيفيت خيلي', 'کیفیت خیلی');
test('diacritics and tatweel removed', norm, normalizeLetters, 'مُعَظّم كـــتاب', 'معظم کتاب');
test('teh marbuta, hamza alefs', norm, normalizeLetters, 'مدرسة أحمد إيران', 'مدرسه احمد ایران');
test('ZWNJ and runs of space collapse, case folds', norm, normalizeText, '  می‌شود\u00a0 OK\n', 'می شود ok');
test('presentation forms fold under NFKC', norm, normalizeText, 'ﻻ ﺏ', 'لا ب');
test('Arabic punctuation becomes ASCII', norm, normalizeText, 'سلام، چطوری؟', 'سلام, چطوری?');
