// Sends one model request of a task to a context: options scored by log-likelihood, a greedy completion, or a text's perplexity.
import type { Context } from '../../context.js';
import { checkPromptFits } from '../../batch-generation.js';
import { PersianLoraError } from '../../errors.js';
import type { GenerateOptions } from '../../config/inference.js';
import { rollingWindows } from '../metrics/perplexity.js';
import type { Prompt } from '../tasks/prompt.js';
import type { ModelRequest } from '../tasks/requests.js';
import type { GenerationSettings } from '../tasks/schema.js';
import type { ModelAnswer } from '../tasks/score.js';

/**
 * The prompt as the model sees it: a text prompt is tokenized by the context (BOS added, special-token text kept
 * as text); a chat prompt is rendered with the model's chat template and tokenized with special tokens parsed, as
 * llama-server does.
 */
export function promptInput(context: Context, prompt: Prompt): string | Uint32Array {
  if (prompt.kind === 'text') return prompt.text;
  const text = context.model.applyChatTemplate(prompt.messages, { addAssistant: true });
  return context.model.tokenize(text, { addBos: true, special: true });
}

/** The sampler settings of a task's generation block (greedy: temperature 0; penalty over the whole context, as HF). */
export function generateOptions(g: GenerationSettings, signal?: AbortSignal): GenerateOptions {
  return {
    maxTokens: g.maxTokens,
    temperature: g.sampling === 'greedy' ? 0 : g.temperature,
    topK: g.topK,
    topP: g.topP,
    minP: 0,
    seed: g.seed,
    repeatPenalty: g.repetitionPenalty,
    repeatLastN: -1,
    stop: g.stop,
    ...(signal ? { signal } : {}),
  };
}

/**
 * Σ ln p over every token of `text`, in lm-evaluation-harness's rolling windows of at most `maxLength` input tokens
 * (each token scored once; the first conditioned on BOS, each later window on as many preceding tokens as fit).
 */
export async function textLogLikelihood(context: Context, text: string, maxLength: number, signal?: AbortSignal): Promise<{ logLikelihood: number; tokens: number }> {
  const model = context.model;
  const tokens = Array.from(model.tokenize(text, { addBos: false }));
  const prefix = model.info.bos >= 0 ? model.info.bos : model.info.eos;
  let logLikelihood = 0;
  for (const w of rollingWindows(tokens, prefix, maxLength)) {
    const s = await context.logLikelihood(Uint32Array.from(w.context), Uint32Array.from(w.continuation), signal ? { signal } : {});
    logLikelihood += s.logProb;
  }
  return { logLikelihood, tokens: tokens.length };
}

/**
 * What the model answers to `request`, or null when the signal stopped generation before it ended (a cut-off output
 * must not be scored). Log-likelihood: one scoreContinuations call per item, the prompt decoded once and every
 * option (a continuation task's one target) scored in parallel sequences, each with its greedy flag. Rejects with the
 * signal's reason when aborted during scoring.
 */
export async function answerRequest(context: Context, request: ModelRequest, maxLength: number, signal?: AbortSignal): Promise<ModelAnswer | null> {
  const call = signal ? { signal } : {};
  if (request.mode === 'loglikelihood') {
    const input = promptInput(context, request.prompt);
    const conts = typeof input === 'string' ? request.continuations : request.continuations.map((c) => context.model.tokenize(c, { addBos: false }));
    const scores = await context.scoreContinuations(input, conts, call);
    return { mode: 'loglikelihood', logLikelihoods: scores.map((s) => s.logProb), greedy: scores.map((s) => s.greedy) };
  }
  if (request.mode === 'generate') {
    const completion = await context.complete(promptInput(context, request.prompt), generateOptions(request.generation, signal));
    if (completion.stopReason === 'abort') return null;
    return { mode: 'generate', text: completion.text };
  }
  return { mode: 'perplexity', ...(await textLogLikelihood(context, request.text, maxLength, signal)) };
}

/** What a batch of generate requests gave, item by item: an answer, null (cut off by the signal), or an overflow. */
export type GeneratedAnswer = ModelAnswer | null | { overflow: string };

/**
 * Generates the answers of several generate requests at once (`Context.completeBatch`: up to the context's
 * `sequences` in parallel, each with its task's sampler settings). A prompt that does not fit the context comes back
 * as `{ overflow }` with the message a lone generation throws; an item the signal cut off comes back null, the items
 * finished before it are kept.
 */
export async function answerGenerations(context: Context, requests: Extract<ModelRequest, { mode: 'generate' }>[], signal?: AbortSignal): Promise<GeneratedAnswer[]> {
  const out: GeneratedAnswer[] = new Array(requests.length);
  const prompts: Uint32Array[] = [];
  const fits: number[] = [];
  requests.forEach((r, i) => {
    const input = promptInput(context, r.prompt);
    const tokens = typeof input === 'string' ? context.model.tokenize(input, { addBos: true }) : input;
    try {
      checkPromptFits(tokens, context.contextSize, 'The prompt');
      prompts.push(tokens);
      fits.push(i);
    } catch (error) {
      if (!(error instanceof PersianLoraError && error.code === 'ERR_CONTEXT_OVERFLOW')) throw error;
      out[i] = { overflow: error.message };
    }
  });
  if (prompts.length > 0) {
    const completions = await context.completeBatch(prompts, fits.map((i) => generateOptions(requests[i]!.generation, signal)));
    completions.forEach((c, k) => { out[fits[k]!] = c.stopReason === 'abort' ? null : { mode: 'generate', text: c.text }; });
  }
  return out;
}
