// Context: an inference session — logits, log-likelihoods (KV reuse across options) and streamed generation.
import { parseOptions } from './config/validate.js';
import { callSchema, generateSchema, type CallOptions, type GenerateOptions } from './config/inference.js';
import { PersianLoraError, fromNativeError, invalidOption } from './errors.js';
import { linkAbort, throwIfAborted } from './abort.js';
import type { NativeAbortToken, NativeContext } from './native/addon.js';
import type { Model } from './model.js';
import type { Adapter } from './adapter.js';
import { StopMatcher, feedTokens } from './stop-matcher.js';
import { checkPromptFits, generateBatch, type Completion, type StopReason } from './batch-generation.js';

/** Streaming pace: a generation chunk returns after this many milliseconds, or at its token limit. */
const CHUNK_MS = 50;
const MAX_CHUNK = 256;
const MAX_CHUNK_WITH_STOP = 16;

export interface ContinuationScore {
  /** Sum of log p(token | everything before it) over the continuation's tokens (natural log). */
  logProb: number;
  /** Every continuation token was the most likely token. */
  greedy: boolean;
  tokenCount: number;
}

export interface GenerationChunk {
  text: string;
  tokens: Uint32Array;
}

export type { Completion, StopReason };

export interface AppliedAdapter {
  adapter: Adapter;
  /** Multiplier of the adapter's own alpha/rank scaling. Default 1. */
  scale?: number;
}

