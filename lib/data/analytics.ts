// Tokenizer analytics per language: fertility (tokens per word), characters per token, byte-fallback and unknown rates.
import { z } from 'zod';
import { parseOptions } from '../config/validate.js';
import { arabicScriptRatio } from './script.js';
import type { Tokenizer } from './tokenizer.js';

export const tokenizerStatsOptionsSchema = z.strictObject({
  /** True for byte-fallback tokens (`<0xE2>` pieces of a SentencePiece vocabulary). */
  isByteToken: z.custom<(id: number) => boolean>((v) => typeof v === 'function', 'a function').optional(),
  /** True for the unknown token. */
  isUnknown: z.custom<(id: number) => boolean>((v) => typeof v === 'function', 'a function').optional(),
  /** Language of every text, or a function deciding it; by default detectLanguage (Arabic-script ratio). */
  language: z.union([z.string().min(1), z.custom<(text: string) => string>((v) => typeof v === 'function', 'a function')]).optional(),
});
export type TokenizerStatsOptions = z.input<typeof tokenizerStatsOptionsSchema>;

export interface LanguageStats {
  texts: number;
  /** Words: runs of non-whitespace (Unicode whitespace). */
  words: number;
  /** Characters: Unicode code points, whitespace included. */
  chars: number;
  tokens: number;
  byteTokens: number;
  unknownTokens: number;
  /** tokens / words. */
  fertility: number;
  /** chars / tokens. */
  charsPerToken: number;
  /** byteTokens / tokens. */
  byteFallbackRate: number;
  /** unknownTokens / tokens. */
  unknownRate: number;
}

/** `fa` when at least half of the letters are Arabic script, `en` otherwise (codes configurable). */
export function detectLanguage(text: string, { arabicScript = 'fa', other = 'en', threshold = 0.5 } = {}): string {
  return arabicScriptRatio(text) >= threshold ? arabicScript : other;
}

/** Tokenize every text (no BOS, no special parsing) and sum the counts per language. */
export async function tokenizerStats(texts: AsyncIterable<string> | Iterable<string>, tokenizer: Tokenizer, options: TokenizerStatsOptions = {}): Promise<Record<string, LanguageStats>> {
  const o = parseOptions(tokenizerStatsOptionsSchema, options, 'tokenizerStats options');
  const languageOf = typeof o.language === 'string' ? () => o.language as string : o.language ?? ((text: string) => detectLanguage(text));
  const totals: Record<string, LanguageStats> = {};
  for await (const text of texts) {
    const language = languageOf(text);
    const s = (totals[language] ??= { texts: 0, words: 0, chars: 0, tokens: 0, byteTokens: 0, unknownTokens: 0, fertility: 0, charsPerToken: 0, byteFallbackRate: 0, unknownRate: 0 });
    const ids = tokenizer.tokenize(text, { addBos: false, parseSpecial: false });
    s.texts++;
    s.words += text.match(/\S+/gu)?.length ?? 0;
    for (const _ of text) s.chars++;
    s.tokens += ids.length;
    for (const id of ids) {
      if (o.isByteToken?.(id)) s.byteTokens++;
      if (o.isUnknown?.(id)) s.unknownTokens++;
    }
  }
  for (const s of Object.values(totals)) {
    s.fertility = s.words === 0 ? 0 : s.tokens / s.words;
    s.charsPerToken = s.tokens === 0 ? 0 : s.chars / s.tokens;
    s.byteFallbackRate = s.tokens === 0 ? 0 : s.byteTokens / s.tokens;
    s.unknownRate = s.tokens === 0 ? 0 : s.unknownTokens / s.tokens;
  }
  return totals;
}
