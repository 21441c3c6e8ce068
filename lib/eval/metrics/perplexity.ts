// Perplexity, bits per byte and bits per character from summed log-likelihoods (natural log), and lm-evaluation-harness's rolling windows.

export interface TextLoglikelihood {
  /** Sum of ln p over every token of the text. */
  logLikelihood: number;
  tokens: number;
  /** UTF-8 bytes of the text. */
  bytes: number;
  /** Whitespace-separated words of the text. */
  words: number;
  /** Unicode code points of the text (its characters; a Persian letter is one character and two UTF-8 bytes). */
  chars: number;
}

/** Count what the per-unit metrics divide by, for a text. */
export function textUnits(text: string): { bytes: number; words: number; chars: number } {
  let chars = 0;
  for (const _ of text) chars++;
  return { bytes: Buffer.byteLength(text, 'utf8'), words: text.split(/\s+/).filter((w) => w.length > 0).length, chars };
}

function totals(items: readonly TextLoglikelihood[]) {
  return items.reduce(
    (a, x) => ({ ll: a.ll + x.logLikelihood, tokens: a.tokens + x.tokens, bytes: a.bytes + x.bytes, words: a.words + x.words, chars: a.chars + x.chars }),
    { ll: 0, tokens: 0, bytes: 0, words: 0, chars: 0 },
  );
}

/** exp(−Σ ln p / Σ tokens): depends on the tokenizer, so only comparable between runs of one vocabulary. */
export function tokenPerplexity(items: readonly TextLoglikelihood[]): number {
  const t = totals(items);
  return Math.exp(-t.ll / t.tokens);
}

/** exp(−Σ ln p / Σ words), lm-evaluation-harness's `word_perplexity`. */
export function wordPerplexity(items: readonly TextLoglikelihood[]): number {
  const t = totals(items);
  return Math.exp(-t.ll / t.words);
}

/** exp(−Σ ln p / Σ bytes), lm-evaluation-harness's `byte_perplexity`. */
export function bytePerplexity(items: readonly TextLoglikelihood[]): number {
  const t = totals(items);
  return Math.exp(-t.ll / t.bytes);
}

/** −Σ ln p / (Σ bytes · ln 2): tokenizer-independent, so it compares models with different vocabularies. */
export function bitsPerByte(items: readonly TextLoglikelihood[]): number {
  const t = totals(items);
  return -t.ll / (t.bytes * Math.LN2);
}

/**
 * −Σ ln p / (Σ characters · ln 2), characters being Unicode code points: tokenizer-independent like bits per byte, and
 * the figure to read for Persian, whose letters take two UTF-8 bytes (so its bits per byte is about half of this).
 */
export function bitsPerChar(items: readonly TextLoglikelihood[]): number {
  const t = totals(items);
  return -t.ll / (t.chars * Math.LN2);
}

export interface RollingWindow {
  /** Tokens the scored ones are conditioned on (the first window's is just the prefix token). */
  context: number[];
  /** Tokens whose log-likelihoods are summed; the model is fed `context + continuation[:-1]`. */
  continuation: number[];
}

/**
 * lm-evaluation-harness's `get_rolling_token_windows` followed by `make_disjoint_window`: windows of at most
 * `maxLength` input tokens that together score every token of `tokens` exactly once. The first window is conditioned
 * on `prefixToken` (BOS) alone; each later one on as many preceding tokens as fit (`contextLength = 1`, the harness's
 * default, gives the most scored tokens per window).
 */
export function rollingWindows(tokens: readonly number[], prefixToken: number, maxLength: number, contextLength = 1): RollingWindow[] {
  if (!Number.isInteger(maxLength) || maxLength < 1 || !Number.isInteger(contextLength) || contextLength < 1 || contextLength > maxLength) {
    throw new RangeError(`rollingWindows: need 1 <= contextLength (${contextLength}) <= maxLength (${maxLength})`);
  }
  const windows: RollingWindow[] = [];
  if (tokens.length === 0) return windows;
  const predLength = maxLength - contextLength + 1;
  const first = Math.min(maxLength, tokens.length);
  windows.push({ context: [prefixToken], continuation: tokens.slice(0, first) });
  let predicted = first;
  while (predicted < tokens.length) {
    const windowPred = Math.min(tokens.length - predicted, predLength);
    const end = predicted + windowPred;
    const input = tokens.slice(end - maxLength - 1, end - 1);
    const continuation = tokens.slice(end - windowPred, end);
    windows.push({ context: input.slice(0, input.length - (continuation.length - 1)), continuation });
    predicted += windowPred;
  }
  return windows;
}
