// Batched generation (Context.completeBatch, the addon's batch calls) against one-at-a-time generation.
import test from 'ava';
import { loadModel, type Model } from '../../lib/model.js';
import type { Context, Completion } from '../../lib/context.js';
import type { GenerateOptions } from '../../lib/config/inference.js';
import { tinyModel } from './helpers.js';
import { abortOnRead } from '../helpers/abort-on-read.js';

const PROMPTS = [
  'Once upon a time',
  'Once upon a time there was a king',
  'The weather today is',
  'Question: what is two plus two? Answer:',
  'Once upon a time there was a queen who',
  'In the beginning',
  'A list of fruits: apple, banana,',
];
const SHAPE = { vocab: 'llama-spm', layers: 2, dim: 64, heads: 4, kvHeads: 2 } as const;
const CTX = { contextSize: 1024, threads: 2 };

const models: Record<string, Model> = {};
test.before(async () => {
  models['f32'] = await loadModel(await tinyModel({ ...SHAPE, quant: 'f32' }));
  models['q8_0'] = await loadModel(await tinyModel({ ...SHAPE, quant: 'q8_0' }));
});
test.after.always(() => {
  for (const m of Object.values(models)) m.dispose();
});

/** One prompt at a time with `complete`, in a context with a single sequence. */
async function oneAtATime(model: Model, prompts: (string | Uint32Array)[], options: GenerateOptions[], contextSize = CTX.contextSize): Promise<Completion[]> {
  const ctx = await model.createContext({ ...CTX, contextSize, sequences: 1 });
  const out: Completion[] = [];
  for (const [i, p] of prompts.entries()) out.push(await ctx.complete(p, options[i]));
  ctx.dispose();
  return out;
}

const same = (t: import('ava').ExecutionContext, got: Completion[], want: Completion[]) => {
  t.is(got.length, want.length);
  got.forEach((g, i) => {
    t.deepEqual(Array.from(g.tokens), Array.from(want[i]!.tokens), `prompt ${i}: tokens`);
    t.is(g.text, want[i]!.text, `prompt ${i}: text`);
    t.is(g.stopReason, want[i]!.stopReason, `prompt ${i}: stop reason`);
  });
};

/**
 * ggml's CPU kernels round differently for one token than for several in a decode (single-token products vs batched
 * ones, activations converted per shape): on these tiny models, whose logits all lie within ±0.7, the last logits of
 * a prompt decoded in one batch differ from decoding its last token alone by up to 2e-4 (f32) and 5e-3 (q8_0).
 * f32 greedy generation still agrees token for token here; q8_0 meets near-ties (top two logits within 4e-3) within
 * a few tokens, so it is held to this: the batched tokens equal the one-at-a-time ones up to the first difference,
 * and there the logits of both tokens (recomputed by one decode of the prompt and the tokens before) are within
 * NEAR_TIE of each other.
 */
const NEAR_TIE = 0.02;

async function followsUpToNearTie(t: import('ava').ExecutionContext, ctx: Context, prompt: string, got: Completion, want: Completion): Promise<boolean> {
  const k = want.tokens.findIndex((tok, j) => tok !== got.tokens[j]);
  if (k < 0 && got.tokens.length === want.tokens.length) return false;
  t.true(k >= 0 && k < got.tokens.length, 'the batched tokens differ from the one-at-a-time ones at a token, not in length');
  const row = await ctx.logits(Uint32Array.from([...ctx.model.tokenize(prompt), ...want.tokens.slice(0, k)]));
  const gap = row[want.tokens[k]!]! - row[got.tokens[k]!]!;
  t.true(Math.abs(gap) < NEAR_TIE, `at token ${k} the logits of the two tokens differ by ${gap}, not a near-tie`);
  return true;
}

