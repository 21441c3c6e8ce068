// Exact match and token-level F1 in the style of the SQuAD evaluation script, extended to Persian text.
import { normalizeText } from '../answers/normalize.js';

/**
 * SQuAD's `normalize_answer` (lowercase, drop punctuation, drop English articles, squeeze spaces) with two
 * extensions: Persian/Arabic letter and digit forms are unified (`normalizeText`), and punctuation means every
 * Unicode punctuation or symbol character (\p{P}, \p{S}), which on ASCII is exactly Python's `string.punctuation`.
 */
export function normalizeAnswer(text: string): string {
  return normalizeText(text)
    .replace(/[\p{P}\p{S}]/gu, '')
    .replace(/(?<![\p{L}\p{N}_])(a|an|the)(?![\p{L}\p{N}_])/gu, ' ')
    .split(/\s+/)
    .filter((w) => w.length > 0)
    .join(' ');
}

/** 1 when the normalised prediction equals the normalised reference, else 0. */
export function exactMatch(prediction: string, reference: string): number {
  return normalizeAnswer(prediction) === normalizeAnswer(reference) ? 1 : 0;
}

/** Token F1 over the bag of normalised tokens; both empty → 1, one empty → 0 (SQuAD v2 convention). */
export function tokenF1(prediction: string, reference: string): number {
  const p = normalizeAnswer(prediction).split(' ').filter((w) => w.length > 0);
  const r = normalizeAnswer(reference).split(' ').filter((w) => w.length > 0);
  if (p.length === 0 || r.length === 0) return p.length === r.length ? 1 : 0;
  const counts = new Map<string, number>();
  for (const w of r) counts.set(w, (counts.get(w) ?? 0) + 1);
  let common = 0;
  for (const w of p) {
    const c = counts.get(w) ?? 0;
    if (c > 0) {
      common += 1;
      counts.set(w, c - 1);
    }
  }
  if (common === 0) return 0;
  const precision = common / p.length;
  const recall = common / r.length;
  return (2 * precision * recall) / (precision + recall);
}
