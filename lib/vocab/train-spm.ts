// Learns new pieces for a SentencePiece (llama.cpp SPM) vocabulary by continuing its greedy merges on a corpus.
//
// llama.cpp's SPM tokenizer is not Viterbi: it merges adjacent symbols whose concatenation is a piece, highest score
// first. So pieces are learned as merges on words already segmented by the base vocabulary (every base merge first),
// each new piece scored just below the previous one and below every regular base piece. That makes the learner's
// simulation exactly llama.cpp's tokenization, every new piece reachable by construction, and base-only text unchanged.
import { z } from 'zod';
import { parseOptions } from '../config/validate.js';
import { learnMerges, mergeOccurrences } from './merge-learner.js';
import { SPACE_MARK, spmSegment } from './spm-tokenizer.js';
import { TOKEN_TYPE, type Vocab, type VocabAddition } from './vocab.js';

/** A character of the Arabic script (letters, marks, digits, punctuation, as Persian uses them) or the zero-width non-joiner. */
export const ARABIC_SCRIPT_CHAR = /[\p{Script=Arabic}\u200C]/u;
/** A symbol that may be part of a new piece: an optional leading ▁, then Arabic-script letters, marks or ZWNJ. */
const PERSIAN_SYMBOL = new RegExp(`^${SPACE_MARK}?[\\p{L}\\p{M}\\u200C]+$`, 'u');

/** Scores at or below this are sentinels (Llama 2 gives runs of ▁ a score of -1e9 so they merge last). */
const SENTINEL_SCORE = -1e8;

export const spmTrainSchema = z.strictObject({
  /** total pieces to add (characters included) */
  newPieces: z.number().int().min(1).max(1_000_000),
  /** a merge must occur at least this often in the corpus; a character at least this often to be added */
  minCount: z.number().int().min(1).default(2),
  /** longest piece, in characters (SentencePiece's default max_piece_length is 16) */
  maxPieceChars: z.number().int().min(2).max(64).default(16),
});
export type SpmTrainOptions = z.input<typeof spmTrainSchema>;

/** The lowest regular score of the base vocabulary; new merges are scored below it (and above the sentinels). */
export function mergeFloor(base: Vocab): number {
  let floor = 0;
  base.scores.forEach((s, i) => {
    const t = base.types[i];
    if ((t === TOKEN_TYPE.NORMAL || t === TOKEN_TYPE.USER_DEFINED) && s > SENTINEL_SCORE && s < floor) floor = s;
  });
  return floor;
}

/** Split text into the words SPM training sees: each whitespace-separated word with its leading ▁. */
export function spmWords(text: string): string[] {
  return text.split(/\s+/u).filter((w) => w.length > 0).map((w) => SPACE_MARK + w);
}

/**
 * Learn up to `newPieces` Persian pieces for an SPM vocabulary from word counts (see spmWords / countWords).
 * Returns pieces in the order to append: the Persian characters missing from the base first, then merges by rank.
 */
export function trainSpmPieces(base: Vocab, words: ReadonlyMap<string, number>, options: SpmTrainOptions, signal?: AbortSignal): VocabAddition {
  const opts = parseOptions(spmTrainSchema, options, 'trainSpmPieces options');
  const baseScore = new Map<string, number>();
  base.tokens.forEach((t, i) => baseScore.set(t, base.scores[i]!));
  const learned = new Map<string, number>();
  const floor = mergeFloor(base);
  const scoreOf = (text: string): number | undefined => baseScore.get(text) ?? learned.get(text);

  const charCount = new Map<string, number>();
  for (const [w, c] of words) for (const ch of w) if (ARABIC_SCRIPT_CHAR.test(ch)) charCount.set(ch, (charCount.get(ch) ?? 0) + c);
  const frequentMissing = [...charCount].filter(([ch, c]) => c >= opts.minCount && !baseScore.has(ch)).map(([ch]) => ch);

  // per symbol: its length in characters when it may take part in a Persian piece, -1 otherwise (cached)
  const info = new Map<string, number>();
  const lengthOf = (sym: string): number => {
    let n = info.get(sym);
    if (n === undefined) {
      const cs = [...sym];
      n = (sym === SPACE_MARK || PERSIAN_SYMBOL.test(sym)) && cs.every((c) => c === SPACE_MARK || ARABIC_SCRIPT_CHAR.test(c)) ? cs.length : -1;
      info.set(sym, n);
    }
    return n;
  };
  const candidate = (l: string, r: string): string | undefined => {
    const nl = lengthOf(l), nr = lengthOf(r);
    return nl > 0 && nr > 0 && r[0] !== SPACE_MARK && nl + nr <= opts.maxPieceChars ? l + r : undefined;
  };
  const { keys } = learnMerges(words, {
    segment: (w) => spmSegment(w, scoreOf),
    candidate,
    learn: (key) => { learned.set(key, Math.fround(floor - 1 - learned.size)); },
    // the new piece scores lowest, so merging its occurrences is exact unless a merged symbol and a neighbour form a piece
    apply: (w, seg, key) => mergeOccurrences(seg, key, candidate, (l, r) => scoreOf(l + r) !== undefined) ?? spmSegment(w, scoreOf),
  }, { maxMerges: Math.max(0, opts.newPieces - frequentMissing.length), minCount: opts.minCount, signal });

  // every character of a new piece must itself be a piece (the leaves of its merge path)
  const chars = new Set(frequentMissing);
  for (const k of keys) for (const ch of k) if (!baseScore.has(ch)) chars.add(ch);
  const charList = [...chars].sort((a, b) => (charCount.get(b) ?? 0) - (charCount.get(a) ?? 0) || (a < b ? -1 : 1));
  // a single character is never the result of a merge, so its score only has to be distinct and low
  const pieces = [...charList, ...keys].slice(0, Math.max(opts.newPieces, charList.length));
  const scores = [
    ...charList.map((_, j) => Math.fround(floor - 1 - keys.length - j)),
    ...keys.map((k) => learned.get(k)!),
  ].slice(0, pieces.length);
  return { pieces, scores, types: pieces.map(() => TOKEN_TYPE.NORMAL), merges: [] };
}
