// The training loop in TypeScript over native steps: accumulation, schedule, validation, progress, checkpoints, abort.
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { z } from 'zod';
import { parseOptions } from '../config/validate.js';
import { optimizerSchema, trainDefaults } from '../config/train.js';
import { PersianLoraError, ioError } from '../errors.js';
import { writeFileAtomicallySync } from '../atomic-file.js';
import type { TrainingExample } from '../data/tokenizer.js';
import type { TrainEngine, LoopBatch } from './engine.js';
import { batchesPerEpoch, checkExamples, epochOrder, makeBatch, type BatchPlan } from './batches.js';
import { learningRate, scheduleSchema } from './schedule.js';
import { latestCheckpoint, saveCheckpoint, type LoopState } from './checkpoint.js';

export const loopSchema = z.strictObject({
  /** Passes over the training data. Default 1. */
  epochs: z.number().int().min(1).default(trainDefaults.epochs),
  /**
   * Stop after this many optimizer steps (overrides epochs). May change across a resume: the schedule is then computed
   * over the new total from the checkpoint's step on (see docs/training.md, The training job).
   */
  maxSteps: z.number().int().min(1).optional(),
  /** Micro-batches per optimizer step. Default 8. */
  gradAccum: z.number().int().min(1).default(trainDefaults.gradAccum),
  /** Shuffle the examples each epoch (seeded). Default true. */
  shuffle: z.boolean().default(true),
  seed: z.number().int().min(0).default(trainDefaults.seed),
  /** Learning-rate schedule. Default cosine, warmup 0.05, lr 2e-4. */
  schedule: scheduleSchema.default(() => scheduleSchema.parse({})),
  /** Learning rate of trainable embedding / output rows. Default: the schedule's lr. */
  embeddingLr: z.number().positive().optional(),
  /** AdamW settings, named as in the trainer's optimizer options (lib/config/train.ts). */
  weightDecay: optimizerSchema.shape.weightDecay,
  betas: optimizerSchema.shape.betas,
  eps: optimizerSchema.shape.eps,
  /** Global gradient-norm clip; 0 = off. Default 1. */
  clip: optimizerSchema.shape.clip,
  /** Validation every N steps (0 = only at the end). Default 0. */
  evalEvery: z.number().int().min(0).default(trainDefaults.evalEvery),
  /** Checkpoint every N steps (0 = only at the end and on interrupt). Default 0. */
  saveEvery: z.number().int().min(0).default(trainDefaults.saveEvery),
  /** Checkpoints kept. Default 2. */
  keepCheckpoints: z.number().int().min(1).default(trainDefaults.keepCheckpoints),
});
export type LoopOptions = z.input<typeof loopSchema>;

export type TrainEvent =
  | { type: 'step'; step: number; totalSteps: number; epoch: number; loss: number; lr: number; gradNorm: number; tokens: number; tokensPerSecond: number; etaSeconds: number }
  | { type: 'eval'; step: number; loss: number; perplexity: number; tokens: number }
  | { type: 'checkpoint'; step: number; dir: string }
  | { type: 'resume'; step: number; dir: string };

export interface TrainRun {
  engine: TrainEngine;
  train: TrainingExample[];
  validation?: TrainingExample[];
  plan: BatchPlan;
  options: LoopOptions;
  /** Run folder: metrics.jsonl, checkpoints/, adapter.gguf. */
  runDir: string;
  /** Continue from the run folder's latest checkpoint. */
  resume?: boolean;
  signal?: AbortSignal;
  onEvent?: (event: TrainEvent) => void;
}

export interface TrainOutcome {
  state: LoopState;
  /** The run's optimizer steps in all (maxSteps, or epochs × batches / gradAccum). */
  totalSteps: number;
  stopped: 'done' | 'abort';
  adapterPath?: string;
}

/**
 * Hash of what must not change across a resume: the options that shape the run (all but maxSteps, evalEvery,
 * saveEvery and keepCheckpoints), the batch plan and the training tokens. maxSteps is left out so that a run can be
 * extended or shortened; the loop position (step, epoch, batch) does not depend on it.
 */
