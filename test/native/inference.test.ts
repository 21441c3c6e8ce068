// Inference through the addon: determinism, log-likelihood against raw logits, KV reuse, adapters.
import test from 'ava';
import { loadModel, type Model } from '../../lib/model.js';
import { writeLoraAdapter } from '../../lib/lora/adapter-file.js';
import { scratchPath, tinyModel } from './helpers.js';
import { seededArray } from './train/helpers.js';

const DIM = 64;
const LAYERS = 2;

function logSoftmaxAt(row: Float32Array, target: number): number {
  let max = -Infinity;
  for (const v of row) if (v > max) max = v;
  let sum = 0;
  for (const v of row) sum += Math.exp(v - max);
  return row[target]! - max - Math.log(sum);
}


function writeAdapter(file: string, model: Model, rank: number, seed: number, dims = { in: DIM, out: DIM }, architecture = 'llama'): string {
  writeLoraAdapter(file, {
    architecture,
    alpha: rank * 2,
    pairs: Array.from({ length: LAYERS }, (_, l) => ['attn_q', 'attn_output'].map((w, k) => ({
      target: `blk.${l}.${w}.weight`, rank, inFeatures: dims.in, outFeatures: dims.out,
      a: seededArray(rank * dims.in, seed + l * 10 + k, 0.5),
      b: seededArray(dims.out * rank, seed + l * 10 + k + 5, 0.5),
    }))).flat(),
  });
  void model;
  return file;
}

let model: Model;
let f32: Model;
test.before(async () => {
  model = await loadModel(await tinyModel({ vocab: 'llama-spm', layers: LAYERS, dim: DIM, heads: 4, kvHeads: 2, quant: 'q8_0' }));
  f32 = await loadModel(await tinyModel({ vocab: 'llama-spm', layers: LAYERS, dim: DIM, heads: 4, kvHeads: 2, quant: 'f32' }));
});
test.after.always(() => {
  model?.dispose();
  f32?.dispose();
});

test('model info describes the tiny model', (t) => {
  t.is(model.info.architecture, 'llama');
  t.is(model.info.layers, LAYERS);
  t.is(model.info.embeddingLength, DIM);
  t.is(model.info.vocabularySize, 32000);
  t.true(model.info.tensorTypes['q8_0']! > 0);
});

test('greedy generation is deterministic across contexts and calls', async (t) => {
  const prompt = 'Once upon a time';
  const a = await model.createContext({ contextSize: 256, threads: 2 });
  const b = await model.createContext({ contextSize: 256, threads: 2 });
  const r1 = await a.complete(prompt, { maxTokens: 24 });
  const r2 = await a.complete(prompt, { maxTokens: 24 });
  const r3 = await b.complete(prompt, { maxTokens: 24 });
  t.true(r1.tokens.length > 0);
  t.deepEqual(r1.tokens, r2.tokens);
  t.deepEqual(r1.tokens, r3.tokens);
  t.is(r1.text, r3.text);
  // greedy = argmax of the logits after the prompt
  const logits = await b.logits(model.tokenize(prompt));
  let arg = 0;
  for (let i = 1; i < logits.length; i++) if (logits[i]! > logits[arg]!) arg = i;
  t.is(r1.tokens[0], arg);
  a.dispose();
  b.dispose();
});

test('streamed chunks concatenate to the completion; stop strings cut the text', async (t) => {
  const ctx = await model.createContext({ contextSize: 256, threads: 2 });
  const full = await ctx.complete('The weather', { maxTokens: 20 });
  let streamed = '';
  for await (const chunk of ctx.generate('The weather', { maxTokens: 20 })) streamed += chunk.text;
  t.is(streamed, full.text);
  const cut = full.text.slice(3, 6);
  if (cut.length > 0 && full.text.indexOf(cut) === 3) {
    const stopped = await ctx.complete('The weather', { maxTokens: 20, stop: [cut] });
    t.is(stopped.text, full.text.slice(0, 3));
    t.is(stopped.stopReason, 'stop');
  }
  ctx.dispose();
});

test('sampling with a seed is reproducible and differs from greedy', async (t) => {
  const ctx = await model.createContext({ contextSize: 256, threads: 2 });
  const opts = { maxTokens: 16, temperature: 1.5, topK: 0, topP: 1, minP: 0, seed: 7 };
  const s1 = await ctx.complete('Hello', opts);
  const s2 = await ctx.complete('Hello', opts);
  t.deepEqual(s1.tokens, s2.tokens);
  const other = await ctx.complete('Hello', { ...opts, seed: 8 });
  t.notDeepEqual(s1.tokens, other.tokens);
  ctx.dispose();
});

