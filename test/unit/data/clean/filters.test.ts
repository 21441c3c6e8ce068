import test from 'ava';
import { cleanTexts, Cleaner, countWords, exactKey } from '../../../../lib/data/clean/filters.js';

test('each filter removes what it should and the counts say which one did', async (t) => {
  const texts = [
    'زبان فارسی یکی از زبان‌های هندواروپایی است', // kept
    'Persian is an Indo-European language', // script
    'کوتاه', // too short (words)
    'زبان فارسی یکی از زبان‌های هندواروپایی است', // exact duplicate
    'زبان  فارسی یکی از زبان‌های هندواروپایی است ', // exact duplicate after whitespace collapse
    'تهران پایتخت ایران است و جمعیت زیادی دارد', // kept
    'تهران پایتخت ایران است و جمعیت بسیار زیادی دارد', // near duplicate
    'این متن فارسی با چند واژه English درآمیخته است', // kept (ratio 0.8)
    'یک '.repeat(60), // too long (words)
  ];
  const stream = cleanTexts(texts, { minArabicScriptRatio: 0.6, minWords: 2, maxWords: 50, nearDedup: { threshold: 0.6, seed: 5 } });
  const kept: string[] = [];
  for await (const text of stream) kept.push(text);
  t.deepEqual(kept, [texts[0], texts[5], texts[7]]);
  t.deepEqual(stream.stats, { input: 9, kept: 3, removed: { tooShort: 1, tooLong: 1, script: 1, exactDuplicate: 2, nearDuplicate: 1 } });
});

test('character bounds and the English side of the script filter', (t) => {
  const cleaner = new Cleaner({ minChars: 5, maxChars: 20, maxArabicScriptRatio: 0.1, exactDedup: false });
  t.is(cleaner.check('abcd'), 'tooShort');
  t.is(cleaner.check('a'.repeat(21)), 'tooLong');
  t.is(cleaner.check('سلام دنیا'), 'script');
  t.is(cleaner.check('hello world'), undefined);
  t.is(cleaner.check('hello world'), undefined, 'exact dedup off');
  t.deepEqual(cleaner.stats.removed, { tooShort: 1, tooLong: 1, script: 1, exactDuplicate: 0, nearDuplicate: 0 });
});

test('helpers', (t) => {
  t.is(countWords('  یک   دو\u00a0سه\nچهار '), 4);
  t.is(countWords('   '), 0);
  t.is(exactKey('Hello   World'), exactKey('hello world'));
  t.not(exactKey('hello world'), exactKey('hello word'));
  t.throws(() => new Cleaner({ minChars: -1 }), { message: 'Expected a value >= 0 for clean options.minChars but received number -1' });
});
