// Bad input gives a typed PersianLoraError with a clear message, and the process keeps running.
import test from 'ava';
import { abortOnRead } from '../helpers/abort-on-read.js';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { loadModel, type Model } from '../../lib/model.js';
import { PersianLoraError } from '../../lib/errors.js';
import { writeLoraAdapter } from '../../lib/lora/adapter-file.js';
import { scratchPath, tinyModel } from './helpers.js';

let model: Model;
let modelPath: string;
test.before(async () => {
  modelPath = await tinyModel({ vocab: 'llama-spm', layers: 2, dim: 64, heads: 4, quant: 'q8_0' });
  model = await loadModel(modelPath);
});
test.after.always(() => model?.dispose());

function expectCode(code: string, message: RegExp) {
  return { instanceOf: PersianLoraError, code, message } as const;
}

test('a missing file', async (t) => {
  await t.throwsAsync(loadModel('/nonexistent/model.gguf'), expectCode('ERR_FILE_NOT_FOUND', /File not found: \/nonexistent\/model\.gguf/));
});

test('a file that is not GGUF', async (t) => {
  const file = scratchPath('not.gguf');
  writeFileSync(file, 'this is plain text, not a model\n');
  await t.throwsAsync(loadModel(file), expectCode('ERR_BAD_FORMAT', /not a GGUF file/));
});