function configHash(o: z.output<typeof loopSchema>, run: TrainRun): string {
  const { evalEvery, saveEvery, keepCheckpoints, maxSteps, ...fixed } = o;
  void evalEvery; void saveEvery; void keepCheckpoints; void maxSteps;
  return hashOf(fixed, run);
}

/** The hash checkpoints written before maxSteps could change held (maxSteps in, the older option names). */
function legacyConfigHash(o: z.output<typeof loopSchema>, run: TrainRun): string {
  const fixed = {
    epochs: o.epochs, maxSteps: o.maxSteps, gradAccum: o.gradAccum, shuffle: o.shuffle, seed: o.seed, schedule: o.schedule,
    embeddingLr: o.embeddingLr, weightDecay: o.weightDecay, beta1: o.betas[0], beta2: o.betas[1], eps: o.eps, maxGradNorm: o.clip,
  };
  return hashOf(fixed, run);
}

function hashOf(fixed: object, run: TrainRun): string {
  const h = createHash('sha256');
  h.update(JSON.stringify({ fixed, plan: run.plan, count: run.train.length }));
  for (const e of run.train) h.update(new Uint8Array(e.tokens.buffer, e.tokens.byteOffset, e.tokens.byteLength));
  return h.digest('hex').slice(0, 16);
}

async function meanLoss(engine: TrainEngine, batches: LoopBatch[]): Promise<{ loss: number; tokens: number }> {
  let sum = 0;
  let tokens = 0;
  for (const b of batches) {
    const r = await engine.evaluate(b);
    sum += r.loss * r.tokens;
    tokens += r.tokens;
  }
  return { loss: tokens > 0 ? sum / tokens : NaN, tokens };
}

/** The run's log of steps, evaluations and resumes, one JSON record a line. */
export const METRICS_FILE = 'metrics.jsonl';

/** Weight of the newest step in the smoothed seconds per step the ETA uses (an exponential moving average). */
export const ETA_SMOOTHING = 0.2;

/** The smoothed seconds per step after a step that took `seconds` (`previous` undefined before the first). */
export function smoothedStepSeconds(previous: number | undefined, seconds: number): number {
  return previous === undefined ? seconds : previous + ETA_SMOOTHING * (seconds - previous);
}

/**
 * metrics.jsonl cut back to what a resume from `step` keeps: records of steps up to it (what came after is done again)
 * and no line cut short by a killed process. Rewritten atomically.
 */
export function truncateMetrics(file: string, step: number): void {
  if (!existsSync(file)) return;
  const kept = readFileSync(file, 'utf8').split('\n').filter((line) => {
    try {
      const record = JSON.parse(line) as { step?: unknown };
      return typeof record.step === 'number' && record.step <= step;
    } catch {
      return false;
    }
  });
  writeFileAtomicallySync(file, kept.map((l) => l + '\n').join(''));
}

