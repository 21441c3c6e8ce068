// A training job as one library call: data → validation split → trainer (optionally from an existing adapter) → loop →
// adapter.gguf, with one options schema (the `train` CLI's), one set of defaults and the rules of a resume.
import { existsSync, readFileSync, readdirSync, rmSync, rmdirSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { parseOptions } from '../config/validate.js';
import { loraTargets, trainDefaults, trainerSchema, optimizerSchema, type LoraTarget } from '../config/train.js';
import { PersianLoraError, describeValue, ioError } from '../errors.js';
import { makeDirs, writeJsonAtomically } from '../atomic-file.js';
import { lockRunDir } from '../run-lock.js';
import { loadModel } from '../model.js';
import { modelTokenizer } from '../model-tokenizer.js';
import { writeLoraAdapter } from '../lora/adapter-file.js';
import { mergeAdapter } from '../lora/merge.js';
import { readGgufMetadata } from '../vocab/gguf-read.js';
import { FIRST_NEW_ID_KEY } from '../vocab/extend-gguf.js';
import { splitValidation } from './data.js';
import { readTrainData, specOfPath, trainDataSchema, type TrainDataSpec } from './sources.js';
import { METRICS_FILE, loopSchema, runTraining, truncateMetrics, type TrainEvent } from './loop.js';
import { latestCheckpoint } from './checkpoint.js';
import { scheduleKinds } from './schedule.js';
import { Trainer } from './trainer.js';
import { checkTrainerMemory } from './memory-plan.js';
import { checkSeqLen, checkTrainSizes } from '../gguf/train-sizes.js';
import { NativeEngine } from './native-engine.js';
import { continuedAlpha, describeInitAdapter, loadInitAdapter, readInitAdapter, type InitAdapter } from './init-adapter.js';

export { trainDefaults };

export const initModes = ['continue', 'merge'] as const;
export type InitMode = (typeof initModes)[number];

/** Options a resume may change (each is applied and recorded in config.json); any other must keep its saved value. */
export const resumableOptions = ['maxSteps', 'evalEvery', 'saveEvery', 'keepCheckpoints', 'threads', 'device'] as const;

/** The run folder's record of its options (everything but `out`, which is the folder). */
export const CONFIG_FILE = 'config.json';
/** initMode 'merge': the base with the initial adapter merged in, which the run trains on. */
export const INIT_BASE_FILE = 'init-base.gguf';
/** initMode 'merge' from a PEFT folder: the folder converted to a LoRA GGUF, as merged. */
export const INIT_ADAPTER_FILE = 'init-adapter.gguf';

/**
 * Every option of a training job (= `persian-lora train`'s flags, camelCase). Defaults: the study's (trainDefaults in
 * lib/config/train.ts, shared with Trainer and runTraining).
 */
export const trainJobSchema = z.strictObject({
  /** Frozen base model, any llama.cpp weight type. */
  base: z.string().min(1),
  /** Training data: a path (.txt text, .jsonl/.json records) or a { kind, ... } spec (lib/train/sources.ts). */
  data: trainDataSchema,
  /** Run folder: config.json, metrics.jsonl, checkpoints/, adapter.gguf. */
  out: z.string().min(1),
  rank: trainerSchema.shape.rank,
  /** LoRA alpha. Default 32 (trainDefaults.alpha); with initMode 'continue', default: the initial adapter's. */
  alpha: z.number().positive().max(1e9).optional(),
  targets: trainerSchema.shape.targets,
  dropout: trainerSchema.shape.dropout,
  rsLora: trainerSchema.shape.rsLora,
  /** Peak learning rate. Default 2e-4. */
  lr: z.number().positive().max(1000).default(trainDefaults.lr),
  /** Learning-rate schedule after warmup. Default cosine. */
  schedule: z.enum(scheduleKinds).default(trainDefaults.schedule),
  /** Warmup: a ratio of the total steps (< 1) or a step count. Default 0.05. */
  warmup: z.number().min(0).default(trainDefaults.warmup),
  weightDecay: optimizerSchema.shape.weightDecay,
  clip: optimizerSchema.shape.clip,
  epochs: loopSchema.shape.epochs,
  maxSteps: loopSchema.shape.maxSteps,
  /** Tokens per sequence. Default 512. */
  seqLen: z.number().int().min(2).max(1 << 20).default(trainDefaults.seqLen),
  /** Sequences per micro-batch. Default 1. */
  batch: z.number().int().min(1).max(4096).default(trainDefaults.batch),
  gradAccum: loopSchema.shape.gradAccum,
  /** Held-out share of the examples for validation (every k-th example). Default 0.05. */
  valFraction: z.number().min(0).max(0.5).default(trainDefaults.valFraction),
  evalEvery: loopSchema.shape.evalEvery,
  saveEvery: loopSchema.shape.saveEvery,
  keepCheckpoints: loopSchema.shape.keepCheckpoints,
  seed: trainerSchema.shape.seed,
  /** Token rows that train as full rows: 'none', 'all', 'new' (ids from the base's persian_lora.vocab.first_new_id) or { fromId }. */
  trainRows: z.union([z.enum(['none', 'all', 'new']), z.strictObject({ fromId: z.number().int().min(0).max(2 ** 31 - 1) })]).default(trainDefaults.trainRows),
  embeddingLr: loopSchema.shape.embeddingLr,
  backward: trainerSchema.shape.backward,
  device: trainerSchema.shape.device,
  portable: trainerSchema.shape.portable,
  threads: trainerSchema.shape.threads,
  /** Start from this adapter: a llama.cpp LoRA GGUF, or a PEFT folder (adapter_config.json + adapter_model.safetensors). */
  initAdapter: z.string().min(1).optional(),
  /**
   * 'continue' (default): load the adapter's A and B into the trainer and keep training that LoRA (same rank and
   * targets; alpha taken from the adapter). 'merge': merge it into the base (`<out>/init-base.gguf`) and train a fresh
   * adapter on that, of any rank and targets.
   */
  initMode: z.enum(initModes).default('continue'),
});
export type TrainJobOptions = z.input<typeof trainJobSchema>;
export type TrainJob = z.output<typeof trainJobSchema>;
/** A resume: the run folder, and options that may be given beside it (see resumableOptions). */
export type TrainJobResume = Partial<TrainJobOptions> & { out: string };

export interface ResumeChange {
  option: (typeof resumableOptions)[number];
  from: unknown;
  to: unknown;
}

export type TrainJobEvent =
  | TrainEvent
  | {
    type: 'start';
    runDir: string;
    resumed: boolean;
    /** Training examples and held-out (validation) examples. */
    examples: number;
    heldOut: number;
    seqLen: number;
    rank: number;
    alpha: number;
    targets: LoraTarget[];
    /** Trainable tensors (LoRA A and B, token rows) and their values. */
    parameters: number;
    values: number;
    /** Device, graph and backward route, in words. */
    device: string;
    /** The base the trainer loaded (the given base, or init-base.gguf with initMode 'merge'). */
    base: string;
    /** With initAdapter (on the run's first start; a resume continues from its checkpoint). */
    init?: { mode: InitMode; adapter: string; description: string; mergedBase?: string };
    /** Options a resume changed. */
    changes: ResumeChange[];
  };

export interface TrainJobRun {
  /** Continue the run in `options.out` from its latest checkpoint, with its saved options. */
  resume?: boolean;
  signal?: AbortSignal;
  onEvent?: (event: TrainJobEvent) => void;
}

export interface TrainJobOutcome {
  runDir: string;
  /** adapter.gguf (written when the run is done). */
  adapterPath?: string;
  /** base.gguf with the trained token rows (trainRows), else the base the adapter was trained on. */
  basePath?: string;
  /** What basePath is: the base given, init-base.gguf (initMode 'merge'), or base.gguf with the trained rows. */
  baseKind: 'given' | 'merged' | 'trained-rows';
  stopped: 'done' | 'abort';
  /** Optimizer steps done, of totalSteps. */
  steps: number;
  totalSteps: number;
  /** Target tokens seen over the whole run. */
  tokens: number;
  /** Wall time of this call, and of its training loop. */
  seconds: number;
  trainSeconds: number;
  /** Loss of the run's first and last optimizer step (from metrics.jsonl: over every start of the run); NaN before any step. */
  firstLoss: number;
  lastLoss: number;
  /** The last validation loss of this call (absent without held-out examples or when stopped before an evaluation). */
  validationLoss?: number;
  device: string;
  /** Absolute paths of the data files read. */
  dataFiles: string[];
}

const absolute = (p: string) => path.resolve(p);

/** The data spec with its path made absolute (strings and { path } specs; Hub specs are left as they are). */
function absoluteData(data: TrainDataSpec): TrainDataSpec {
  if (typeof data === 'string') return absolute(data);
  if (data !== null && typeof data === 'object' && typeof (data as { path?: unknown }).path === 'string') return { ...data, path: absolute((data as { path: string }).path) };
  return data;
}

/** trainRows 'new' as { fromId } from the base's persian_lora.vocab.first_new_id. */
function resolveTrainRows(rows: TrainJob['trainRows'], base: string): Exclude<TrainJob['trainRows'], 'new'> {
  if (rows !== 'new') return rows;
  const kv = readGgufMetadata(base).kv.get(FIRST_NEW_ID_KEY);
  if (kv === undefined || typeof kv.value !== 'number') {
    throw new PersianLoraError('ERR_INVALID_OPTION', `trainRows "new" (--train-rows new) needs ${FIRST_NEW_ID_KEY} in ${base} (written by vocab extend); give a token id ({ fromId }) instead`);
  }
  return { fromId: kv.value };
}

/** A job in the form config.json keeps and resumes compare: absolute paths, trainRows resolved, targets in loraTargets order. */
function canonical(job: TrainJob): TrainJob {
  return {
    ...job,
    base: absolute(job.base),
    data: absoluteData(job.data) as TrainJob['data'],
    out: absolute(job.out),
    targets: loraTargets.filter((t) => job.targets.includes(t)),
    trainRows: resolveTrainRows(job.trainRows, absolute(job.base)),
    ...(job.initAdapter !== undefined ? { initAdapter: absolute(job.initAdapter) } : {}),
  };
}

/** config.json as written by `train` before the job existed ({ data, format: 'text' | 'jsonl' }) in today's form. */
function upgradeConfig(raw: Record<string, unknown>): Record<string, unknown> {
  if (!('format' in raw)) return raw;
  const { format, ...rest } = raw;
  const data = rest.data;
  if (typeof data === 'string' && (format === 'text' || format === 'jsonl')) {
    const byExtension = specOfPath(data).kind === 'text' ? 'text' : 'jsonl';
    rest.data = format === byExtension ? data : format === 'text' ? { kind: 'text', path: data } : { kind: 'instructions', path: data };
  }
  return rest;
}

/** config.json that cannot be read back (empty or cut short: older versions wrote it in place, a full disk left it so). */
function unreadableConfig(runDir: string, file: string, what: string): PersianLoraError {
  return new PersianLoraError('ERR_BAD_FORMAT', `${file} ${what}, so the run in ${runDir} cannot be resumed: remove ${runDir} and start the run again (or use another out)`);
}

/** The saved job of a run folder (config.json), with `out` set to the folder. */
export function readSavedJob(runDir: string): TrainJob {
  const file = path.join(runDir, CONFIG_FILE);
  if (!existsSync(file)) throw new PersianLoraError('ERR_FILE_NOT_FOUND', `Nothing to resume: ${file} does not exist`);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw ioError(error, file, 'read');
  }
  if (text.trim() === '') throw unreadableConfig(runDir, file, 'is empty');
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw unreadableConfig(runDir, file, 'is not valid JSON');
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw unreadableConfig(runDir, file, 'does not hold a JSON object of training options');
  return canonical(parseOptions(trainJobSchema, { ...upgradeConfig(raw as Record<string, unknown>), out: runDir }, file));
}

