// Plans a vocabulary extension: new tokens (and merges), the base ids each new token's text splits into, and fertility.
import { z } from 'zod';
import { parseOptions } from '../config/validate.js';
import { PersianLoraError } from '../errors.js';
import { BpeTokenizer } from './bpe-tokenizer.js';
import { countWords } from './merge-learner.js';
import { SpmTokenizer } from './spm-tokenizer.js';
import { trainBpeMerges, bpeWords } from './train-bpe.js';
import { spmWords, trainSpmPieces } from './train-spm.js';
import { appendToVocab, type Vocab, type VocabAddition } from './vocab.js';

export const extendPlanSchema = z.strictObject({
  /** new pieces (SPM) or merges (BPE) to learn, e.g. 16000 */
  newPieces: z.number().int().min(1).max(1_000_000),
  /** least corpus occurrences for a merge (and for an SPM character) */
  minCount: z.number().int().min(1).default(2),
});
export type ExtendPlanOptions = z.input<typeof extendPlanSchema>;

export interface PlannedToken {
  /** token text as stored in tokenizer.ggml.tokens */
  text: string;
  score: number;
  type: number;
  /** ids of the base tokens this text tokenizes to under the base vocabulary (its embedding row starts as their mean) */
  baseIds: number[];
}

export interface Fertility {
  words: number;
  tokens: number;
  characters: number;
  /** tokens / whitespace-separated words */
  tokensPerWord: number;
  charactersPerToken: number;
}

export interface ExtensionPlan {
  model: string;
  /** ids of new tokens start here */
  baseTokenCount: number;
  tokens: PlannedToken[];
  /** merges to append (BPE), ranked after the base merges */
  merges: string[];
  /** new tokens that do not tokenize to themselves under the extended vocabulary (expected empty) */
  unreachable: string[];
  trainSeconds: number;
  fertility?: { before: Fertility; after: Fertility };
}

/** Tokens per word of `lines` under `tokenize`. */
export function fertility(tokenize: (text: string) => number[], lines: Iterable<string>): Fertility {
  let words = 0, tokens = 0, characters = 0;
  for (const line of lines) {
    words += line.split(/\s+/u).filter((w) => w.length > 0).length;
    characters += [...line].length;
    tokens += tokenize(line).length;
  }
  return { words, tokens, characters, tokensPerWord: words ? tokens / words : 0, charactersPerToken: tokens ? characters / tokens : 0 };
}

type Tokenizer = SpmTokenizer | BpeTokenizer;
function tokenizerFor(vocab: Vocab): Tokenizer {
  if (vocab.model === 'llama') return new SpmTokenizer(vocab);
  if (vocab.model === 'gpt2') return new BpeTokenizer(vocab);
  throw new PersianLoraError('ERR_INVALID_OPTION', `Expected tokenizer.ggml.model "llama" or "gpt2" but received "${vocab.model}"`);
}

/** Ids of a stored token text under a tokenizer, without space prefix or pre-tokenizer (the text is one symbol run). */
function idsOfPiece(tok: Tokenizer, text: string): number[] {
  return tok instanceof SpmTokenizer ? tok.tokenizeEscaped(text) : tok.tokenizeWord(text);
}

/** Learn the extension of `base` on `corpus` and describe it; `heldOut` lines, when given, get a fertility report. */
export async function planExtension(base: Vocab, corpus: AsyncIterable<string> | Iterable<string>, options: ExtendPlanOptions,
  heldOut?: readonly string[], signal?: AbortSignal): Promise<ExtensionPlan> {
  const opts = parseOptions(extendPlanSchema, options, 'planExtension options');
  const baseTok = tokenizerFor(base);
  const t0 = performance.now();
  let addition: VocabAddition;
  if (base.model === 'llama') {
    addition = trainSpmPieces(base, await countWords(corpus, spmWords), opts, signal);
  } else {
    const pre = (baseTok as BpeTokenizer).pre;
    addition = trainBpeMerges(base, await countWords(corpus, (text) => bpeWords(text, pre)), opts, signal);
  }
  const trainSeconds = (performance.now() - t0) / 1000;
  const extended = appendToVocab(base, addition);
  const extTok = tokenizerFor(extended);
  const n = base.tokens.length;
  const tokens = addition.pieces.map((text, i) => ({ text, score: addition.scores[i]!, type: addition.types[i]!, baseIds: idsOfPiece(baseTok, text) }));
  const unreachable = addition.pieces.filter((text, i) => {
    const ids = idsOfPiece(extTok, text);
    return ids.length !== 1 || ids[0] !== n + i;
  });
  const plan: ExtensionPlan = { model: base.model, baseTokenCount: n, tokens, merges: addition.merges, unreachable, trainSeconds };
  if (heldOut) {
    plan.fertility = { before: fertility((t) => baseTok.tokenize(t), heldOut), after: fertility((t) => extTok.tokenize(t), heldOut) };
  }
  return plan;
}

/** The base vocabulary with a plan's tokens and merges appended (what the GGUF writer stores). */
export function extendedVocab(base: Vocab, plan: ExtensionPlan): Vocab {
  if (plan.baseTokenCount !== base.tokens.length || plan.model !== base.model) {
    throw new PersianLoraError('ERR_INVALID_OPTION', `Expected a plan made for a "${base.model}" vocabulary of ${base.tokens.length} tokens but received one for "${plan.model}" with ${plan.baseTokenCount}`);
  }
  return appendToVocab(base, {
    pieces: plan.tokens.map((t) => t.text), scores: plan.tokens.map((t) => t.score), types: plan.tokens.map((t) => t.type), merges: plan.merges,
  });
}