for (const quant of ['f32', 'q8_0']) {
  test.serial(`${quant}: greedy batched generation equals one-at-a-time generation, in waves of 3 sequences`, async (t) => {
    const model = models[quant]!;
    const options = PROMPTS.map(() => ({ maxTokens: 24 }));
    const want = await oneAtATime(model, PROMPTS, options);
    const ctx = await model.createContext({ ...CTX, sequences: 3 });
    const got = await ctx.completeBatch(PROMPTS, { maxTokens: 24 });
    t.true(got.every((c) => c.tokens.length > 0));
    if (quant === 'f32') same(t, got, want);
    else {
      const single = await model.createContext({ ...CTX, sequences: 1 });
      let diverged = 0;
      for (const [i, p] of PROMPTS.entries()) diverged += (await followsUpToNearTie(t, single, p, got[i]!, want[i]!)) ? 1 : 0;
      t.log(`q8_0: ${diverged} of ${PROMPTS.length} prompts part from one-at-a-time generation at a near-tie`);
      single.dispose();
    }
    // The prefix cache of sequence 0 is still right afterwards: a later call matches a fresh context.
    const after = await ctx.complete(PROMPTS[1]!, { maxTokens: 24 });
    if (quant === 'f32') same(t, [after], [want[1]!]);
    else await followsUpToNearTie(t, ctx, PROMPTS[1]!, after, want[1]!);
    const fresh = await model.createContext({ ...CTX, sequences: 1 });
    const diff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
    const ref = await fresh.logits(model.tokenize(PROMPTS[4]!));
    const tolerance = quant === 'f32' ? 1e-3 : NEAR_TIE;
    t.true(diff(await ctx.logits(model.tokenize(PROMPTS[4]!)), ref) < tolerance, `logits after a batch within ${tolerance} of a fresh context's`);
    // ... where a stale cache would show: another start of the same text moves the logits far more.
    t.true(diff(await fresh.logits(model.tokenize(`Twice ${PROMPTS[4]!}`)), ref) > 5 * tolerance);
    fresh.dispose();
    ctx.dispose();
  });
}

test.serial('each prompt keeps its own maxTokens, stop strings and seeded sampler', async (t) => {
  const model = models['f32']!;
  const free = await oneAtATime(model, PROMPTS, PROMPTS.map(() => ({ maxTokens: 30 })));
  // A stop string taken from the middle of each greedy text, so that it is reached.
  const options: GenerateOptions[] = PROMPTS.map((_, i) => {
    const text = free[i]!.text;
    if (i % 3 === 0 && text.length > 12) return { maxTokens: 30, stop: [text.slice(8, 11)] };
    if (i % 3 === 1) return { maxTokens: 3 + 2 * i };
    return { maxTokens: 20, temperature: 0.9, topK: 20, seed: 1000 + i };
  });
  t.true(options.some((o) => o.stop), 'some prompt has a stop string');
  const want = await oneAtATime(model, PROMPTS, options);
  const ctx = await model.createContext({ ...CTX, sequences: 8 });
  const got = await ctx.completeBatch(PROMPTS, options);
  // Greedy items token for token; sampled ones only reproducibly (a sampler turns the kernels' rounding differences,
  // see NEAR_TIE, into other tokens far more often than greedy does).
  const greedy = PROMPTS.map((_, i) => i).filter((i) => !options[i]!.temperature);
  same(t, greedy.map((i) => got[i]!), greedy.map((i) => want[i]!));
  t.true(want.some((c) => c.stopReason === 'stop'));
  t.true(want.some((c, i) => c.stopReason === 'maxTokens' && c.tokens.length === options[i]!.maxTokens));
  const again = await ctx.completeBatch(PROMPTS, options);
  same(t, again, got);
  const sampled = PROMPTS.map((_, i) => i).filter((i) => options[i]!.temperature);
  t.true(sampled.every((i) => got[i]!.tokens.length === 20));
  const reseeded = await ctx.completeBatch(PROMPTS, options.map((o) => (o.temperature ? { ...o, seed: o.seed! + 1 } : o)));
  t.true(sampled.every((i) => reseeded[i]!.text !== got[i]!.text), 'each sampler follows its own seed');
  t.true(sampled.every((i) => got[i]!.text !== free[i]!.text), 'sampling differs from greedy');
  ctx.dispose();
});

// Batched generation reads each item's signal once per round of decoding (chunks of 1, 2, 4 … 32 tokens), so an
// abortOnRead signal cuts after a fixed number of rounds.
test.serial('aborting ends the unfinished items with "abort" and keeps the finished ones', async (t) => {
  const model = models['f32']!;
  const ctx = await model.createContext({ contextSize: 4096, threads: 2, sequences: 4 });
  const long = { maxTokens: 1200 };
  const options = [{ maxTokens: 4 }, long, { maxTokens: 6 }, long];
  const want = await oneAtATime(model, PROMPTS.slice(0, 4), options, 4096);
  // One shared signal, cut after 30 reads: some 10 rounds of decoding, when the long items (1200 tokens) are 100-200
  // tokens in and the short ones (4 and 6 tokens, 3 rounds) have ended.
  const shared = abortOnRead(30);
  const got = await ctx.completeBatch(PROMPTS.slice(0, 4), options.map((o) => ({ ...o, signal: shared })));
  same(t, [got[0]!, got[2]!], [want[0]!, want[2]!]);
  for (const i of [1, 3]) {
    t.is(got[i]!.stopReason, 'abort');
    t.true(got[i]!.tokens.length < want[i]!.tokens.length, 'cut short');
    t.deepEqual(Array.from(got[i]!.tokens), Array.from(want[i]!.tokens.slice(0, got[i]!.tokens.length)), 'what came is what would have come');
  }
  // A signal of one item only (cut after 6 reads, some 5 rounds): that item alone is cut; an item whose signal is
  // already aborted never starts.
  const done = new AbortController();
  done.abort(new Error('before'));
  const mixed = await ctx.completeBatch(PROMPTS.slice(0, 3), [{ maxTokens: 8 }, { ...long, signal: abortOnRead(6) }, { maxTokens: 8, signal: done.signal }]);
  t.is(mixed[1]!.stopReason, 'abort');
  t.log(`cut after ${got[1]!.tokens.length} tokens (shared signal) and ${mixed[1]!.tokens.length} (own signal)`);
  t.deepEqual(mixed[2], { text: '', tokens: new Uint32Array(0), stopReason: 'abort' });
  const ref = await oneAtATime(model, PROMPTS.slice(0, 1), [{ maxTokens: 8 }]);
  same(t, [mixed[0]!], ref);
  await t.throwsAsync(ctx.completeBatch(PROMPTS.slice(0, 2), { signal: done.signal }), { message: 'before' });
  ctx.dispose();
});

