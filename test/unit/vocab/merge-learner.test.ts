import test from 'ava';
import { countWords, learnMerges, mergeOccurrences, type MergeSpec } from '../../../lib/vocab/merge-learner.js';

/** Naive reference BPE: recount every pair from scratch each round, same tie-break (count desc, key asc). */
function naiveBpe(words: Map<string, number>, n: number, minCount: number): string[] {
  const segs = [...words.keys()].sort().map((w) => ({ seg: [...w], c: words.get(w)! }));
  const out: string[] = [];
  while (out.length < n) {
    const counts = new Map<string, number>();
    for (const { seg, c } of segs) for (let k = 1; k < seg.length; k++) { const key = `${seg[k - 1]} ${seg[k]}`; counts.set(key, (counts.get(key) ?? 0) + c); }
    const best = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0];
    if (!best || best[1] < minCount) break;
    out.push(best[0]);
    const [l, r] = best[0].split(' ');
    for (const s of segs) {
      const next: string[] = [];
      for (let k = 0; k < s.seg.length; k++) {
        if (s.seg[k] === l && s.seg[k + 1] === r) { next.push(l + r); k++; } else next.push(s.seg[k]!);
      }
      s.seg = next;
    }
  }
  return out;
}

function sequentialSpec(): MergeSpec {
  const merges: string[] = [];
  return {
    segment: (w) => { let seg = [...w]; for (const m of merges) seg = mergeOccurrences(seg, m, (l, r) => `${l} ${r}`, () => false)!; return seg; },
    candidate: (l, r) => `${l} ${r}`,
    learn: (k) => { merges.push(k); },
  };
}

const corpora: Array<[string, Map<string, number>]> = [
  ['Sennrich example', new Map([['low', 5], ['lower', 2], ['newest', 6], ['widest', 3]])],
  ['repeated letters', new Map([['aaaa', 3], ['aaab', 2], ['baaa', 1], ['abab', 4]])],
  ['Persian words', new Map([['کتاب', 4], ['کتابها', 3], ['کتابخانه', 2], ['خانه', 5], ['خانهها', 2]])],
];
for (const [name, words] of corpora) {
  test(`incremental learner equals naive recount BPE: ${name}`, (t) => {
    const got = learnMerges(words, sequentialSpec(), { maxMerges: 50, minCount: 2 });
    t.deepEqual(got.keys, naiveBpe(words, 50, 2));
  });
}

test('the learner with an apply hook gives the same merges', (t) => {
  const words = corpora[0]![1];
  const spec = sequentialSpec();
  spec.apply = (_w, seg, key) => mergeOccurrences(seg, key, (l, r) => `${l} ${r}`, () => false)!;
  t.deepEqual(learnMerges(words, spec, { maxMerges: 20, minCount: 1 }).keys, naiveBpe(words, 20, 1));
});

test('mergeOccurrences merges leftmost first and reports reacting neighbours', (t) => {
  const key = (l: string, r: string): string => l + r;
  t.deepEqual(mergeOccurrences(['a', 'a', 'a'], 'aa', key, () => false), ['aa', 'a']);
  t.deepEqual(mergeOccurrences(['x', 'a', 'b', 'y'], 'ab', key, () => false), ['x', 'ab', 'y']);
  t.is(mergeOccurrences(['x', 'a', 'b', 'y'], 'ab', key, (l, r) => l + r === 'aby'), undefined);
  t.is(mergeOccurrences(['x', 'a', 'b', 'y'], 'ab', key, (l, r) => l + r === 'xab'), undefined);
});

test('stops at maxMerges and at minCount; aborts on signal', (t) => {
  const words = corpora[0]![1];
  t.is(learnMerges(words, sequentialSpec(), { maxMerges: 3, minCount: 1 }).keys.length, 3);
  const all = learnMerges(words, sequentialSpec(), { maxMerges: 1000, minCount: 5 });
  t.true(all.counts.every((c) => c >= 5));
  const ac = new AbortController();
  ac.abort();
  t.throws(() => learnMerges(words, sequentialSpec(), { maxMerges: 5, minCount: 1, signal: ac.signal }), { code: 'ERR_ABORTED' } as never);
});

test('countWords counts words of sync and async corpora', async (t) => {
  async function* gen(): AsyncGenerator<string> { yield 'a b'; yield 'b'; }
  t.deepEqual([...await countWords(gen(), (s) => s.split(' '))], [['a', 1], ['b', 2]]);
  t.deepEqual([...await countWords(['x x'], (s) => s.split(' '))], [['x', 2]]);
});
