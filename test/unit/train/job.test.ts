// The training job's options without the addon: one set of defaults, the rules of a resume, config.json upgrades, and
// the alpha a continued adapter trains with.
import test from 'ava';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseOptions } from '../../../lib/config/validate.js';
import { trainerSchema } from '../../../lib/config/train.js';
import { loopSchema } from '../../../lib/train/loop.js';
import { readSavedJob, resumeJob, trainDefaults, trainJobSchema, type TrainJob } from '../../../lib/train/job.js';
import { continuedAlpha, targetOf, type InitAdapter } from '../../../lib/train/init-adapter.js';
import { PersianLoraError } from '../../../lib/errors.js';
import { tempDir } from '../../helpers/temp-dir.js';

const tmp = () => tempDir('pl-job-');

test('job defaults are the study\'s, and the trainer and the loop default to the same values', (t) => {
  const job = parseOptions(trainJobSchema, { base: 'b.gguf', data: 'd.txt', out: 'run' }, 'train job options');
  t.like(job, {
    rank: 8, dropout: 0.05, rsLora: false, lr: 2e-4, schedule: 'cosine', warmup: 0.05, weightDecay: 0.01, clip: 1, epochs: 1,
    seqLen: 512, batch: 1, gradAccum: 8, valFraction: 0.05, evalEvery: 0, saveEvery: 0, keepCheckpoints: 2, seed: 42,
    trainRows: 'none', backward: 'auto', device: 'cpu', portable: false, threads: 0, initMode: 'continue',
  });
  t.deepEqual(job.targets, ['q', 'k', 'v', 'o', 'gate', 'up', 'down']);
  t.is(job.alpha, undefined, 'alpha is decided at run time: 32, or the initial adapter\'s');
  t.is(trainDefaults.alpha, 32);
  const trainer = trainerSchema.parse({});
  const loop = loopSchema.parse({});
  t.like(trainer, { rank: job.rank, alpha: trainDefaults.alpha, dropout: job.dropout, seed: job.seed, threads: job.threads, device: job.device });
  t.like(trainer.optimizer, { lr: job.lr, weightDecay: job.weightDecay, clip: job.clip });
  t.like(loop, { epochs: job.epochs, gradAccum: job.gradAccum, seed: job.seed, weightDecay: job.weightDecay, clip: job.clip, evalEvery: job.evalEvery, keepCheckpoints: job.keepCheckpoints });
  t.deepEqual(loop.schedule, { kind: job.schedule, warmup: job.warmup, lr: job.lr });
});

test('job options are validated by name', (t) => {
  const bad: [unknown, RegExp][] = [
    [{ base: 'b.gguf', data: 'd.txt', out: 'run', rank: 0 }, /^Expected a value >= 1 for train job options\.rank but received number 0$/],
    [{ base: 'b.gguf', data: 'd.txt', out: 'run', initMode: 'fuse' }, /train job options\.initMode/],
    [{ base: 'b.gguf', data: 'd.txt', out: 'run', trainRows: 'some' }, /train job options\.trainRows/],
    [{ base: 'b.gguf', data: 'd.txt', out: 'run', maxGradNorm: 1 }, /^Unknown option train job options\.maxGradNorm$/],
    [{ base: 'b.gguf', out: 'run' }, /train job options\.data/],
  ];
  for (const [input, message] of bad) t.throws(() => parseOptions(trainJobSchema, input, 'train job options'), { instanceOf: PersianLoraError, message });
});

const saved = (): TrainJob => ({ ...parseOptions(trainJobSchema, { base: '/m/base.gguf', data: '/d/fa.txt', out: '/runs/a', maxSteps: 4 }, 'x'), alpha: 32 });

test('a resume applies the options it may change and lists them; the saved values may be repeated', (t) => {
  const { job, changes } = resumeJob(saved(), { maxSteps: 8, evalEvery: 2, saveEvery: 1, keepCheckpoints: 3, threads: 2, device: 'gpu', rank: 8, alpha: 32, base: '/m/base.gguf' });
  t.like(job, { maxSteps: 8, evalEvery: 2, saveEvery: 1, keepCheckpoints: 3, threads: 2, device: 'gpu', rank: 8 });
  t.deepEqual(changes.map((c) => [c.option, c.from, c.to]), [['maxSteps', 4, 8], ['evalEvery', 0, 2], ['saveEvery', 0, 1], ['keepCheckpoints', 2, 3], ['threads', 0, 2], ['device', 'cpu', 'gpu']]);
  t.deepEqual(resumeJob(saved(), {}), { job: saved(), changes: [] });
});

