// The training loop over a fake engine: step counts, accumulation, events, metrics, checkpoints, abort and exact resume.
import test from 'ava';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loopSchema, runTraining, type TrainEvent } from '../../../lib/train/loop.js';
import { learningRate, scheduleSchema } from '../../../lib/train/schedule.js';
import { latestCheckpoint } from '../../../lib/train/checkpoint.js';
import { PersianLoraError } from '../../../lib/errors.js';
import type { TrainingExample } from '../../../lib/data/tokenizer.js';
import { FakeEngine } from './fake-engine.js';
import { tempDir } from '../../helpers/temp-dir.js';

const plan = { sequences: 2, length: 8, padToken: 0 };
const examples: TrainingExample[] = Array.from({ length: 10 }, (_, i) => {
  const n = 4 + (i % 5);
  return { tokens: Uint32Array.from({ length: n }, (_, j) => (i * 3 + j * 5) % 29), weights: Float32Array.from({ length: n }, (_, j) => (j === 0 ? 0 : 1)) };
});
const options = { epochs: 3, gradAccum: 2, seed: 7, schedule: { kind: 'cosine' as const, warmup: 0.2, lr: 0.5 }, clip: 0, weightDecay: 0 };
const tmp = () => tempDir('pl-train-');

test('runs epochs × batches / accumulation optimizer steps and logs every step', async (t) => {
  const engine = new FakeEngine();
  const events: TrainEvent[] = [];
  const runDir = tmp();
  const out = await runTraining({ engine, train: examples, validation: examples.slice(0, 2), plan, options, runDir, onEvent: (e) => events.push(e) });
  t.is(out.stopped, 'done');
  // 10 examples / 2 per batch = 5 batches per epoch; 15 micro-batches / 2 = 8 steps
  t.is(out.state.step, 8);
  t.is(engine.calls.filter((c) => c === 'opt').length, 8);
  t.is(engine.calls.filter((c) => c === 'fb').length, 16);
  const steps = events.filter((e) => e.type === 'step');
  t.is(steps.length, 8);
  t.true(steps.at(-1)!.type === 'step' && steps.at(-1)!.loss < (steps[0] as { loss: number }).loss, 'loss falls');
  t.true(events.some((e) => e.type === 'eval'));
  const lines = readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  t.is(lines.filter((l) => l.type === 'step').length, 8);
  t.true(existsSync(out.adapterPath!));
  t.is(latestCheckpoint(runDir)!.state.step, 8);
});

test('an interrupted run resumes to the same losses as an uninterrupted one', async (t) => {
  const full: number[] = [];
  await runTraining({ engine: new FakeEngine(), train: examples, plan, options, runDir: tmp(), onEvent: (e) => e.type === 'step' && full.push(e.loss) });

  const runDir = tmp();
  const controller = new AbortController();
  const first: number[] = [];
  const partial = await runTraining({ engine: new FakeEngine(), train: examples, plan, options: { ...options, saveEvery: 2 }, runDir, signal: controller.signal,
    onEvent: (e) => { if (e.type === 'step') { first.push(e.loss); if (e.step === 3) controller.abort(); } } });
  t.is(partial.stopped, 'abort');
  t.is(partial.state.step, 3);
  const rest: number[] = [];
  const resumed = await runTraining({ engine: new FakeEngine(), train: examples, plan, options: { ...options, saveEvery: 2 }, runDir, resume: true, onEvent: (e) => e.type === 'step' && rest.push(e.loss) });
  t.is(resumed.stopped, 'done');
  t.deepEqual([...first, ...rest], full);
});

test('a failed checkpoint write leaves the previous checkpoint intact', async (t) => {
  const runDir = tmp();
  const engine = new FakeEngine();
  await runTraining({ engine, train: examples, plan, options: { ...options, maxSteps: 2 }, runDir });
  const before = latestCheckpoint(runDir)!;
  engine.failSave = true;
  await t.throwsAsync(runTraining({ engine, train: examples, plan, options: { ...options, maxSteps: 4 }, runDir: runDir }), { message: 'disk full' });
  t.deepEqual(latestCheckpoint(runDir), before);
});

