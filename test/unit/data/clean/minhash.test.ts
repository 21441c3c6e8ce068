import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { estimateJaccard, MinHasher, NearDuplicateIndex, optimalBands, shingleHashes } from '../../../../lib/data/clean/minhash.js';
import { createRng } from '../../../../lib/data/random.js';

const WORDS = 'کتاب خانه دانشگاه مدرسه زبان فارسی شهر کشور دریا کوه باران آفتاب درخت گل دوست خانواده کار بازار نان آب راه ماشین قطار شب روز'.split(' ');

function document(rng: ReturnType<typeof createRng>, words = 40): string[] {
  return Array.from({ length: words }, () => WORDS[rng.int(WORDS.length)]!);
}

function exactJaccard(a: string, b: string): number {
  const sa = shingleHashes(a, 'char', 5);
  const sb = shingleHashes(b, 'char', 5);
  let inter = 0;
  for (const h of sa) if (sb.has(h)) inter++;
  return inter / (sa.size + sb.size - inter);
}

test('band choice matches datasketch for every reference case', (t) => {
  const fixture = fileURLToPath(new URL('../../../../../test/fixtures/data/minhash-bands.json', import.meta.url));
  const { cases } = JSON.parse(readFileSync(fixture, 'utf8')) as { cases: Array<{ threshold: number; numPerm: number; bands: number; rows: number }> };
  for (const c of cases) t.deepEqual(optimalBands(c.threshold, c.numPerm), { bands: c.bands, rows: c.rows }, JSON.stringify(c));
});

test('signature agreement estimates exact shingle Jaccard within 4 standard errors', (t) => {
  const rng = createRng(7);
  const hasher = new MinHasher({ numPerm: 256, seed: 1, shingle: 'char', shingleSize: 5 });
  for (let trial = 0; trial < 20; trial++) {
    const words = document(rng);
    const edited = [...words];
    const edits = trial % 10;
    for (let e = 0; e < edits * 2; e++) edited[rng.int(edited.length)] = WORDS[rng.int(WORDS.length)]!;
    const a = words.join(' ');
    const b = edited.join(' ');
    const exact = exactJaccard(a, b);
    const estimate = estimateJaccard(hasher.signature(a), hasher.signature(b));
    const se = Math.sqrt(Math.max(exact * (1 - exact), 0.01) / 256);
    t.true(Math.abs(estimate - exact) <= 4 * se, `exact ${exact.toFixed(3)} estimate ${estimate.toFixed(3)}`);
  }
});

test('near copies are caught, distinct texts kept, and the same seed gives the same verdicts', (t) => {
  const run = (seed: number) => {
    const rng = createRng(3);
    const index = new NearDuplicateIndex({ threshold: 0.6, seed });
    const verdicts: boolean[] = [];
    const originals: string[][] = [];
    for (let i = 0; i < 100; i++) originals.push(document(rng));
    for (const words of originals) verdicts.push(index.add(words.join(' ')).duplicate);
    for (const words of originals.slice(0, 50)) {
      const copy = [...words];
      copy[rng.int(copy.length)] = 'واژه‌ای‌تازه';
      verdicts.push(index.add(copy.join(' ')).duplicate);
    }
    return verdicts;
  };
  const verdicts = run(11);
  t.is(verdicts.slice(0, 100).filter(Boolean).length, 0, 'no distinct text is removed');
  t.is(verdicts.slice(100).filter(Boolean).length, 50, 'every one-word edit is a near duplicate');
  t.deepEqual(run(11), verdicts);
});

test('word shingles and explicit bands', (t) => {
  const index = new NearDuplicateIndex({ shingle: 'word', shingleSize: 2, numPerm: 64, bands: 16, threshold: 0.5 });
  t.is(index.bands, 16);
  t.is(index.rows, 4);
  t.false(index.add('the quick brown fox jumps over the lazy dog').duplicate);
  const verdict = index.add('The quick  brown fox jumps over the lazy cat');
  t.true(verdict.duplicate);
  t.is(verdict.of, 0);
  t.false(index.add('a completely different sentence about persian grammar').duplicate);
  t.throws(() => new NearDuplicateIndex({ numPerm: 16, bands: 17 }), { message: 'Expected bands <= numPerm (16) for near-duplicate options.bands but received number 17' });
});