function writeSavedJob(job: TrainJob): void {
  const { out, ...saved } = job;
  writeJsonAtomically(path.join(out, CONFIG_FILE), saved);
}

/**
 * Creates the run folder (when new), takes its lock (lib/run-lock.ts) and removes temporary files a killed run left.
 * The release frees the lock, and removes the folder when this call made it and a failed run left it empty.
 */
function lockRun(runDir: string, resume: boolean): (failed: boolean) => void {
  if (resume && !existsSync(runDir)) throw new PersianLoraError('ERR_FILE_NOT_FOUND', `Nothing to resume: ${runDir} does not exist`);
  const made = makeDirs(runDir, 'create the run folder');
  const release = lockRunDir(runDir);
  // temporary files of an atomic write a killed process left (no one else writes here while we hold the lock)
  for (const name of readdirSync(runDir).filter((n) => /\.tmp-\d+$/.test(n))) rmSync(path.join(runDir, name), { force: true });
  return (failed) => {
    release();
    if (failed && made !== undefined && readdirSync(runDir).length === 0) rmdirSync(runDir);
  };
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
const shown = (v: unknown) => (v === undefined ? 'unset' : typeof v === 'object' ? JSON.stringify(v) : describeValue(v));

/**
 * The job a resume runs: the saved one with the given options applied. Options given with the saved value are
 * accepted; resumableOptions that differ are applied (and listed); any other difference is refused with
 * ERR_INVALID_OPTION naming each option, its saved value and the given one. `given` holds only the options set
 * (undefined values are not given); both sides in canonical form.
 */
export function resumeJob(saved: TrainJob, given: Partial<TrainJob>): { job: TrainJob; changes: ResumeChange[] } {
  const changes: ResumeChange[] = [];
  const refused: string[] = [];
  const job = { ...saved };
  for (const [key, value] of Object.entries(given) as [keyof TrainJob, unknown][]) {
    if (key === 'out' || value === undefined || same(value, saved[key])) continue;
    if ((resumableOptions as readonly string[]).includes(key)) {
      changes.push({ option: key as ResumeChange['option'], from: saved[key], to: value });
      (job as Record<string, unknown>)[key] = value;
    } else {
      refused.push(`${key} (saved ${shown(saved[key])}, given ${shown(value)})`);
    }
  }
  if (refused.length > 0) {
    throw new PersianLoraError('ERR_INVALID_OPTION', `Cannot resume ${saved.out} with other options than it started with: ${refused.join('; ')}. Only ${resumableOptions.join(', ')} may change on a resume; start a new run (another out) for the rest`);
  }
  return { job, changes };
}

/** The given options of a resume, validated one by one against the schema and put in canonical form. */
function givenChanges(options: Record<string, unknown>, saved: TrainJob): Partial<TrainJob> {
  const given = Object.fromEntries(Object.entries(options).filter(([k, v]) => v !== undefined && k !== 'out'));
  if (Object.keys(given).length === 0) return {};
  const shape = trainJobSchema.shape as Record<string, z.ZodType>;
  const parsed: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(given)) {
    if (!(key in shape)) throw new PersianLoraError('ERR_INVALID_OPTION', `Unknown option train job options.${key}`);
    parsed[key] = parseOptions(z.strictObject({ [key]: shape[key]! }), { [key]: value }, 'train job options')[key];
  }
  const merged = canonical({ ...saved, ...parsed } as TrainJob);
  return Object.fromEntries(Object.keys(parsed).map((k) => [k, merged[k as keyof TrainJob]]));
}

