// The training job (lib/train/job.ts) on a tiny model: initial adapters (GGUF, PEFT folder, F16; continue and merge),
// chained runs, resume rules, and `train --init-adapter` / `--resume` from the CLI.
import test from 'ava';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadModel } from '../../../lib/model.js';
import { modelTokenizer } from '../../../lib/model-tokenizer.js';
import { readLoraAdapter } from '../../../lib/lora/adapter-read.js';
import { writeLoraAdapter } from '../../../lib/lora/adapter-file.js';
import { attentionHeads } from '../../../lib/lora/base-check.js';
import { exportPeft } from '../../../lib/lora/peft.js';
import { writeGgufStream, type StreamTensor } from '../../../lib/gguf/stream-writer.js';
import { dequantizeRows, quantizeRows, tensorBytes } from '../../../lib/gguf/quant.js';
import { readGgufMetadata } from '../../../lib/vocab/gguf-read.js';
import { Trainer } from '../../../lib/train/trainer.js';
import { NativeEngine } from '../../../lib/train/native-engine.js';
import { epochOrder, makeBatch } from '../../../lib/train/batches.js';
import { splitValidation } from '../../../lib/train/data.js';
import { readTrainData } from '../../../lib/train/sources.js';
import { loadInitAdapter, readInitAdapter } from '../../../lib/train/init-adapter.js';
import { runTrainJob, type TrainJobEvent, type TrainJobOptions } from '../../../lib/train/job.js';
import { PersianLoraError } from '../../../lib/errors.js';
import { runCli } from '../../helpers/cli.js';
import { tinyModel } from '../helpers.js';
import { tempDir } from '../../helpers/temp-dir.js';

const MODEL = { vocab: 'llama-spm', layers: 2, dim: 64, heads: 4, kvHeads: 2, quant: 'f32' } as const;
const tmp = () => tempDir('pl-job-');
const bits = (a: Float32Array) => new Uint32Array(a.buffer, a.byteOffset, a.length);

/** Prompt/response records; with valFraction 0.25 the held-out ones are records 3 and 7. */
const records = Array.from({ length: 8 }, (_, i) => ({ prompt: `Question ${i}: say hello ${i % 3}`, response: `Hello number ${i}, world ${7 * i}.` }));
const heldOut = [records[3]!, records[7]!];

