// Batched generation: many prompts completed in parallel sequences of one context, in waves that fit its KV cells.
import type { z } from 'zod';
import type { generateSchema } from './config/inference.js';
import { PersianLoraError, fromNativeError } from './errors.js';
import { native, type NativeAbortToken, type NativeContext } from './native/addon.js';
import { StopMatcher, feedTokens } from './stop-matcher.js';

export type ParsedGenerateOptions = z.output<typeof generateSchema>;
export type StopReason = 'eog' | 'stop' | 'maxTokens' | 'context' | 'abort';

export interface Completion {
  text: string;
  tokens: Uint32Array;
  stopReason: StopReason;
}

/** Throws ERR_CONTEXT_OVERFLOW when `prompt` plus one generated token does not fit a context of `contextSize`. */
export function checkPromptFits(prompt: Uint32Array, contextSize: number, what: string): void {
  if (prompt.length + 1 > contextSize) {
    throw new PersianLoraError('ERR_CONTEXT_OVERFLOW', `${what} plus one generated token needs ${prompt.length + 1} tokens but the context holds ${contextSize}`);
  }
}

function commonPrefix(a: Uint32Array, b: Uint32Array): number {
  let n = 0;
  while (n < a.length && n < b.length && a[n] === b[n]) n++;
  return n;
}

/**
 * Splits the items, in order, into waves of at most `sequences` that can all run to their maxTokens without the KV
 * cells running out: the common prefix (shared by the sequences) counted once, plus each prompt's rest and its
 * maxTokens − 1 generated tokens (the last one is never decoded). An item too big for that alone forms its own wave,
 * where it behaves as a lone generation does (stops with 'context' when the context is full).
 */
export function planWaves(prompts: Uint32Array[], maxTokens: number[], sequences: number, contextSize: number): number[][] {
  const waves: number[][] = [];
  let wave: number[] = [];
  const cost = (w: number[]) => {
    let shared = Infinity;
    for (const i of w) shared = Math.min(shared, commonPrefix(prompts[w[0]!]!, prompts[i]!), prompts[i]!.length - 1);
    return w.reduce((sum, i) => sum + prompts[i]!.length - shared + maxTokens[i]! - 1, shared);
  };
  for (let i = 0; i < prompts.length; i++) {
    if (wave.length > 0 && (wave.length >= sequences || cost([...wave, i]) > contextSize)) {
      waves.push(wave);
      wave = [];
    }
    wave.push(i);
  }
  if (wave.length > 0) waves.push(wave);
  return waves;
}

/** A native abort token that fires once every one of the signals has aborted (never when one is missing). */
function linkAll(signals: (AbortSignal | undefined)[]): { token: NativeAbortToken; release(): void } {
  const token = new (native().AbortToken)();
  if (signals.some((s) => !s)) return { token, release() {} };
  const check = () => { if (signals.every((s) => s!.aborted)) token.abort(); };
  for (const s of signals) s!.addEventListener('abort', check);
  return { token, release: () => { for (const s of signals) s!.removeEventListener('abort', check); } };
}

interface Running {
  matcher: StopMatcher;
  decoder: TextDecoder;
  tokens: number[];
  text: string;
  reason: StopReason | undefined;
}

const NATIVE_REASON = { eog: 'eog', maxTokens: 'maxTokens', context: 'context' } as const;

/**
 * Completes `prompts` (already tokenized and checked to fit) with their own parsed options, up to the context's
 * `sequences` at a time. Steps grow 1, 2, 4, ... tokens per sequence up to 8 when some prompt has stop strings, else
 * 32; between steps each item's stop strings (token by token: a stopped item keeps the tokens up to the one that
 * completes its stop string, as `Context.generate` does) and signal are checked, and an item that ends is stopped
 * natively (its KV cells freed). An item whose signal aborts comes back
 * with what it generated and stopReason 'abort'; the others go on.
 */
export async function generateBatch(handle: NativeContext, piece: (token: number) => Uint8Array, prompts: Uint32Array[],
  options: ParsedGenerateOptions[], sequences: number, contextSize: number): Promise<Completion[]> {
  const results: Completion[] = new Array(prompts.length);
  for (const wave of planWaves(prompts, options.map((o) => o.maxTokens), sequences, contextSize)) {
    const live = wave.filter((i) => {
      if (!options[i]!.signal?.aborted) return true;
      results[i] = { text: '', tokens: new Uint32Array(0), stopReason: 'abort' };
      return false;
    });
    if (live.length > 0) await runWave(handle, piece, live, prompts, options, results);
  }
  return results;
}

async function runWave(handle: NativeContext, piece: (token: number) => Uint8Array, wave: number[], prompts: Uint32Array[],
  options: ParsedGenerateOptions[], results: Completion[]): Promise<void> {
  const run: Running[] = wave.map((i) => ({ matcher: new StopMatcher(options[i]!.stop), decoder: new TextDecoder('utf-8'), tokens: [], text: '', reason: undefined }));
  const link = linkAll(wave.map((i) => options[i]!.signal));
  try {
    await handle.batchBegin(wave.map((i) => {
      const { signal: _s, stop: _t, maxTokens, ...sampler } = options[i]!;
      return { prompt: prompts[i]!, sampler, maxTokens };
    }), link.token);
  } catch (error) {
    const e = fromNativeError(error);
    if (!(e instanceof PersianLoraError && e.code === 'ERR_ABORTED' && link.token.aborted)) throw e;
    for (const r of run) r.reason = 'abort';
  } finally {
    link.release();
  }
  const cap = wave.some((i) => options[i]!.stop.length > 0) ? 8 : 32;
  let chunk = 1;
  try {
    while (run.some((r) => !r.reason)) {
      run.forEach((r, s) => {
        if (!r.reason && options[wave[s]!]!.signal?.aborted) {
          r.reason = 'abort';
          handle.batchStop(s);
        }
      });
      if (run.every((r) => r.reason)) break;
      const steps = await handle.batchNext(chunk);
      chunk = Math.min(chunk * 2, cap);
      run.forEach((r, s) => {
        const step = steps[s]!;
        if (r.reason) return;
        const { taken, emit, done } = feedTokens(r.matcher, r.decoder, piece, step.tokens);
        r.tokens.push(...taken);
        r.text += emit;
        if (done) {
          r.reason = 'stop';
          handle.batchStop(s);
        } else if (step.finished) {
          r.reason = NATIVE_REASON[step.stopReason as keyof typeof NATIVE_REASON] ?? 'eog';
        }
      });
    }
  } catch (error) {
    throw fromNativeError(error);
  }
  run.forEach((r, s) => {
    if (r.reason !== 'stop') r.text += r.matcher.flush() + r.decoder.decode();
    results[wave[s]!] = { text: r.text, tokens: Uint32Array.from(r.tokens), stopReason: r.reason! };
  });
}