function deviceWords(trainer: Trainer, portable: boolean): string {
  return `${trainer.device.name} (${trainer.device.description})${portable ? ', portable graph' : ''}, backward ${trainer.backward}${trainer.amx ? ' (AMX tiles)' : ''}`;
}

/** First and last step loss recorded in the run's metrics.jsonl. */
function runLosses(runDir: string): { first: number; last: number } {
  const file = path.join(runDir, METRICS_FILE);
  if (!existsSync(file)) return { first: NaN, last: NaN };
  const steps = readFileSync(file, 'utf8').split('\n').filter((l) => l.includes('"type":"step"')).map((l) => JSON.parse(l) as { step: number; loss: number });
  if (steps.length === 0) return { first: NaN, last: NaN };
  const first = steps.reduce((a, b) => (b.step < a.step ? b : a));
  return { first: first.loss, last: steps.at(-1)!.loss };
}

/**
 * Runs a training job: reads and splits the data, creates the trainer (from `initAdapter` when given), writes
 * `<out>/config.json`, trains (runTraining: metrics.jsonl, checkpoints, validation) and writes `<out>/adapter.gguf`
 * (and `<out>/base.gguf` with trainRows). With `run.resume`, `options` is `{ out, ...changes }`: the saved options of
 * `<out>/config.json` are used, changed only as resumeJob allows. An aborted signal stops after the current step
 * with a checkpoint (stopped 'abort').
 */