// F32 weights: the batched and the single-token paths agree to float rounding. Q8_0 quantizes activations per
// batch shape, so its tolerance is per token and wider.
for (const [name, tolerancePerToken] of [['f32', 1e-4], ['q8_0', 5e-3]] as const) {
  test(`${name}: log-likelihood equals the sum of log-softmax of the raw logits`, async (t) => {
    const m = name === 'f32' ? f32 : model;
    const ctx = await m.createContext({ contextSize: 256, threads: 2 });
    const context = m.tokenize('سلام، حال شما چطور است؟');
    const continuation = m.tokenize(' خوبم، ممنون', { addBos: false });
    const all = new Uint32Array([...context, ...continuation]);
    const logits = await ctx.logits(all, { all: true });
    const V = m.info.vocabularySize;
    let expected = 0;
    for (let j = 0; j < continuation.length; j++) {
      const pos = context.length - 1 + j;
      expected += logSoftmaxAt(logits.subarray(pos * V, (pos + 1) * V), continuation[j]!);
    }
    const fresh = await m.createContext({ contextSize: 256, threads: 2 });
    const got = await fresh.logLikelihood(context, continuation);
    t.is(got.tokenCount, continuation.length);
    const tolerance = tolerancePerToken * continuation.length;
    t.true(Math.abs(got.logProb - expected) < tolerance, `${got.logProb} vs ${expected} (tolerance ${tolerance})`);
    ctx.dispose();
    fresh.dispose();
  });

  test(`${name}: scoring options from a shared prefix equals scoring each from scratch`, async (t) => {
    const m = name === 'f32' ? f32 : model;
    const shared = await m.createContext({ contextSize: 512, threads: 2, sequences: 4 });
    const prompt = 'Question: which is right? Answer:';
    const options = [' the first one', ' B', ' گزینه سوم است', ' none of them at all, really', ' yes'];
    const together = await shared.scoreContinuations(prompt, options);
    t.is(together.length, options.length);
    for (let i = 0; i < options.length; i++) {
      const fresh = await m.createContext({ contextSize: 512, threads: 2, sequences: 1 });
      const alone = await fresh.logLikelihood(prompt, options[i]!);
      const tolerance = tolerancePerToken * alone.tokenCount;
      t.true(Math.abs(alone.logProb - together[i]!.logProb) < tolerance, `option ${i}: ${alone.logProb} vs ${together[i]!.logProb}`);
      t.is(alone.tokenCount, together[i]!.tokenCount);
      fresh.dispose();
    }
    shared.dispose();
  });
}

test('an adapter changes the logits and removing it restores them', async (t) => {
  const ctx = await model.createContext({ contextSize: 256, threads: 2 });
  const tokens = model.tokenize('Adapters change things');
  const base = await ctx.logits(tokens);
  const adapter = await model.loadAdapter(writeAdapter(scratchPath('lora-a.gguf'), model, 4, 1));
  t.is(adapter.alpha, 8);
  ctx.setAdapters([{ adapter, scale: 1 }]);
  const adapted = await ctx.logits(tokens);
  let diff = 0;
  for (let i = 0; i < base.length; i++) diff = Math.max(diff, Math.abs(base[i]! - adapted[i]!));
  t.true(diff > 1e-3, `max |Δlogit| = ${diff}`);
  // two adapters at once, then none
  const second = await model.loadAdapter(writeAdapter(scratchPath('lora-b.gguf'), model, 2, 9));
  ctx.setAdapters([{ adapter, scale: 1 }, { adapter: second, scale: 0.5 }]);
  const both = await ctx.logits(tokens);
  t.notDeepEqual(both, adapted);
  ctx.setAdapters([]);
  const restored = await ctx.logits(tokens);
  let back = 0;
  for (let i = 0; i < base.length; i++) back = Math.max(back, Math.abs(base[i]! - restored[i]!));
  t.true(back < 1e-5, `max |Δlogit| after removal = ${back}`);
  ctx.dispose();
  adapter.dispose();
  second.dispose();
});

test('adapter scale 0 equals no adapter', async (t) => {
  const ctx = await model.createContext({ contextSize: 256, threads: 2 });
  const tokens = model.tokenize('scale zero');
  const base = await ctx.logits(tokens);
  const adapter = await model.loadAdapter(writeAdapter(scratchPath('lora-c.gguf'), model, 4, 3));
  ctx.setAdapters([{ adapter, scale: 0 }]);
  const zero = await ctx.logits(tokens);
  let d = 0;
  for (let i = 0; i < base.length; i++) d = Math.max(d, Math.abs(base[i]! - zero[i]!));
  t.true(d < 1e-5);
  ctx.dispose();
});

