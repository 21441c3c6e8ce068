// Learns new merges for a byte-level BPE vocabulary (llama.cpp "gpt2": Llama 3, Qwen2) by continuing BPE on a corpus.
import { z } from 'zod';
import { parseOptions } from '../config/validate.js';
import { LLAMA3_PRE, bpePreTokenizer, bpeSegment, byteEncode, preTokenize, type BpePreTokenizer } from './bpe-tokenizer.js';
import { learnMerges, mergeOccurrences } from './merge-learner.js';
import { ARABIC_SCRIPT_CHAR } from './train-spm.js';
import { TOKEN_TYPE, type Vocab, type VocabAddition } from './vocab.js';

export const bpeTrainSchema = z.strictObject({
  /** merges to learn (each adds a token unless its result already is one) */
  newPieces: z.number().int().min(1).max(1_000_000),
  /** a merge must occur at least this often in the corpus */
  minCount: z.number().int().min(1).default(2),
  /** longest new token, in bytes */
  maxPieceBytes: z.number().int().min(2).max(256).default(48),
});
export type BpeTrainOptions = z.input<typeof bpeTrainSchema>;

/** The byte-encoded pre-tokenizer words of a text that contain a Persian letter (the only ones trained on). */
export function bpeWords(text: string, pre: BpePreTokenizer = LLAMA3_PRE): string[] {
  return preTokenize(text, pre).filter((w) => ARABIC_SCRIPT_CHAR.test(w)).map(byteEncode);
}

/**
 * Learn up to `newPieces` merges from byte-encoded word counts (see bpeWords / countWords). Existing merges are applied
 * first (the words are segmented by the base vocabulary); new merges are ranked after all existing ones.
 */
export function trainBpeMerges(base: Vocab, words: ReadonlyMap<string, number>, options: BpeTrainOptions, signal?: AbortSignal): VocabAddition {
  const opts = parseOptions(bpeTrainSchema, options, 'trainBpeMerges options');
  const { ignoreMerges } = bpePreTokenizer(base);
  const ranks = new Map<string, number>();
  base.merges.forEach((m, i) => { if (!ranks.has(m)) ranks.set(m, i); });
  const tokens = new Set(base.tokens);
  const newTokens: string[] = [];
  const merges: string[] = [];
  const rankOf = (l: string, r: string): number | undefined => ranks.get(`${l} ${r}`);
  const candidate = (l: string, r: string): string | undefined => (l.length + r.length <= opts.maxPieceBytes ? `${l} ${r}` : undefined);
  const segment = (w: string): string[] => bpeSegment(w, rankOf, (t) => ignoreMerges && tokens.has(t));

  learnMerges(words, {
    segment,
    candidate,
    learn: (key) => {
      ranks.set(key, base.merges.length + merges.length);
      merges.push(key);
      const text = key.replace(' ', '');
      if (!tokens.has(text)) { tokens.add(text); newTokens.push(text); }
    },
    // the new merge ranks last, so merging its occurrences is exact unless the result already was a token (then
    // existing merges may involve it), a merged symbol meets a neighbour it has a merge with, or (ignore_merges)
    // it completes the whole word
    apply: (w, seg, key) => {
      const text = key.replace(' ', '');
      if (newTokens[newTokens.length - 1] !== text) return segment(w);
      return mergeOccurrences(seg, key, candidate, (l, r) => rankOf(l, r) !== undefined) ?? segment(w);
    },
  }, { maxMerges: opts.newPieces, minCount: opts.minCount, signal });

  return { pieces: newTokens, scores: newTokens.map(() => 0), types: newTokens.map(() => TOKEN_TYPE.NORMAL), merges };
}