function writeJsonl(dir: string, name: string, rows: object[]): string {
  const file = path.join(dir, name);
  writeFileSync(file, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  return file;
}

/** A short job on the tiny model: rank 2 on q,v,down, no dropout, a constant schedule (no warmup), 2 threads. */
const job = (base: string, data: string, out: string, more: Partial<TrainJobOptions> = {}): TrainJobOptions => ({
  base, data, out, rank: 2, targets: ['q', 'v', 'down'], dropout: 0, seqLen: 48, batch: 1, gradAccum: 2, maxSteps: 3,
  lr: 1e-2, schedule: 'constant', warmup: 0, valFraction: 0.25, threads: 2, ...more,
});

/** One trained adapter (first run), shared by the tests. */
let first: Promise<{ base: string; dir: string; adapter: string; validationLoss: number; data: string; heldOutData: string }> | undefined;
function firstRun() {
  first ??= (async () => {
    const base = await tinyModel(MODEL);
    const dir = tmp();
    const data = writeJsonl(dir, 'all.jsonl', records);
    const heldOutData = writeJsonl(dir, 'held-out.jsonl', heldOut);
    const outcome = await runTrainJob(job(base, data, path.join(dir, 'first')));
    if (outcome.stopped !== 'done' || outcome.validationLoss === undefined) throw new Error('the first run did not finish with a validation loss');
    return { base, dir, adapter: outcome.adapterPath!, validationLoss: outcome.validationLoss, data, heldOutData };
  })();
  return first;
}

async function trainerLike(base: string, o: { rank?: number; alpha?: number } = {}) {
  return Trainer.create(base, { rank: o.rank ?? 2, alpha: o.alpha ?? 32, targets: ['q', 'v', 'down'], dropout: 0, threads: 2 });
}

test('the first run: outcome, config.json, metrics and adapter', async (t) => {
  const r = await firstRun();
  const config = JSON.parse(readFileSync(path.join(path.dirname(r.adapter), 'config.json'), 'utf8'));
  t.like(config, { base: r.base, data: r.data, rank: 2, alpha: 32, dropout: 0, weightDecay: 0.01, clip: 1, gradAccum: 2, maxSteps: 3, initMode: 'continue' });
  t.false('out' in config);
  t.deepEqual(readLoraAdapter(r.adapter).pairs.map((p) => p.target).sort(),
    ['blk.0.attn_q.weight', 'blk.0.attn_v.weight', 'blk.0.ffn_down.weight', 'blk.1.attn_q.weight', 'blk.1.attn_v.weight', 'blk.1.ffn_down.weight'].sort());
  t.true(Number.isFinite(r.validationLoss));
});

test('an adapter loads into the trainer bitwise: GGUF, PEFT folder, and F16 GGUF (as its F16 values)', async (t) => {
  const r = await firstRun();
  const saved = readLoraAdapter(r.adapter);
  const expected = new Map<string, Float32Array>(saved.pairs.flatMap((p) => [[`${p.target}.lora_a`, p.a], [`${p.target}.lora_b`, p.b]]));
  t.true([...expected.values()].some((a) => a.some((v) => v !== 0)));

  const peft = path.join(r.dir, 'peft');
  await exportPeft(saved, peft, attentionHeads(readGgufMetadata(r.base)));
  // the same adapter in F16, as llama.cpp's converter may write it
  const f16 = path.join(r.dir, 'adapter-f16.gguf');
  const meta = readGgufMetadata(r.adapter);
  const raw = readFileSync(r.adapter);
  const tensors: StreamTensor[] = [];
  const f16Values = new Map<string, Float32Array>();
  for (const ti of meta.tensors) {
    const values = expected.get(ti.name)!;
    const bytes = await quantizeRows(1, values, ti.ne[0]!);
    f16Values.set(ti.name, await dequantizeRows(1, bytes, ti.ne[0]!));
    tensors.push({ name: ti.name, ne: ti.ne, ggmlType: 1, bytes: tensorBytes(1, ti.ne), data: async function* () { yield bytes; } });
  }
  await writeGgufStream(f16, [...meta.kv.values()].map((kv) => raw.subarray(kv.start, kv.end)), tensors, 32);
  t.true([...f16Values].some(([name, v]) => bits(v).some((b, i) => b !== bits(expected.get(name)!)[i])), 'F16 rounds some values');

  for (const [file, want, what] of [[r.adapter, expected, 'GGUF'], [peft, expected, 'PEFT'], [f16, f16Values, 'F16 GGUF']] as const) {
    const init = await readInitAdapter(file, r.base);
    t.is(init.format, what === 'PEFT' ? 'peft' : 'gguf');
    t.deepEqual(init.targets, ['q', 'v', 'down']);
    const trainer = await trainerLike(r.base);
    try {
      await loadInitAdapter(trainer, init);
      t.is(trainer.parameters.length, want.size);
      for (const [i, p] of trainer.parameters.entries()) {
        t.deepEqual(bits(await trainer.getParameter(i)), bits(want.get(p.name)!), `${what}: ${p.name}`);
      }
    } finally {
      trainer.dispose();
    }
  }
});

test('a chained run starts where the first ended: the loaded adapter gives its validation loss bitwise, and the first step\'s loss on those examples', async (t) => {
  const r = await firstRun();
  // the loop's evaluation of the held-out examples, with the adapter loaded into a new trainer
  const vocab = await loadModel(r.base, { vocabOnly: true });
  const { examples } = await readTrainData(r.data, { tokenizer: modelTokenizer(vocab), seqLen: 48, seed: 42 });
  vocab.dispose();
  const { validation } = splitValidation(examples, 0.25);
  t.is(validation.length, 2);
  const trainer = await trainerLike(r.base);
  let sum = 0, tokens = 0;
  try {
    await loadInitAdapter(trainer, await readInitAdapter(r.adapter, r.base));
    const engine = new NativeEngine(trainer);
    const plan = { sequences: 1, length: 48, padToken: 0 };
    for (let i = 0; i < validation.length; i++) {
      const e = await engine.evaluate(makeBatch(validation, epochOrder(validation.length, 0, 0, false), i, plan));
      sum += e.loss * e.tokens;
      tokens += e.tokens;
    }
  } finally {
    trainer.dispose();
  }
  t.is(sum / tokens, r.validationLoss);

  // a run from the adapter on exactly those examples (one step over both): its first loss is that validation loss
  const events: TrainJobEvent[] = [];
  const chained = await runTrainJob(job(r.base, r.heldOutData, path.join(r.dir, 'chained'), { initAdapter: r.adapter, valFraction: 0, maxSteps: 1 }),
    { onEvent: (e) => events.push(e) });
  const start = events.find((e) => e.type === 'start');
  t.like(start, { type: 'start', examples: 2, heldOut: 0, rank: 2, alpha: 32, init: { mode: 'continue', adapter: r.adapter } });
  const fresh = await runTrainJob(job(r.base, r.heldOutData, path.join(r.dir, 'fresh'), { valFraction: 0, maxSteps: 1 }));
  t.log(`validation ${r.validationLoss}, chained first loss ${chained.firstLoss}, fresh first loss ${fresh.firstLoss}`);
  const gap = Math.abs(chained.firstLoss - r.validationLoss);
  t.true(gap <= 1e-6 * r.validationLoss, `|Δ| ${gap}`);
  t.true(Math.abs(fresh.firstLoss - r.validationLoss) > 1000 * Math.max(gap, 1e-7), 'a fresh adapter does not start there');
});

test('initial adapters that do not fit are refused by name: rank, targets, alpha, architecture', async (t) => {
  const r = await firstRun();
  const out = (name: string) => path.join(r.dir, name);
  const rank = await t.throwsAsync(runTrainJob(job(r.base, r.heldOutData, out('bad-rank'), { initAdapter: r.adapter, rank: 4 })), { instanceOf: PersianLoraError });
  t.is(rank!.code, 'ERR_ADAPTER');
  t.regex(rank!.message, /blk\.0\.attn_q\.weight\.lora_a has ggml shape \[64, 2\] \(rank 2\) but the job trains rank 4 \(\[64, 4\]\)/);
  const targets = await t.throwsAsync(runTrainJob(job(r.base, r.heldOutData, out('bad-targets'), { initAdapter: r.adapter, targets: ['q', 'v'] })), { instanceOf: PersianLoraError });
  t.is(targets!.code, 'ERR_ADAPTER');
  t.regex(targets!.message, /adapts blk\.0\.ffn_down\.weight, which this run does not train \(targets q,v; the adapter's are q,v,down\)/);
  const more = await t.throwsAsync(runTrainJob(job(r.base, r.heldOutData, out('bad-targets2'), { initAdapter: r.adapter, targets: ['q', 'v', 'o', 'down'] })), { instanceOf: PersianLoraError });
  t.regex(more!.message, /has no pair for blk\.0\.attn_output\.weight, which this run trains/);
  const alpha = await t.throwsAsync(runTrainJob(job(r.base, r.heldOutData, out('bad-alpha'), { initAdapter: r.adapter, alpha: 8 })), { instanceOf: PersianLoraError });
  t.regex(alpha!.message, /trained with alpha 32 at rank 2 \(scale 16\), but the job's alpha 8 gives scale 4/);
  t.false(existsSync(path.join(out('bad-targets'), 'config.json')), 'a refused start leaves no run behind');
  // an adapter of another model: a wider base
  const wide = await tinyModel({ ...MODEL, dim: 128 });
  const shape = await t.throwsAsync(runTrainJob(job(wide, r.heldOutData, out('bad-base'), { initAdapter: r.adapter })), { instanceOf: PersianLoraError });
  t.is(shape!.code, 'ERR_ADAPTER');
  t.regex(shape!.message, /blk\.0\.attn_q\.weight is adapted as \[in 64, out 64\] but .* has ne \[128, 128\]/);
  await t.throwsAsync(runTrainJob(job(r.base, r.heldOutData, out('missing'), { initAdapter: out('nope.gguf') })), { code: 'ERR_FILE_NOT_FOUND' } as never);
  // an adapter of another architecture
  const qwen = out('qwen2.gguf');
  writeLoraAdapter(qwen, { ...readLoraAdapter(r.adapter), architecture: 'qwen2' });
  const arch = await t.throwsAsync(runTrainJob(job(r.base, r.heldOutData, out('bad-arch'), { initAdapter: qwen })), { instanceOf: PersianLoraError });
  t.is(arch!.code, 'ERR_ADAPTER');
  t.regex(arch!.message, /qwen2\.gguf: adapter for architecture "qwen2" cannot apply to .* \(architecture "llama"\)/);
});

test('initMode merge: the adapter (a PEFT folder here) merged into init-base.gguf, and a fresh adapter of any shape on it', async (t) => {
  const r = await firstRun();
  const peft = path.join(r.dir, 'peft-merge');
  await exportPeft(readLoraAdapter(r.adapter), peft, attentionHeads(readGgufMetadata(r.base)));
  const events: TrainJobEvent[] = [];
  const out = path.join(r.dir, 'merged');
  const outcome = await runTrainJob(job(r.base, r.heldOutData, out, { initAdapter: peft, initMode: 'merge', rank: 4, targets: ['o'], valFraction: 0, maxSteps: 1 }),
    { onEvent: (e) => events.push(e) });
  t.is(outcome.stopped, 'done');
  t.is(outcome.baseKind, 'merged');
  t.is(outcome.basePath, path.join(out, 'init-base.gguf'));
  t.true(existsSync(path.join(out, 'init-base.gguf')));
  t.true(existsSync(path.join(out, 'init-adapter.gguf')), 'the PEFT folder as the GGUF that was merged');
  t.like(events.find((e) => e.type === 'start'), { init: { mode: 'merge', mergedBase: path.join(out, 'init-base.gguf') }, base: path.join(out, 'init-base.gguf') });
  const trained = readLoraAdapter(outcome.adapterPath!);
  t.deepEqual(trained.pairs.map((p) => [p.target, p.rank]).sort(), [['blk.0.attn_output.weight', 4], ['blk.1.attn_output.weight', 4]]);
  // the fresh adapter starts with B = 0, so step 1 sees the merged model: the first run's validation loss (F32 merge rounding)
  t.log(`merged first loss ${outcome.firstLoss} vs validation ${r.validationLoss}`);
  t.true(Math.abs(outcome.firstLoss - r.validationLoss) < 1e-4, `${outcome.firstLoss} vs ${r.validationLoss}`);
});

test('resume: the options it may change are applied and recorded; any other change is refused by name', async (t) => {
  const r = await firstRun();
  const out = path.join(r.dir, 'resumable');
  const a = await runTrainJob(job(r.base, r.data, out, { maxSteps: 2 }));
  t.like(a, { stopped: 'done', steps: 2, totalSteps: 2 });
  const events: TrainJobEvent[] = [];
  const b = await runTrainJob({ out, maxSteps: 4, evalEvery: 1, keepCheckpoints: 1, threads: 1, rank: 2, data: r.data }, { resume: true, onEvent: (e) => events.push(e) });
  t.like(b, { stopped: 'done', steps: 4, totalSteps: 4, firstLoss: a.firstLoss });
  t.deepEqual(events.filter((e) => e.type === 'step').map((e) => (e as { step: number }).step), [3, 4]);
  t.is(events.filter((e) => e.type === 'eval').length, 2);
  const start = events.find((e) => e.type === 'start') as Extract<TrainJobEvent, { type: 'start' }>;
  t.deepEqual(start.changes, [
    { option: 'maxSteps', from: 2, to: 4 }, { option: 'evalEvery', from: 0, to: 1 }, { option: 'keepCheckpoints', from: 2, to: 1 }, { option: 'threads', from: 2, to: 1 },
  ]);
  t.like(JSON.parse(readFileSync(path.join(out, 'config.json'), 'utf8')), { maxSteps: 4, evalEvery: 1, keepCheckpoints: 1, threads: 1, rank: 2 });
  const refused = await t.throwsAsync(runTrainJob({ out, maxSteps: 6, lr: 1e-3, seqLen: 64 }, { resume: true }), { instanceOf: PersianLoraError });
  t.is(refused!.code, 'ERR_INVALID_OPTION');
  t.regex(refused!.message, /lr \(saved number 0\.01, given number 0\.001\); seqLen \(saved number 48, given number 64\)/);
  t.like(JSON.parse(readFileSync(path.join(out, 'config.json'), 'utf8')), { maxSteps: 4 }, 'a refused resume changes nothing');
  await t.throwsAsync(runTrainJob({ out, maxSteps: 0 }, { resume: true }), { message: /train job options\.maxSteps/ });
  await t.throwsAsync(runTrainJob({ out, colour: 'red' } as never, { resume: true }), { message: /Unknown option train job options\.colour/ });
  await t.throwsAsync(runTrainJob(job(r.base, r.data, out)), { message: /already holds a run: use --resume/ });
});

test('train CLI: --init-adapter continues an adapter end to end, --resume takes the safe options and refuses others', async (t) => {
  const r = await firstRun();
  const out = path.join(r.dir, 'cli');
  const flags = ['--base', r.base, '--data', r.heldOutData, '--rank', '2', '--targets', 'q,v,down', '--dropout', '0', '--seq-len', '48',
    '--grad-accum', '2', '--lr', '1e-2', '--schedule', 'constant', '--warmup', '0', '--val-fraction', '0', '-t', '2'];
  const c = await runCli('train', ...flags, '--out', out, '--init-adapter', r.adapter, '--max-steps', '1');
  t.is(c.code, 0, c.err);
  t.regex(c.err, /init: continuing .*adapter\.gguf: 6 pairs, r = 2, alpha 32, targets q,v,down/);
  t.regex(c.err, /train: 2 examples \(0 held out\) of 48 tokens, LoRA r=2 alpha=32 on q,v,down, 12 tensors, on CPU/);
  t.regex(c.out, /adapter: .*cli\/adapter\.gguf/);
  const steps = () => readFileSync(path.join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((l) => l.type === 'step');
  t.true(Math.abs(steps()[0].loss - r.validationLoss) <= 1e-6 * r.validationLoss, 'the CLI run starts at the first run\'s validation loss');

  const more = await runCli('train', '--resume', out, '--max-steps', '2', '-t', '2');
  t.is(more.code, 0, more.err);
  t.regex(more.err, /resume: maxSteps 1 -> 2/);
  t.regex(more.err, /resumed at step 1/);
  t.deepEqual(steps().map((s) => s.step), [1, 2]);
  const bad = await runCli('train', '--resume', out, '--max-steps', '3', '--lr', '1');
  t.is(bad.code, 2);
  t.regex(bad.err, /lr \(saved number 0\.01, given number 1\)/);
  const mode = await runCli('train', ...flags, '--out', path.join(r.dir, 'cli2'), '--init-adapter', r.adapter, '--init-mode', 'fuse');
  t.is(mode.code, 2);
  t.regex(mode.err, /Expected one of continue, merge for --init-mode but received "fuse"/);
  const other = await runCli('train', '--resume', out, '--out', path.join(r.dir, 'elsewhere'));
  t.is(other.code, 2);
  t.regex(other.err, /--out .*elsewhere names another/);
});
