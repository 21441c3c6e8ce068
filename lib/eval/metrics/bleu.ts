// Corpus BLEU with sacreBLEU's default signature (13a tokenizer, exp smoothing, 4-grams, no lowercasing), on 0–100.

/** Python's `str.split()` whitespace (which differs from JS `\s`: it has \x1c–\x1f and \x85, not \ufeff). */
export const PY_WHITESPACE = /[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/;

/** Python's `s.split()` with no argument: split on runs of whitespace, dropping empty ends. */
export function pySplit(text: string): string[] {
  return text.split(PY_WHITESPACE).filter((w) => w.length > 0);
}

const RULES: Array<[RegExp, string]> = [
  [/([\{-\~\[-\` -\&\(-\+\:-\@\/])/g, ' $1 '],
  [/([^0-9])([\.,])/g, '$1 $2 '],
  [/([\.,])([^0-9])/g, ' $1 $2'],
  [/([0-9])(-)/g, '$1 $2 '],
];

/** sacreBLEU's `13a` tokenizer (mteval-v13a), applied after its right-strip of the segment. */
export function tokenize13a(segment: string): string[] {
  let line = pyRstrip(segment);
  line = line.replaceAll('<skipped>', '').replaceAll('-\n', '').replaceAll('\n', ' ');
  if (line.includes('&')) {
    line = line.replaceAll('&quot;', '"').replaceAll('&amp;', '&').replaceAll('&lt;', '<').replaceAll('&gt;', '>');
  }
  line = ` ${line} `;
  for (const [re, repl] of RULES) line = line.replace(re, repl);
  return pySplit(line);
}

function pyRstrip(text: string): string {
  return text.replace(/[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/, '');
}

export const BLEU_ORDER = 4;

/** Sufficient statistics of one segment: [hypLen, refLen, correct1..4, total1..4]. */
export type BleuStats = number[];

function countNgrams(tokens: string[], maxOrder: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let n = 1; n <= maxOrder; n++) {
    for (let i = 0; i + n <= tokens.length; i++) {
      const key = `${n}\u0000${tokens.slice(i, i + n).join('\u0001')}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  return counts;
}

/** Statistics of one hypothesis against one reference. */
export function bleuStats(hypothesis: string, reference: string): BleuStats {
  const hyp = tokenize13a(hypothesis);
  const ref = tokenize13a(reference);
  const refCounts = countNgrams(ref, BLEU_ORDER);
  const correct = new Array<number>(BLEU_ORDER).fill(0);
  const total = new Array<number>(BLEU_ORDER).fill(0);
  for (const [key, count] of countNgrams(hyp, BLEU_ORDER)) {
    const n = Number(key.slice(0, key.indexOf('\u0000'))) - 1;
    total[n]! += count;
    correct[n]! += Math.min(count, refCounts.get(key) ?? 0);
  }
  return [hyp.length, ref.length, ...correct, ...total];
}

/** BLEU (0–100) from summed statistics, as sacreBLEU's `compute_bleu` with `smooth_method='exp'`. */
export function bleuFromStats(stats: BleuStats): number {
  const sysLen = stats[0]!;
  const refLen = stats[1]!;
  const correct = stats.slice(2, 2 + BLEU_ORDER);
  const total = stats.slice(2 + BLEU_ORDER, 2 + 2 * BLEU_ORDER);
  let bp = 1;
  if (sysLen < refLen) bp = sysLen > 0 ? Math.exp(1 - refLen / sysLen) : 0;
  if (!correct.some((c) => c !== 0)) return 0;
  const precisions = new Array<number>(BLEU_ORDER).fill(0);
  let smooth = 1;
  for (let n = 0; n < BLEU_ORDER; n++) {
    if (total[n] === 0) break;
    if (correct[n] === 0) {
      smooth *= 2;
      precisions[n] = 100 / (smooth * total[n]!);
    } else {
      precisions[n] = (100 * correct[n]!) / total[n]!;
    }
  }
  // sacreBLEU's my_log: log(0) is taken as -9999999999.
  const logSum = precisions.reduce((acc, p) => acc + (p === 0 ? -9999999999 : Math.log(p)), 0);
  return bp * Math.exp(logSum / BLEU_ORDER);
}

/** Element-wise sum of equal-length statistic vectors. */
export function sumStats(rows: readonly number[][]): number[] {
  const out = new Array<number>(rows[0]?.length ?? 0).fill(0);
  for (const row of rows) for (let i = 0; i < row.length; i++) out[i]! += row[i]!;
  return out;
}

/** Corpus BLEU (0–100) of hypotheses against one reference each. */
export function corpusBleu(hypotheses: readonly string[], references: readonly string[]): number {
  if (hypotheses.length !== references.length) throw new RangeError(`corpusBleu: ${hypotheses.length} hypotheses but ${references.length} references`);
  if (hypotheses.length === 0) return 0;
  return bleuFromStats(sumStats(hypotheses.map((h, i) => bleuStats(h, references[i]!))));
}
