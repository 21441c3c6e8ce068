// Greedy merge learning over word counts ("continue BPE"): repeatedly learn the most frequent adjacent-symbol candidate.
import { PersianLoraError } from '../errors.js';
import { Heap } from './heap.js';

/** How a tokenizer family segments words and which adjacent symbols may merge. */
export interface MergeSpec {
  /** Current segmentation of a word; must reflect every candidate learned so far (and the base vocabulary). */
  segment(word: string): string[];
  /** Key of the merge of adjacent symbols (left, right), or undefined when they may not merge. */
  candidate(left: string, right: string): string | undefined;
  /** Record a learned candidate; later segment() calls apply it. */
  learn(key: string): void;
  /** Segmentation of `word` after learning `key`, given its segmentation `seg` before (default: segment(word)). */
  apply?(word: string, seg: readonly string[], key: string): string[];
}

export interface LearnOptions {
  /** stop after this many merges */
  maxMerges: number;
  /** stop when the best candidate occurs fewer times than this */
  minCount: number;
  signal?: AbortSignal | undefined;
}

export interface LearnResult {
  /** learned candidate keys, in learning order */
  keys: string[];
  /** weighted occurrence count of each key when it was learned */
  counts: number[];
}

interface Entry { key: string; count: number }

/**
 * Learn merges on `words` (word → occurrence count). Each round takes the candidate with the highest weighted count
 * (ties: smallest key by code units), learns it, and re-segments only the words that contained it.
 */
export function learnMerges(words: ReadonlyMap<string, number>, spec: MergeSpec, options: LearnOptions): LearnResult {
  const list = [...words.keys()].sort();
  const freq = list.map((w) => words.get(w)!);
  const segs = list.map((w) => spec.segment(w));
  const count = new Map<string, number>();
  const where = new Map<string, Set<number>>();
  const learned = new Set<string>();

  const keysOf = (seg: readonly string[]): string[] => {
    const out: string[] = [];
    for (let k = 1; k < seg.length; k++) {
      const key = spec.candidate(seg[k - 1]!, seg[k]!);
      if (key !== undefined && !learned.has(key)) out.push(key);
    }
    return out;
  };
  const add = (delta: Map<string, number>, key: string, d: number): void => { delta.set(key, (delta.get(key) ?? 0) + d); };
  const index = (i: number, key: string): void => {
    let set = where.get(key);
    if (!set) where.set(key, (set = new Set()));
    set.add(i);
  };

  const heap = new Heap<Entry>((a, b) => a.count > b.count || (a.count === b.count && a.key < b.key));
  const init = new Map<string, number>();
  segs.forEach((seg, i) => { for (const key of keysOf(seg)) { add(init, key, freq[i]!); index(i, key); } });
  for (const [key, c] of init) { count.set(key, c); heap.push({ key, count: c }); }

  const result: LearnResult = { keys: [], counts: [] };
  while (result.keys.length < options.maxMerges) {
    if (options.signal?.aborted) throw new PersianLoraError('ERR_ABORTED', 'Merge learning aborted', { cause: options.signal.reason });
    const top = heap.pop();
    if (top === undefined) break;
    const current = count.get(top.key) ?? 0;
    if (current !== top.count) {
      if (current > 0 && current < top.count) heap.push({ key: top.key, count: current });
      continue;
    }
    if (current < options.minCount) break;
    spec.learn(top.key);
    learned.add(top.key);
    count.delete(top.key);
    result.keys.push(top.key);
    result.counts.push(current);
    const affected = where.get(top.key);
    where.delete(top.key);
    if (!affected) continue;
    const delta = new Map<string, number>();
    for (const i of affected) {
      const before = keysOf(segs[i]!);
      segs[i] = spec.apply ? spec.apply(list[i]!, segs[i]!, top.key) : spec.segment(list[i]!);
      const after = keysOf(segs[i]!);
      for (const key of before) add(delta, key, -freq[i]!);
      for (const key of after) { add(delta, key, freq[i]!); if (!before.includes(key)) index(i, key); }
    }
    for (const [key, d] of delta) {
      if (d === 0 || learned.has(key)) continue;
      const c = (count.get(key) ?? 0) + d;
      if (c <= 0) count.delete(key); else count.set(key, c);
      if (d > 0) heap.push({ key, count: c });
    }
  }
  return result;
}

/**
 * Merge, left to right, the adjacent symbols whose candidate key is `key`; returns undefined when a merged symbol
 * meets a neighbour for which `reacts(left, right)` holds (then only a full re-segmentation is exact).
 */
export function mergeOccurrences(seg: readonly string[], key: string, keyOf: (l: string, r: string) => string | undefined,
  reacts: (l: string, r: string) => boolean): string[] | undefined {
  const out: string[] = [];
  let lastMerged = false;
  for (let k = 0; k < seg.length; k++) {
    let cur = seg[k]!;
    const merging = k + 1 < seg.length && keyOf(cur, seg[k + 1]!) === key;
    if (merging) cur += seg[++k]!;
    if ((merging || lastMerged) && out.length > 0 && reacts(out[out.length - 1]!, cur)) return undefined;
    out.push(cur);
    lastMerged = merging;
  }
  return out;
}

/** Count words of a corpus: `split` turns one text into the words the tokenizer family treats separately. */
export async function countWords(corpus: AsyncIterable<string> | Iterable<string>, split: (text: string) => Iterable<string>): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for await (const text of corpus) {
    for (const w of split(text)) counts.set(w, (counts.get(w) ?? 0) + 1);
  }
  return counts;
}
