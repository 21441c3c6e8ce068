import test from 'ava';
import { packDocuments } from '../../../../lib/data/formats/lm.js';
import type { TrainingExample } from '../../../../lib/data/tokenizer.js';
import { decode, FakeTokenizer } from './fake-tokenizer.js';

async function collect(it: AsyncIterable<TrainingExample>): Promise<TrainingExample[]> {
  const out = [];
  for await (const x of it) out.push(x);
  return out;
}

test('documents are joined with EOS and cut into blocks with document starts recorded', async (t) => {
  const stream = packDocuments(['سلام', 'دنیا خوب', 'ab'], new FakeTokenizer(), { blockSize: 8 });
  const blocks = await collect(stream);
  // <s>سلام</s> (6) <s>دنیا خوب</s> (10) <s>ab</s> (4) = 20 tokens → 2 full blocks, 4 dropped
  t.deepEqual(blocks.map((b) => decode(b.tokens)), ['<s>سلام</s><s>د', 'نیا خوب</s>']);
  t.deepEqual(blocks.map((b) => Array.from(b.docBoundaries!)), [[0, 6], [0]]);
  t.deepEqual(Array.from(blocks[0]!.weights), [0, 1, 1, 1, 1, 1, 0, 1]);
  t.deepEqual(Array.from(blocks[1]!.weights), [0, 1, 1, 1, 1, 1, 1, 1]);
  t.deepEqual(stream.stats, { records: 3, examples: 2, truncated: 0, skipped: 0, tokens: 16, trainTokens: 13 });
});

test('pad remainder: EOS padding at weight 0', async (t) => {
  const blocks = await collect(packDocuments(['abc', 'de'], new FakeTokenizer(), { blockSize: 6, remainder: 'pad', addBos: false }));
  t.deepEqual(blocks.map((b) => decode(b.tokens)), ['abc</s>de', '</s></s></s></s></s></s>']);
  t.deepEqual(Array.from(blocks[1]!.weights), [0, 0, 0, 0, 0, 0]);
  t.deepEqual(Array.from(blocks[0]!.docBoundaries!), [0, 4]);
  t.deepEqual(Array.from(blocks[1]!.docBoundaries!), [0]);
});

test('every token of the corpus appears once, in order, without shuffle', async (t) => {
  const docs = Array.from({ length: 50 }, (_, i) => 'x'.repeat(i % 7) + `سند${i}`);
  const blocks = await collect(packDocuments(docs, new FakeTokenizer(), { blockSize: 16, remainder: 'pad' }));
  const text = blocks.map((b) => decode(b.tokens)).join('').replace(/(<\/s>)+$/, '</s>');
  t.is(text, docs.map((d) => `<s>${d}</s>`).join(''));
  t.true(blocks.every((b) => b.tokens.length === 16));
});

test('shuffle buffer: a permutation of documents, the same for the same seed', async (t) => {
  const docs = Array.from({ length: 30 }, (_, i) => `d${String(i).padStart(2, '0')}`);
  const order = async (seed: number) => (await collect(packDocuments(docs, new FakeTokenizer(), { blockSize: 4, addBos: false, shuffleBuffer: 8, seed }))).map((b) => decode(b.tokens).slice(0, 3));
  const a = await order(1);
  t.deepEqual(await order(1), a);
  t.notDeepEqual(await order(2), a);
  t.notDeepEqual(a, docs);
  t.deepEqual([...a].sort(), docs);
});

test('options are validated', (t) => {
  t.throws(() => packDocuments([], new FakeTokenizer(), { blockSize: 1 }), { message: 'Expected a value >= 2 for packDocuments options.blockSize but received number 1' });
});