export class Context {
  readonly model: Model;
  readonly contextSize: number;
  /** Parallel sequences: continuations scored at once, prompts completed at once by completeBatch. */
  readonly sequences: number;
  #handle: NativeContext | undefined;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(model: Model, handle: NativeContext) {
    this.model = model;
    this.#handle = handle;
    const info = handle.info();
    this.contextSize = info.contextSize;
    this.sequences = info.sequences;
  }

  get #native(): NativeContext {
    if (!this.#handle) throw new PersianLoraError('ERR_DISPOSED', 'The context has been disposed');
    return this.#handle;
  }

  /** Runs native calls one at a time, in call order. */
  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #withAbort<T>(signal: AbortSignal | undefined, fn: (token: NativeAbortToken) => Promise<T>): Promise<T> {
    throwIfAborted(signal);
    const link = linkAbort(signal);
    try {
      return await fn(link.token);
    } catch (error) {
      const e = fromNativeError(error);
      if (e instanceof PersianLoraError && e.code === 'ERR_ABORTED' && signal?.aborted) throw signal.reason;
      throw e;
    } finally {
      link.release();
    }
  }

  #tokens(input: string | Uint32Array, what: string, addBos: boolean): Uint32Array {
    if (typeof input === 'string') return this.model.tokenize(input, { addBos });
    if (input instanceof Uint32Array) return input;
    throw invalidOption('a string or a Uint32Array', what, input);
  }

  /** Logits after the last token (length = vocabulary size), or after every token with `all` (tokens × vocabulary). */
  logits(tokens: Uint32Array, options: CallOptions & { all?: boolean } = {}): Promise<Float32Array> {
    if (!(tokens instanceof Uint32Array)) throw invalidOption('a Uint32Array', 'logits tokens', tokens);
    const { all = false, ...rest } = options;
    const o = parseOptions(callSchema, rest, 'logits options');
    return this.#serial(() => this.#withAbort(o.signal, (token) => this.#native.logits(tokens, all, token)));
  }

  /**
   * Splits text into context and continuation tokens as lm-evaluation-harness does: the continuation is what the
   * whole string's tokens add after the context's tokens.
   */
  splitContinuation(context: string, continuation: string, contextTokens = this.model.tokenize(context)): { context: Uint32Array; continuation: Uint32Array } {
    const whole = this.model.tokenize(context + continuation);
    const ctx = contextTokens;
    let n = 0;
    while (n < ctx.length && whole[n] === ctx[n]) n++;
    if (n === ctx.length && n < whole.length) return { context: ctx, continuation: whole.slice(n) };
    return { context: ctx, continuation: this.model.tokenize(continuation, { addBos: false }) };
  }

  /** Scores several continuations of one context; the context is decoded once and shared (KV-cache reuse). */
  scoreContinuations(context: string | Uint32Array, continuations: (string | Uint32Array)[], options: CallOptions = {}): Promise<ContinuationScore[]> {
    const o = parseOptions(callSchema, options, 'scoreContinuations options');
    if (!Array.isArray(continuations) || continuations.length === 0) throw invalidOption('a non-empty array', 'scoreContinuations continuations', continuations);
    let prefix: Uint32Array;
    let conts: Uint32Array[];
    if (typeof context === 'string' && continuations.every((c) => typeof c === 'string')) {
      const contextTokens = this.model.tokenize(context);
      const split = (continuations as string[]).map((c) => this.splitContinuation(context, c, contextTokens));
      prefix = split[0]!.context;
      conts = split.map((s) => s.continuation);
    } else {
      prefix = this.#tokens(context, 'scoreContinuations context', true);
      conts = continuations.map((c, i) => this.#tokens(c, `scoreContinuations continuations[${i}]`, false));
    }
    return this.#serial(() => this.#withAbort(o.signal, async (token) => {
      const { logProbs, greedy } = await this.#native.score(prefix, conts, token);
      return conts.map((c, i) => ({ logProb: logProbs[i]!, greedy: greedy[i] === 1, tokenCount: c.length }));
    }));
  }

  /** Log-likelihood of `continuation` after `context`. */
  async logLikelihood(context: string | Uint32Array, continuation: string | Uint32Array, options: CallOptions = {}): Promise<ContinuationScore> {
    const [score] = await this.scoreContinuations(context, [continuation as string], options);
    return score!;
  }

  /** Streams generated text chunk by chunk. Ends at end-of-generation, a stop string, maxTokens, or abort (no throw). */
  async *generate(prompt: string | Uint32Array, options: GenerateOptions = {}): AsyncGenerator<GenerationChunk, Completion, void> {
    const o = parseOptions(generateSchema, options, 'generate options');
    const promptTokens = this.#tokens(prompt, 'generate prompt', true);
    const { signal, stop, maxTokens, ...sampler } = o;
    throwIfAborted(signal);
    const matcher = new StopMatcher(stop);
    const decoder = new TextDecoder('utf-8');
    const all: number[] = [];
    let text = '';
    let stopReason: StopReason = 'maxTokens';
    // The first chunk is one token (the first text shows at once); later ones last up to CHUNK_MS natively, and
    // with stop strings stay short, since tokens decoded past a stop are wasted.
    let chunk = 1;
    let begun = false;
    while (all.length < maxTokens) {
      if (signal?.aborted) { stopReason = 'abort'; break; }
      const want = Math.min(chunk, maxTokens - all.length);
      const step = await this.#serial(() => this.#withAbort(undefined, async (token) => {
        if (!begun) await this.#native.generationBegin(promptTokens, sampler, token);
        begun = true;
        return this.#native.generationNext(want, CHUNK_MS, token);
      }));
      chunk = stop.length > 0 ? MAX_CHUNK_WITH_STOP : MAX_CHUNK;
      const { taken, emit, done } = feedTokens(matcher, decoder, (t) => this.model.tokenPiece(t), step.tokens);
      all.push(...taken);
      if (emit) {
        text += emit;
        yield { text: emit, tokens: taken };
      }
      if (done) { stopReason = 'stop'; break; }
      if (step.finished) { stopReason = step.stopReason === 'context' ? 'context' : 'eog'; break; }
    }
    if (stopReason !== 'stop') {
      const rest = matcher.flush() + decoder.decode();
      if (rest) {
        text += rest;
        yield { text: rest, tokens: new Uint32Array(0) };
      }
    }
    return { text, tokens: Uint32Array.from(all), stopReason };
  }

  /** Generates to the end and returns the whole completion. */
  async complete(prompt: string | Uint32Array, options: GenerateOptions = {}): Promise<Completion> {
    const it = this.generate(prompt, options);
    for (;;) {
      const r = await it.next();
      if (r.done) return r.value;
    }
  }

  /**
   * Completes several prompts at once, up to `sequences` in parallel (one decode per step for all of them; more
   * prompts run in later waves). `options` is shared or one object per prompt (own sampler, seed, maxTokens, stop
   * strings, signal). Greedy results equal `complete`'s for each prompt. An item whose signal aborts comes back with
   * what it generated and stopReason 'abort' while the others finish; rejects with the reason only when every
   * prompt's signal is already aborted at the call.
   */
  async completeBatch(prompts: (string | Uint32Array)[], options: GenerateOptions | GenerateOptions[] = {}): Promise<Completion[]> {
    if (!Array.isArray(prompts) || prompts.length === 0) throw invalidOption('a non-empty array of prompts', 'completeBatch prompts', prompts);
    if (Array.isArray(options) && options.length !== prompts.length) {
      throw invalidOption(`one options object per prompt (${prompts.length})`, 'completeBatch options', options);
    }
    const parsed = Array.isArray(options)
      ? options.map((o, i) => parseOptions(generateSchema, o, `completeBatch options[${i}]`))
      : prompts.map(() => parseOptions(generateSchema, options, 'completeBatch options'));
    const tokens = prompts.map((p, i) => this.#tokens(p, `completeBatch prompts[${i}]`, true));
    tokens.forEach((t, i) => checkPromptFits(t, this.contextSize, `completeBatch prompts[${i}]`));
    if (parsed.every((o) => o.signal?.aborted)) throw parsed[0]!.signal!.reason;
    return this.#serial(() => generateBatch(this.#native, (t) => this.model.tokenPiece(t), tokens, parsed, this.sequences, this.contextSize));
  }

  /** Applies LoRA adapters (replacing any applied before); an empty list removes them all. */
  setAdapters(adapters: AppliedAdapter[]): void {
    if (!Array.isArray(adapters)) throw invalidOption('an array of {adapter, scale}', 'setAdapters adapters', adapters);
    const scales = new Float32Array(adapters.length);
    adapters.forEach((a, i) => {
      if (a.adapter.model !== this.model) throw new PersianLoraError('ERR_ADAPTER', `The adapter ${a.adapter.path} was loaded for another model`);
      const scale = a.scale ?? 1;
      if (!Number.isFinite(scale)) throw invalidOption('a finite number', `setAdapters adapters[${i}].scale`, scale);
      scales[i] = scale;
    });
    try {
      this.#native.setAdapters(adapters.map((a) => a.adapter.handle), scales);
    } catch (error) {
      throw fromNativeError(error);
    }
  }

  /** Frees the context (after any running call ends). Idempotent. */
  dispose(): void {
    this.#handle?.dispose();
    this.#handle = undefined;
  }
}