export async function runTrainJob(options: TrainJobOptions | TrainJobResume, run: TrainJobRun = {}): Promise<TrainJobOutcome> {
  if (options === null || typeof options !== 'object') throw new PersianLoraError('ERR_INVALID_OPTION', `Expected an options object for train job options but received ${describeValue(options)}`);
  const resume = run.resume === true;
  if (resume && (typeof options.out !== 'string' || options.out.length === 0)) throw new PersianLoraError('ERR_INVALID_OPTION', `Expected the run folder for train job options.out but received ${describeValue(options.out)}`);
  // a new run's options are checked before its folder is made
  const parsed = resume ? undefined : canonical(parseOptions(trainJobSchema, options, 'train job options'));
  const release = lockRun(path.resolve(parsed?.out ?? options.out!), resume);
  let failed = true;
  try {
    const outcome = await runLocked(options, parsed, run);
    failed = false;
    return outcome;
  } finally {
    release(failed);
  }
}

async function runLocked(options: TrainJobOptions | TrainJobResume, parsed: TrainJob | undefined, run: TrainJobRun): Promise<TrainJobOutcome> {
  const started = Date.now();
  const emit = (e: TrainJobEvent) => run.onEvent?.(e);
  let job: TrainJob;
  let changes: ResumeChange[] = [];
  if (parsed === undefined) {
    const saved = readSavedJob(options.out!);
    ({ job, changes } = resumeJob(saved, givenChanges(options as Record<string, unknown>, saved)));
  } else {
    job = parsed;
    if (existsSync(path.join(job.out, CONFIG_FILE))) {
      throw new PersianLoraError('ERR_INVALID_OPTION', `${options.out} already holds a run: use --resume ${options.out} (resume: true) to continue it, or another out`);
    }
  }
  const runDir = job.out;
  // a resume continues from the latest checkpoint; a run stopped before its first one (a full disk, say) starts over
  const fromCheckpoint = parsed === undefined && latestCheckpoint(runDir) !== undefined;
  if (parsed === undefined && !fromCheckpoint) truncateMetrics(path.join(runDir, METRICS_FILE), 0);
  const trainRows = job.trainRows as Exclude<TrainJob['trainRows'], 'new'>;

  // the data, tokenized with the base's vocabulary (a merged base keeps it)
  checkSeqLen(job.base, job.seqLen);
  const vocab = await loadModel(job.base, { vocabOnly: true, signal: run.signal });
  let examples, dataFiles: string[];
  try {
    ({ examples, files: dataFiles } = await readTrainData(job.data, { tokenizer: modelTokenizer(vocab), seqLen: job.seqLen, seed: job.seed, signal: run.signal }));
  } finally {
    vocab.dispose();
  }
  const { train, validation } = splitValidation(examples, job.valFraction);
  checkTrainSizes(job.base, { rank: job.rank, batch: job.batch, gradAccum: job.gradAccum, epochs: job.epochs, sequences: train.length, maxSteps: job.maxSteps });

  // the initial adapter: read and checked on the first start (a resume continues from its checkpoint)
  let init: InitAdapter | undefined;
  let initEvent: Extract<TrainJobEvent, { type: 'start' }>['init'];
  let trainBase = job.base;
  const initFile = job.initAdapter;
  if (initFile !== undefined) {
    const mergedBase = path.join(runDir, INIT_BASE_FILE);
    if (job.initMode === 'merge') {
      trainBase = mergedBase;
      if (!fromCheckpoint || !existsSync(mergedBase)) {
        const read = await readInitAdapter(initFile, job.base);
        let adapterFile = initFile;
        if (read.format === 'peft') {
          adapterFile = path.join(runDir, INIT_ADAPTER_FILE);
          writeLoraAdapter(adapterFile, read.adapter);
        }
        await mergeAdapter(job.base, adapterFile, mergedBase, { type: 'keep', signal: run.signal });
        initEvent = { mode: 'merge', adapter: initFile, description: describeInitAdapter(read), mergedBase };
      }
    } else if (!fromCheckpoint) {
      init = await readInitAdapter(initFile, job.base);
      if (init.rank !== job.rank) {
        const p = init.adapter.pairs[0]!;
        throw new PersianLoraError('ERR_ADAPTER', `${initFile}: ${p.target}.lora_a has ggml shape [${p.inFeatures}, ${p.rank}] (rank ${p.rank}) but the job trains rank ${job.rank} ([${p.inFeatures}, ${job.rank}]): set rank ${p.rank}, or use initMode 'merge'`);
      }
      job = { ...job, alpha: continuedAlpha(init, { rank: job.rank, rsLora: job.rsLora }, job.alpha) };
      initEvent = { mode: 'continue', adapter: initFile, description: describeInitAdapter(init) };
    }
  }
  const alpha = job.alpha ?? trainDefaults.alpha;
  job = { ...job, alpha };

  const trainer = await Trainer.create(trainBase, {
    rank: job.rank, alpha, targets: job.targets, dropout: job.dropout, rsLora: job.rsLora, seed: job.seed, threads: job.threads,
    trainRows, device: job.device, portable: job.portable, backward: job.backward,
  });
  try {
    if (job.seqLen > trainer.contextLength) throw new PersianLoraError('ERR_INVALID_OPTION', `seqLen (--seq-len) ${job.seqLen} exceeds the model's context length ${trainer.contextLength}`);
    checkTrainerMemory(trainer, trainBase, { seqLen: job.seqLen, sequences: job.batch });
    if (init) await loadInitAdapter(trainer, init);
    if (!run.resume || changes.length > 0) writeSavedJob(job);
    const device = deviceWords(trainer, job.portable);
    emit({
      type: 'start', runDir, resumed: run.resume === true, examples: train.length, heldOut: validation.length, seqLen: job.seqLen,
      rank: job.rank, alpha, targets: job.targets, parameters: trainer.parameters.length,
      values: trainer.parameters.reduce((n, p) => n + p.shape[0] * p.shape[1], 0), device, base: trainBase,
      ...(initEvent ? { init: initEvent } : {}), changes,
    });
    let validationLoss: number | undefined;
    const t0 = Date.now();
    const outcome = await runTraining({
      engine: new NativeEngine(trainer), train, validation, runDir, resume: fromCheckpoint, signal: run.signal,
      onEvent: (e) => {
        if (e.type === 'eval') validationLoss = e.loss;
        emit(e);
      },
      plan: { sequences: job.batch, length: job.seqLen, padToken: 0 },
      options: {
        epochs: job.epochs, maxSteps: job.maxSteps, gradAccum: job.gradAccum, seed: job.seed,
        schedule: { kind: job.schedule, warmup: job.warmup, lr: job.lr }, weightDecay: job.weightDecay, clip: job.clip,
        evalEvery: job.evalEvery, saveEvery: job.saveEvery, keepCheckpoints: job.keepCheckpoints, embeddingLr: job.embeddingLr,
      },
    });
    const trainSeconds = (Date.now() - t0) / 1000;
    let basePath = trainBase;
    let baseKind: TrainJobOutcome['baseKind'] = trainBase === job.base ? 'given' : 'merged';
    if (outcome.stopped === 'done' && trainer.rowsFrom >= 0) {
      basePath = path.join(runDir, 'base.gguf');
      baseKind = 'trained-rows';
      await trainer.exportBase(basePath);
    }
    const losses = runLosses(runDir);
    return {
      runDir, ...(outcome.adapterPath ? { adapterPath: outcome.adapterPath } : {}), basePath, baseKind, stopped: outcome.stopped,
      steps: outcome.state.step, totalSteps: outcome.totalSteps, tokens: outcome.state.tokensSeen,
      seconds: (Date.now() - started) / 1000, trainSeconds, firstLoss: losses.first, lastLoss: losses.last,
      ...(validationLoss !== undefined ? { validationLoss } : {}), device, dataFiles,
    };
  } finally {
    trainer.dispose();
  }
}