test('bad data and corrupt checkpoints give clear errors', async (t) => {
  const engine = new FakeEngine();
  await t.throwsAsync(runTraining({ engine, train: [], plan, options, runDir: tmp() }), { instanceOf: PersianLoraError, message: /training data holds no training examples/ });
  const long = [{ tokens: new Uint32Array(9), weights: new Float32Array(9).fill(1) }];
  await t.throwsAsync(runTraining({ engine, train: long, plan, options, runDir: tmp() }), { message: /example 0 has 9 tokens, more than the sequence length 8/ });
  await t.throwsAsync(runTraining({ engine, train: examples, plan, options, runDir: tmp(), resume: true }), { message: /Nothing to resume/ });
  const runDir = tmp();
  await runTraining({ engine, train: examples, plan, options: { ...options, maxSteps: 1 }, runDir });
  writeFileSync(path.join(latestCheckpoint(runDir)!.dir, 'state.json'), '{"version": 1, "step": "x"');
  await t.throwsAsync(runTraining({ engine, train: examples, plan, options, runDir, resume: true }), { message: /Corrupt checkpoint .*state\.json/ });
  await t.throwsAsync(runTraining({ engine, train: examples, plan, options: { ...options, colour: 1 } as never, runDir: tmp() }), { message: /Unknown option train options\.colour/ });
});

test('resuming with other data is refused', async (t) => {
  const runDir = tmp();
  await runTraining({ engine: new FakeEngine(), train: examples, plan, options: { ...options, maxSteps: 1 }, runDir });
  await t.throwsAsync(runTraining({ engine: new FakeEngine(), train: examples.slice(1), plan, options, runDir, resume: true }), { message: /data or the training options differ/ });
});

// maxSteps is outside the resume hash: a finished run can be extended (and a stopped one shortened). The learning rate
// follows the new total from the checkpoint's step on; other options still refuse the resume.
test('a resume may change maxSteps (the schedule then follows the new total), not the other options', async (t) => {
  const runDir = tmp();
  const first = await runTraining({ engine: new FakeEngine(), train: examples, plan, options: { ...options, maxSteps: 3 }, runDir });
  t.is(first.state.step, 3);
  t.is(first.totalSteps, 3);
  const lrs: number[] = [];
  const more = await runTraining({ engine: new FakeEngine(), train: examples, plan, options: { ...options, maxSteps: 6 }, runDir, resume: true,
    onEvent: (e) => e.type === 'step' && lrs.push(e.lr) });
  t.is(more.stopped, 'done');
  t.is(more.state.step, 6);
  t.is(more.totalSteps, 6);
  t.deepEqual(lrs, [3, 4, 5].map((s) => learningRate(scheduleSchema.parse(options.schedule), s, 6)));
  t.is(latestCheckpoint(runDir)!.state.step, 6);
  await t.throwsAsync(runTraining({ engine: new FakeEngine(), train: examples, plan, options: { ...options, maxSteps: 8, seed: 8 }, runDir, resume: true }),
    { message: /data or the training options differ/ });
  await t.throwsAsync(runTraining({ engine: new FakeEngine(), train: examples, plan, options: { ...options, maxSteps: 8, clip: 1 }, runDir, resume: true }),
    { message: /data or the training options differ/ });
});

test('loop defaults are the study\'s: accumulation 8, weight decay 0.01, clip 1, cosine with warmup 0.05 at 2e-4', (t) => {
  const o = loopSchema.parse({});
  t.like(o, { epochs: 1, gradAccum: 8, seed: 42, weightDecay: 0.01, clip: 1, betas: [0.9, 0.999], eps: 1e-8, evalEvery: 0, saveEvery: 0, keepCheckpoints: 2 });
  t.deepEqual(o.schedule, { kind: 'cosine', warmup: 0.05, lr: 2e-4 });
});
