// Corpus chrF with sacreBLEU's default signature (char order 6, word order 0, beta 2, whitespace removed), on 0–100.
import { pySplit } from './bleu.js';

export const CHRF_CHAR_ORDER = 6;
export const CHRF_BETA = 2;

/** Statistics of one segment: for each order n = 1..6, [hyp n-grams, ref n-grams, matches]. */
export type ChrfStats = number[];

function charNgrams(text: string, n: number): Map<string, number> {
  // Code points, not UTF-16 units, as Python indexes strings.
  const chars = Array.from(pySplit(text).join(''));
  const counts = new Map<string, number>();
  for (let i = 0; i + n <= chars.length; i++) {
    const key = chars.slice(i, i + n).join('');
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

export function chrfStats(hypothesis: string, reference: string): ChrfStats {
  const stats: number[] = [];
  for (let n = 1; n <= CHRF_CHAR_ORDER; n++) {
    const hyp = charNgrams(hypothesis, n);
    const ref = charNgrams(reference, n);
    let hypCount = 0;
    let match = 0;
    for (const [gram, count] of hyp) {
      hypCount += count;
      match += Math.min(count, ref.get(gram) ?? 0);
    }
    let refCount = 0;
    for (const count of ref.values()) refCount += count;
    // sacreBLEU counts hypothesis n-grams only when the reference has n-grams of that order.
    stats.push(ref.size > 0 ? hypCount : 0, refCount, match);
  }
  return stats;
}

/** chrF (0–100) from summed statistics, as sacreBLEU's `_compute_f_score` without eps smoothing. */
export function chrfFromStats(stats: ChrfStats): number {
  const factor = CHRF_BETA ** 2;
  let avgPrec = 0;
  let avgRec = 0;
  let effectiveOrder = 0;
  for (let i = 0; i < CHRF_CHAR_ORDER; i++) {
    const nHyp = stats[3 * i]!;
    const nRef = stats[3 * i + 1]!;
    const nMatch = stats[3 * i + 2]!;
    if (nHyp > 0 && nRef > 0) {
      avgPrec += nMatch / nHyp;
      avgRec += nMatch / nRef;
      effectiveOrder += 1;
    }
  }
  if (effectiveOrder === 0) return 0;
  avgPrec /= effectiveOrder;
  avgRec /= effectiveOrder;
  if (avgPrec + avgRec === 0) return 0;
  return 100 * (((1 + factor) * avgPrec * avgRec) / (factor * avgPrec + avgRec));
}

/** Corpus chrF (0–100): statistics summed over segments, then one F-score, as sacreBLEU's corpus_score. */
export function corpusChrf(hypotheses: readonly string[], references: readonly string[]): number {
  if (hypotheses.length !== references.length) throw new RangeError(`corpusChrf: ${hypotheses.length} hypotheses but ${references.length} references`);
  const total = new Array<number>(3 * CHRF_CHAR_ORDER).fill(0);
  hypotheses.forEach((h, k) => chrfStats(h, references[k]!).forEach((v, i) => { total[i]! += v; }));
  return chrfFromStats(total);
}