test('a truncated GGUF', async (t) => {
  const file = scratchPath('truncated.gguf');
  const bytes = readFileSync(modelPath);
  writeFileSync(file, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
  await t.throwsAsync(loadModel(file), expectCode('ERR_BAD_FORMAT', /truncated/));
  writeFileSync(file, bytes.subarray(0, 40));
  await t.throwsAsync(loadModel(file), expectCode('ERR_BAD_FORMAT', /corrupt or truncated GGUF header/));
});

test('an adapter for another architecture', async (t) => {
  const file = scratchPath('qwen-adapter.gguf');
  writeLoraAdapter(file, { architecture: 'qwen2', alpha: 8, pairs: [{ target: 'blk.0.attn_q.weight', rank: 2, inFeatures: 64, outFeatures: 64, a: new Float32Array(128), b: new Float32Array(128) }] });
  await t.throwsAsync(model.loadAdapter(file), expectCode('ERR_ADAPTER', /architecture "qwen2" but the model is "llama"/));
});

test('an adapter of the wrong shape', async (t) => {
  const file = scratchPath('wrong-shape.gguf');
  writeLoraAdapter(file, { architecture: 'llama', alpha: 8, pairs: [{ target: 'blk.0.attn_q.weight', rank: 2, inFeatures: 32, outFeatures: 64, a: new Float32Array(64), b: new Float32Array(128) }] });
  await t.throwsAsync(model.loadAdapter(file), expectCode('ERR_ADAPTER', /llama\.cpp rejected the adapter .*wrong-shape\.gguf/));
});

test('a model file given as an adapter, and an adapter given as a model', async (t) => {
  await t.throwsAsync(model.loadAdapter(modelPath), expectCode('ERR_ADAPTER', /is not a LoRA adapter/));
  const file = scratchPath('adapter-as-model.gguf');
  writeLoraAdapter(file, { architecture: 'llama', alpha: 8, pairs: [{ target: 'blk.0.attn_q.weight', rank: 2, inFeatures: 64, outFeatures: 64, a: new Float32Array(128), b: new Float32Array(128) }] });
  await t.throwsAsync(loadModel(file), expectCode('ERR_MODEL_LOAD', /is a LoRA adapter, not a model/));
});

test('an out-of-range token id', async (t) => {
  const ctx = await model.createContext({ contextSize: 64, threads: 1 });
  await t.throwsAsync(ctx.logits(new Uint32Array([1, 32000])), expectCode('ERR_TOKEN_RANGE', /Token id 32000 at index 1 is outside the vocabulary \[0, 32000\)/));
  t.throws(() => model.detokenize(new Uint32Array([5, 99999])), expectCode('ERR_TOKEN_RANGE', /Token id 99999/));
  // still usable afterwards
  t.is((await ctx.logits(new Uint32Array([1, 2, 3]))).length, 32000);
  ctx.dispose();
});

test('a context overflow', async (t) => {
  const ctx = await model.createContext({ contextSize: 32, threads: 1 });
  const long = new Uint32Array(40).fill(100);
  await t.throwsAsync(ctx.logits(long), expectCode('ERR_CONTEXT_OVERFLOW', /needs 40 tokens but the context holds 32/));
  await t.throwsAsync(ctx.logLikelihood(long.subarray(0, 30), new Uint32Array(5).fill(7)), expectCode('ERR_CONTEXT_OVERFLOW', /needs 35 tokens/));
  const r = await ctx.complete(new Uint32Array(28).fill(100), { maxTokens: 100 });
  t.true(['context', 'eog'].includes(r.stopReason));
  ctx.dispose();
});

test('wrong option types name the option', async (t) => {
  await t.throwsAsync(loadModel(modelPath, { gpuLayers: 'many' as never }), expectCode('ERR_INVALID_OPTION', /loadModel options\.gpuLayers/));
  await t.throwsAsync(model.createContext({ contextSize: '512' as never }), expectCode('ERR_INVALID_OPTION', /Expected number for createContext options\.contextSize but received "512"/));
  await t.throwsAsync(model.createContext({ contextSize: 512, colour: 'red' } as never), expectCode('ERR_INVALID_OPTION', /Unknown option createContext options\.colour/));
  const ctx = await model.createContext({ contextSize: 64, threads: 1 });
  await t.throwsAsync(ctx.complete('hi', { temperature: -1 }), expectCode('ERR_INVALID_OPTION', /generate options\.temperature/));
  t.throws(() => model.tokenize(42 as never), expectCode('ERR_INVALID_OPTION', /Expected a string for tokenize text but received number 42/));
  ctx.dispose();
});

test('disposed objects reject calls; dispose is idempotent', async (t) => {
  const m = await loadModel(modelPath);
  const ctx = await m.createContext({ contextSize: 64, threads: 1 });
  m.dispose();
  m.dispose();
  t.throws(() => m.tokenize('x'), expectCode('ERR_DISPOSED', /disposed/));
  // the context keeps the weights alive
  t.is((await ctx.logits(new Uint32Array([1, 5]))).length, 32000);
  ctx.dispose();
  ctx.dispose();
  await t.throwsAsync(ctx.logits(new Uint32Array([1])), expectCode('ERR_DISPOSED', /disposed/));
});

test('an AbortSignal stops loading and generation', async (t) => {
  const controller = new AbortController();
  controller.abort(new Error('stop now'));
  await t.throwsAsync(loadModel(modelPath, { signal: controller.signal }), { message: 'stop now' });
  const ctx = await model.createContext({ contextSize: 256, threads: 1 });
  // a signal that aborts on its 3rd read: generate reads it once at the call and once before each chunk, and its first
  // chunk is one token (later ones last a fixed time natively), so the cut falls after the first token on any machine
  const live = abortOnRead(3);
  const chunks: string[] = [];
  const stream = ctx.generate('Tell me a story', { maxTokens: 200, signal: live });
  for (;;) {
    const r = await stream.next();
    if (r.done) {
      t.is(r.value.stopReason, 'abort');
      t.is(r.value.tokens.length, 1);
      t.is(r.value.text, chunks.join(''), 'what was generated before the abort is kept');
      break;
    }
    chunks.push(r.value.text);
  }
  ctx.dispose();
});

test('a copied model loads (mmap off) and gives the same logits', async (t) => {
  const copy = scratchPath('copy.gguf');
  copyFileSync(modelPath, copy);
  const m2 = await loadModel(copy, { useMmap: false });
  const a = await model.createContext({ contextSize: 64, threads: 1 });
  const b = await m2.createContext({ contextSize: 64, threads: 1 });
  const tokens = model.tokenize('same');
  t.deepEqual(await a.logits(tokens), await b.logits(tokens));
  a.dispose();
  b.dispose();
  m2.dispose();
});
