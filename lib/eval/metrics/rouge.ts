// ROUGE-1/2/L F-measures as rouge-score computes them, with its default tokenizer or one that keeps non-ASCII words.

/**
 * The ROUGE tokenizer: lowercase (`toLowerCase`), then split on every run of characters that are not letters
 * (\p{L}), combining marks (\p{M}) or digits (\p{N}), dropping empty pieces. Marks are kept so that words carrying
 * diacritics (e.g. a shadda) stay whole; ZWNJ (U+200C, a format character) splits, so `می‌شود` and `می شود` give the
 * same tokens. On ASCII text it equals rouge-score's default tokenizer without stemming.
 */
export function rougeTokenize(text: string): string[] {
  return text.toLowerCase().split(/[^\p{L}\p{M}\p{N}]+/u).filter((t) => t.length > 0);
}

/**
 * rouge-score's default tokenizer (`tokenize.tokenize` without stemming): lowercase, every run outside [a-z0-9]
 * becomes a space, tokens split on whitespace. Every non-ASCII word is dropped, so Persian text has no tokens and
 * scores 0, as lm-evaluation-harness and rouge-score report it.
 */
export function rougeDefaultTokenize(text: string): string[] {
  return text.toLowerCase().split(/[^a-z0-9]+/).filter((t) => t.length > 0);
}

/** The tokenizers a task may choose (`rouge: { tokenizer }`): `unicode` (the default) or rouge-score's `default`. */
export const ROUGE_TOKENIZERS = { unicode: rougeTokenize, default: rougeDefaultTokenize } as const;
export type RougeTokenizerName = keyof typeof ROUGE_TOKENIZERS;

export interface RougeScore {
  precision: number;
  recall: number;
  fmeasure: number;
}

function fmeasure(precision: number, recall: number): number {
  return precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
}

function ngramCounts(tokens: readonly string[], n: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i + n <= tokens.length; i++) {
    const key = tokens.slice(i, i + n).join('\u0001');
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/** ROUGE-N of prediction tokens against target tokens (clipped n-gram overlap). */
export function rougeN(target: readonly string[], prediction: readonly string[], n: number): RougeScore {
  const t = ngramCounts(target, n);
  const p = ngramCounts(prediction, n);
  let overlap = 0;
  for (const [gram, count] of t) overlap += Math.min(count, p.get(gram) ?? 0);
  const tTotal = Math.max(target.length - n + 1, 0);
  const pTotal = Math.max(prediction.length - n + 1, 0);
  const precision = overlap / Math.max(pTotal, 1);
  const recall = overlap / Math.max(tTotal, 1);
  return { precision, recall, fmeasure: fmeasure(precision, recall) };
}

/** Length of the longest common subsequence of two token lists. */
export function lcsLength(a: readonly string[], b: readonly string[]): number {
  let prev = new Array<number>(b.length + 1).fill(0);
  let cur = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      cur[j] = a[i - 1] === b[j - 1] ? prev[j - 1]! + 1 : Math.max(prev[j]!, cur[j - 1]!);
    }
    [prev, cur] = [cur, prev];
  }
  return prev[b.length]!;
}

/** ROUGE-L (sentence-level LCS, not the summary-level `rougeLsum`). */
export function rougeL(target: readonly string[], prediction: readonly string[]): RougeScore {
  if (target.length === 0 || prediction.length === 0) return { precision: 0, recall: 0, fmeasure: 0 };
  const lcs = lcsLength(target, prediction);
  const precision = lcs / prediction.length;
  const recall = lcs / target.length;
  return { precision, recall, fmeasure: fmeasure(precision, recall) };
}

export interface RougeF {
  rouge1: number;
  rouge2: number;
  rougeL: number;
}

/** F-measures of ROUGE-1, ROUGE-2 and ROUGE-L (0–1) of one prediction against one reference. */
export function rougeScores(reference: string, prediction: string, tokenize: (text: string) => string[] = rougeTokenize): RougeF {
  const t = tokenize(reference);
  const p = tokenize(prediction);
  return { rouge1: rougeN(t, p, 1).fmeasure, rouge2: rougeN(t, p, 2).fmeasure, rougeL: rougeL(t, p).fmeasure };
}