export async function runTraining(run: TrainRun): Promise<TrainOutcome> {
  const o = parseOptions(loopSchema, run.options, 'train options');
  checkExamples(run.train, run.plan, 'training data');
  if (run.validation && run.validation.length > 0) checkExamples(run.validation, run.plan, 'validation data');
  mkdirSync(run.runDir, { recursive: true });
  const metrics = path.join(run.runDir, METRICS_FILE);
  const log = (record: object) => {
    try {
      appendFileSync(metrics, JSON.stringify(record) + '\n');
    } catch (error) {
      throw ioError(error, metrics, 'write');
    }
  };
  const emit = (event: TrainEvent) => run.onEvent?.(event);

  const perEpoch = batchesPerEpoch(run.train.length, run.plan);
  const totalSteps = o.maxSteps ?? Math.ceil((o.epochs * perEpoch) / o.gradAccum);
  const hash = configHash(o, run);
  let state: LoopState = { version: 1, step: 0, epoch: 0, batchInEpoch: 0, tokensSeen: 0, configHash: hash };
  if (run.resume) {
    const found = latestCheckpoint(run.runDir);
    if (!found) throw new PersianLoraError('ERR_DATA', `Nothing to resume: ${run.runDir} holds no checkpoint`);
    if (found.state.configHash !== hash && found.state.configHash !== legacyConfigHash(o, run)) {
      throw new PersianLoraError('ERR_DATA', `Cannot resume ${run.runDir}: the data or the training options differ from the checkpoint's (hash ${found.state.configHash}, now ${hash})`);
    }
    await run.engine.loadState(found.dir);
    state = { ...found.state, configHash: hash };
    truncateMetrics(metrics, state.step);
    log({ type: 'resume', step: state.step });
    emit({ type: 'resume', step: state.step, dir: found.dir });
  }

  const validation = (run.validation ?? []).length > 0
    ? Array.from({ length: batchesPerEpoch(run.validation!.length, run.plan) }, (_, i) => makeBatch(run.validation!, epochOrder(run.validation!.length, 0, 0, false), i, run.plan))
    : [];
  const evaluate = async () => {
    if (validation.length === 0) return;
    const r = await meanLoss(run.engine, validation);
    log({ type: 'eval', step: state.step, loss: r.loss, perplexity: Math.exp(r.loss), tokens: r.tokens });
    emit({ type: 'eval', step: state.step, loss: r.loss, perplexity: Math.exp(r.loss), tokens: r.tokens });
  };
  const checkpoint = async () => {
    const dir = await saveCheckpoint(run.runDir, run.engine, state, o.keepCheckpoints);
    emit({ type: 'checkpoint', step: state.step, dir });
  };

  let order = epochOrder(run.train.length, o.seed, state.epoch, o.shuffle);
  let stepSeconds: number | undefined;
  while (state.step < totalSteps) {
    if (run.signal?.aborted) {
      await checkpoint();
      return { state, totalSteps, stopped: 'abort' };
    }
    const t0 = Date.now();
    const micro: LoopBatch[] = [];
    for (let m = 0; m < o.gradAccum; m++) {
      if (state.batchInEpoch >= perEpoch) {
        state = { ...state, epoch: state.epoch + 1, batchInEpoch: 0 };
        order = epochOrder(run.train.length, o.seed, state.epoch, o.shuffle);
      }
      micro.push(makeBatch(run.train, order, state.batchInEpoch, run.plan));
      state = { ...state, batchInEpoch: state.batchInEpoch + 1 };
    }
    const lr = learningRate(o.schedule, state.step, totalSteps);
    const { loss, tokens, gradNorm } = await run.engine.step(micro, {
      lr, embeddingLr: ((o.embeddingLr ?? o.schedule.lr) / o.schedule.lr) * lr, weightDecay: o.weightDecay,
      betas: o.betas, eps: o.eps, clip: o.clip,
    });
    state = { ...state, step: state.step + 1, tokensSeen: state.tokensSeen + tokens };
    const seconds = (Date.now() - t0) / 1000;
    stepSeconds = smoothedStepSeconds(stepSeconds, seconds);
    const event = {
      type: 'step' as const, step: state.step, totalSteps, epoch: state.epoch, loss, lr, gradNorm,
      tokens, tokensPerSecond: tokens / Math.max(seconds, 1e-9), etaSeconds: stepSeconds * (totalSteps - state.step),
    };
    log({ ...event, time: new Date().toISOString() });
    emit(event);
    if (o.evalEvery > 0 && state.step % o.evalEvery === 0) await evaluate();
    if (o.saveEvery > 0 && state.step % o.saveEvery === 0 && state.step < totalSteps) await checkpoint();
  }
  if (o.evalEvery === 0 || state.step % o.evalEvery !== 0) await evaluate();
  await checkpoint();
  const adapterPath = path.join(run.runDir, 'adapter.gguf');
  await run.engine.exportAdapter(adapterPath);
  return { state, totalSteps, stopped: 'done', adapterPath };
}
