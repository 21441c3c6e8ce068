import test from 'ava';
import { bilingualDocuments, translationInstructions, type TextPair } from '../../../../lib/data/formats/bilingual.js';

const pairs: TextPair[] = [
  { source: 'Hello', target: 'سلام' },
  { source: 'Book', target: 'کتاب' },
  { source: 'Good night', target: 'شب بخیر' },
];

async function all<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out = [];
  for await (const x of it) out.push(x);
  return out;
}

test('both orders: each pair once in each order', async (t) => {
  t.deepEqual(await all(bilingualDocuments(pairs, { order: 'both', pairsPerDocument: 2 })), ['Hello\nسلام\n\nBook\nکتاب', 'سلام\nHello\n\nکتاب\nBook', 'Good night\nشب بخیر', 'شب بخیر\nGood night']);
});

test('alternate, fixed orders and separators', async (t) => {
  t.deepEqual(await all(bilingualDocuments(pairs, { order: 'alternate', pairsPerDocument: 3, sideSeparator: ' = ', pairSeparator: '\n' })), ['Hello = سلام\nکتاب = Book\nGood night = شب بخیر']);
  t.deepEqual(await all(bilingualDocuments(pairs.slice(0, 1), { order: 'target-first' })), ['سلام\nHello']);
});

test('random order is seeded and mixes both orders', async (t) => {
  const many = Array.from({ length: 40 }, (_, i) => ({ source: `en${i}`, target: `fa${i}` }));
  const a = await all(bilingualDocuments(many, { seed: 3 }));
  t.deepEqual(await all(bilingualDocuments(many, { seed: 3 })), a);
  const sourceFirst = a.filter((d) => d.startsWith('en')).length;
  t.true(sourceFirst > 10 && sourceFirst < 30, String(sourceFirst));
});

test('translation instructions in both directions with seeded template choice', async (t) => {
  const records = await all(translationInstructions(pairs.slice(0, 2), { seed: 1 }));
  t.is(records.length, 4);
  t.deepEqual(records.map((r) => [r.input, r.output]), [['Hello', 'سلام'], ['سلام', 'Hello'], ['Book', 'کتاب'], ['کتاب', 'Book']]);
  t.true(['Translate the following English text into Persian.', 'متن انگلیسی زیر را به فارسی ترجمه کن.'].includes(records[0]!.instruction));
  t.true(['Translate the following Persian text into English.', 'متن فارسی زیر را به انگلیسی ترجمه کن.'].includes(records[1]!.instruction));
  t.deepEqual(await all(translationInstructions(pairs.slice(0, 2), { seed: 1 })), records);
  const many = await all(translationInstructions(Array(40).fill(pairs[0]), { directions: 'forward', seed: 2 }));
  t.is(new Set(many.map((r) => r.instruction)).size, 2, 'both wordings are used');
  const custom = await all(translationInstructions(pairs.slice(0, 1), { directions: 'backward', templates: { forward: ['F'], backward: ['B'] } }));
  t.deepEqual(custom, [{ instruction: 'B', input: 'سلام', output: 'Hello' }]);
});
