import test from 'ava';
import { arabicScriptRatio, countScript } from '../../../lib/data/script.js';

const cases: Array<[string, number, number]> = [
  ['سلام دنیا', 8, 8],
  ['hello', 5, 0],
  ['کتاب book', 8, 4],
  ['۱۲۳ 456 ،؛؟ !', 0, 0],
  ['مُحَمَّد', 4, 4],
  ['ﺳﻼﻡ', 3, 3],
  ['Привет مرحبا', 11, 5],
];
for (const [text, letters, arabicLetters] of cases) {
  test(`counts letters of ${JSON.stringify(text)}`, (t) => {
    t.deepEqual(countScript(text), { letters, arabicLetters });
    t.is(arabicScriptRatio(text), letters === 0 ? 0 : arabicLetters / letters);
  });
}