test('a resume refuses any other changed option, naming it with the saved and the given value', (t) => {
  const e = t.throws(() => resumeJob(saved(), { maxSteps: 8, lr: 1e-3, targets: ['q', 'v'] }), { instanceOf: PersianLoraError });
  t.is(e!.code, 'ERR_INVALID_OPTION');
  t.regex(e!.message, /Cannot resume \/runs\/a/);
  t.regex(e!.message, /lr \(saved number 0\.0002, given number 0\.001\)/);
  t.regex(e!.message, /targets \(saved \["q","k","v","o","gate","up","down"\], given \["q","v"\]\)/);
  t.regex(e!.message, /Only maxSteps, evalEvery, saveEvery, keepCheckpoints, threads, device may change/);
  t.throws(() => resumeJob(saved(), { data: '/d/other.txt' }), { message: /data \(saved "\/d\/fa\.txt", given "\/d\/other\.txt"\)/ });
  t.throws(() => resumeJob(saved(), { initAdapter: '/a/adapter.gguf' }), { message: /initAdapter \(saved unset, given "\/a\/adapter\.gguf"\)/ });
});

test('config.json of runs made before the job (data + format) is read as today\'s data spec', (t) => {
  const legacy = {
    base: '/m/base.gguf', data: '/d/records.jsonl', format: 'text', rank: 2, alpha: 32, targets: ['v', 'q'], dropout: 0.05, rsLora: false,
    lr: 2e-4, schedule: 'cosine', warmup: 0.05, weightDecay: 0.01, clip: 1, epochs: 1, maxSteps: 4, seqLen: 32, batch: 2, gradAccum: 1,
    evalEvery: 0, valFraction: 0.05, saveEvery: 0, seed: 42, trainRows: 'none', backward: 'auto',
  };
  const dir = tmp();
  writeFileSync(path.join(dir, 'config.json'), JSON.stringify(legacy));
  const job = readSavedJob(dir);
  t.deepEqual(job.data, { kind: 'text', path: '/d/records.jsonl', field: 'text' });
  t.like(job, { out: dir, rank: 2, maxSteps: 4, seqLen: 32, device: 'cpu', portable: false });
  t.deepEqual(resumeJob(job, { targets: ['q', 'v'] }).changes, [], 'targets compare as a set in loraTargets order');
  writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ ...legacy, data: '/d/fa.txt' }));
  t.is(readSavedJob(dir).data, '/d/fa.txt', 'the format the extension gives keeps the plain path');
  writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ ...legacy, rank: 'eight' }));
  t.throws(() => readSavedJob(dir), { message: /config\.json\.rank but received "eight"/ });
  t.throws(() => readSavedJob(tmp()), { code: 'ERR_FILE_NOT_FOUND', message: /Nothing to resume: .*config\.json does not exist/ } as never);
});

const init = (alpha: number, rank: number): InitAdapter => ({
  file: 'a.gguf', format: 'gguf', rank, targets: ['q'],
  adapter: { architecture: 'llama', alpha, pairs: [{ target: 'blk.0.attn_q.weight', rank, inFeatures: 4, outFeatures: 4, a: new Float32Array(4 * rank), b: new Float32Array(4 * rank) }] },
});

test('a continued adapter keeps its scale: the job takes its alpha, or must give the same scale', (t) => {
  t.is(continuedAlpha(init(16, 4), { rank: 4, rsLora: false }, undefined), 16);
  t.is(continuedAlpha(init(16, 4), { rank: 4, rsLora: false }, 16), 16);
  // rsLora scales by alpha / sqrt(r): the same scale 16 / 4 = 4 needs alpha 4 · 2 = 8
  t.is(continuedAlpha(init(16, 4), { rank: 4, rsLora: true }, undefined), 8);
  t.is(continuedAlpha(init(16, 4), { rank: 4, rsLora: true }, 8), 8);
  const e = t.throws(() => continuedAlpha(init(16, 4), { rank: 4, rsLora: false }, 32), { instanceOf: PersianLoraError });
  t.is(e!.code, 'ERR_ADAPTER');
  t.regex(e!.message, /trained with alpha 16 at rank 4 \(scale 4\), but the job's alpha 32 gives scale 8/);
});

test('LoRA target letters of GGUF weights', (t) => {
  t.deepEqual(['blk.0.attn_q.weight', 'blk.11.attn_output.weight', 'blk.1.ffn_gate.weight', 'blk.1.ffn_down.weight', 'output.weight', 'blk.0.attn_norm.weight'].map(targetOf),
    ['q', 'o', 'gate', 'down', undefined, undefined]);
});