test.serial('a prompt that fills the context stops with "context" and leaves the others as they would be alone', async (t) => {
  const model = models['f32']!;
  const long = 'word '.repeat(100);
  const prompts = [PROMPTS[0]!, long, PROMPTS[2]!];
  const options = [{ maxTokens: 20 }, { maxTokens: 100 }, { maxTokens: 20 }];
  const want = await oneAtATime(model, prompts, options, 128);
  t.is(want[1]!.stopReason, 'context');
  const ctx = await model.createContext({ contextSize: 128, threads: 2, sequences: 3 });
  same(t, await ctx.completeBatch(prompts, options), want);
  await t.throwsAsync(ctx.completeBatch([PROMPTS[0]!, 'word '.repeat(200)]), { code: 'ERR_CONTEXT_OVERFLOW', message: /completeBatch prompts\[1\] plus one generated token needs \d+ tokens but the context holds 128/ });
  ctx.dispose();
});

test.serial('native: when the shared KV cells run out, the sequence holding the most ends and the others go on', async (t) => {
  const model = models['f32']!;
  const prompts = ['The quick brown fox jumps over the lazy dog. '.repeat(3), 'Hello there', 'Good morning'].map((p) => model.tokenize(p));
  const maxTokens = [60, 10, 10];
  const want = await oneAtATime(model, prompts, maxTokens.map((m) => ({ maxTokens: m })), 64);
  const ctx = await model.handle.createContext({ contextSize: 64, batchSize: 512, sequences: 4, threads: 2, flashAttention: false, kvCacheType: 'f16' });
  await t.throwsAsync(ctx.batchNext(1), { message: /No batched generation in progress/ });
  const sampler = { temperature: 0, topK: 40, topP: 0.95, minP: 0.05, repeatPenalty: 1, repeatLastN: -1, seed: 0 };
  await ctx.batchBegin(prompts.map((prompt, i) => ({ prompt, sampler, maxTokens: maxTokens[i]! })));
  const tokens: number[][] = [[], [], []];
  let steps;
  do {
    steps = await ctx.batchNext(4);
    steps.forEach((s, i) => tokens[i]!.push(...s.tokens));
  } while (!steps.every((s) => s.finished));
  t.is(steps[0]!.stopReason, 'context');
  t.true(tokens[0]!.length < 64 - prompts[0]!.length, 'ended before its own positions ran out');
  t.deepEqual(tokens[0], Array.from(want[0]!.tokens.slice(0, tokens[0]!.length)));
  for (const i of [1, 2]) {
    t.is(steps[i]!.stopReason, 'maxTokens');
    t.deepEqual(tokens[i], Array.from(want[i]!.tokens));
  }
  t.throws(() => ctx.batchStop(3), { message: /Expected a sequence of the batched generation in \[0, 3\) but received 3/ });
  await t.throwsAsync(ctx.batchBegin(prompts.concat(prompts).map((prompt) => ({ prompt, sampler, maxTokens: 4 }))), { message: /at most 4 prompts/ });
  ctx.dispose();
});

test.serial('completeBatch checks its arguments', async (t) => {
  const ctx: Context = await models['f32']!.createContext({ ...CTX, sequences: 2 });
  await t.throwsAsync(ctx.completeBatch([]), { message: 'Expected a non-empty array of prompts for completeBatch prompts but received array of length 0' });
  await t.throwsAsync(ctx.completeBatch(['a', 'b'], [{}]), { message: /Expected one options object per prompt \(2\) for completeBatch options/ });
  await t.throwsAsync(ctx.completeBatch(['a', 'b'], [{}, { maxTokens: 0 }]), { code: 'ERR_INVALID_OPTION', message: /completeBatch options\[1\]/ });
  ctx.dispose();
});
