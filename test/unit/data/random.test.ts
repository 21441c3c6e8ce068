import test from 'ava';
import { createRng, shuffleInPlace } from '../../../lib/data/random.js';

test('same seed, same stream; different seed, different stream', (t) => {
  const a = createRng(42);
  const b = createRng(42);
  const c = createRng(43);
  const sa = Array.from({ length: 8 }, () => a.nextUint32());
  t.deepEqual(Array.from({ length: 8 }, () => b.nextUint32()), sa);
  t.notDeepEqual(Array.from({ length: 8 }, () => c.nextUint32()), sa);
});

test('uniform enough: mean and per-bucket counts of 100k draws', (t) => {
  const rng = createRng(1);
  const buckets = new Array(10).fill(0);
  let sum = 0;
  for (let i = 0; i < 100_000; i++) {
    const x = rng.next();
    sum += x;
    buckets[rng.int(10)]++;
  }
  t.true(Math.abs(sum / 100_000 - 0.5) < 0.005);
  for (const n of buckets) t.true(Math.abs(n - 10_000) < 500, String(n));
});

test('shuffle is a permutation and reproducible', (t) => {
  const items = Array.from({ length: 50 }, (_, i) => i);
  const once = shuffleInPlace([...items], createRng(9));
  t.deepEqual([...once].sort((x, y) => x - y), items);
  t.notDeepEqual(once, items);
  t.deepEqual(shuffleInPlace([...items], createRng(9)), once);
});
