// runPipeline: the base evaluated, then stages 0–3 each followed by its evaluation, in one resumable run folder.
import { existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { PersianLoraError } from '../errors.js';
import { packageVersion } from '../version.js';
import { runtimeVersions } from '../eval/runner/versions.js';
import type { EvalProgress } from '../eval/runner/progress.js';
import type { TrainJobEvent } from '../train/job.js';
import { dataPath, parsePipelineConfig, type PipelineConfig, type PipelineConfigInput, type TrainStageId } from './config.js';
import { evaluateStage, planEvaluation, type EvaluationPlan, type StageModel } from './evaluate.js';
import { makeDirs, writeJsonAtomically } from '../atomic-file.js';
import { lockRunDir } from '../run-lock.js';
import { hashOf, manifestFile } from './files.js';
import { MANIFEST_FILE, MANIFEST_SCHEMA_ID, STAGE_IDS, manifestSchema, pendingStage, type Manifest, type ManifestFile, type StageId, type StageRecord } from './manifest.js';
import { runTrainStage, runVocabStage, type StageOutcome } from './stages.js';

export type PipelineEvent =
  | { type: 'stage-start'; stage: StageId; position: number; stages: number }
  | { type: 'stage-skip'; stage: StageId; reason: string }
  | { type: 'train'; stage: StageId; event: TrainJobEvent }
  | { type: 'eval'; stage: StageId; progress: EvalProgress }
  | { type: 'stage-done'; stage: StageId; record: StageRecord; /** True when nothing had to run (finished before, inputs unchanged). */ reused: boolean };

export interface PipelineRunOptions {
  /** Run folder (overrides the config's `out`). */
  out?: string;
  /** The config file the config came from (hashed into the manifest). */
  configFile?: string;
  /** Stops after the step or item in flight; the run folder stays resumable. */
  signal?: AbortSignal;
  onEvent?: (event: PipelineEvent) => void;
}

export interface PipelineOutcome {
  runDir: string;
  stopped: 'done' | 'abort';
  manifest: Manifest;
}

const STAGE_DIRS: Record<Exclude<StageId, 'base'>, string> = { vocab: '0-vocab', pretrain: '1-pretrain', align: '2-align', instruct: '3-instruct' };

function readManifest(file: string): Manifest | undefined {
  if (!existsSync(file)) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new PersianLoraError('ERR_BAD_FORMAT', `Corrupt run manifest ${file}: ${(error as Error).message}; remove the run folder or choose another`);
  }
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new PersianLoraError('ERR_BAD_FORMAT', `Corrupt run manifest ${file}: ${issue.path.join('.')} ${issue.message}`);
  }
  return parsed.data;
}

/** Why a stage does not run, or undefined when it does. */
function skipReason(id: Exclude<StageId, 'base'>, config: PipelineConfig): string | undefined {
  const order = STAGE_IDS.indexOf(id);
  if (order > STAGE_IDS.indexOf(config.stopAfter)) return `stopAfter: ${config.stopAfter}`;
  return config.stages[id].skip ? 'skip: true in the config' : undefined;
}

/** Files whose content a stage depends on; folders and globs are represented by their path only. */
async function hashInputs(entries: Array<{ role: string; file: string }>, runDir: string, signal?: AbortSignal): Promise<ManifestFile[]> {
  const out: ManifestFile[] = [];
  for (const { role, file } of entries) {
    if (existsSync(file) && statSync(file).isFile()) out.push(await manifestFile(role, file, runDir, signal));
  }
  return out;
}

/** Paths of a stage's model relative to the run folder (kept absolute outside it). */
function relativeModel(model: StageModel, runDir: string): { base: string; adapter: string | null } {
  const rel = (p: string) => {
    const r = path.relative(runDir, p);
    return r.startsWith('..') || path.isAbsolute(r) ? p : r;
  };
  return { base: rel(model.base), adapter: model.adapter ? rel(model.adapter) : null };
}

/** A finished stage's model, if every file it names still exists. */
function reusableModel(record: StageRecord, runDir: string): StageModel | undefined {
  if (!record.model) return undefined;
  const abs = (p: string) => path.resolve(runDir, p);
  const model = { base: abs(record.model.base), adapter: record.model.adapter ? abs(record.model.adapter) : null };
  return existsSync(model.base) && (!model.adapter || existsSync(model.adapter)) ? model : undefined;
}

/**
 * Runs the pipeline into its run folder. Re-running with the same folder resumes: a finished stage whose inputs are
 * unchanged is not run again (its evaluation too, unless the evaluation settings changed), an interrupted stage
 * continues from its last checkpoint, and a stage whose inputs changed runs again with every stage after it.
 */
export async function runPipeline(input: PipelineConfigInput | PipelineConfig, options: PipelineRunOptions = {}): Promise<PipelineOutcome> {
  const config = parsePipelineConfig(input, options.configFile ? path.dirname(path.resolve(options.configFile)) : process.cwd());
  const runDir = path.resolve(options.out ?? config.out ?? '');
  if (!options.out && !config.out) throw new PersianLoraError('ERR_INVALID_OPTION', 'Expected a run folder (out in the config, or --out) but received nothing');
  makeDirs(runDir, 'create the run folder');
  const release = lockRunDir(runDir);
  try {
    return await runLocked(config, runDir, options);
  } finally {
    release();
  }
}

/** Everything the stages of one run share. */
interface RunContext {
  config: PipelineConfig;
  runDir: string;
  manifest: Manifest;
  evaluation: EvaluationPlan | undefined;
  /** Stages that run (for "stage i/n"). */
  running: StageId[];
  signal?: AbortSignal;
  emit: (e: PipelineEvent) => void;
  save: () => void;
}

const now = () => new Date().toISOString();

async function runLocked(config: PipelineConfig, runDir: string, options: PipelineRunOptions): Promise<PipelineOutcome> {
  const { signal } = options;
  const manifestPath = path.join(runDir, MANIFEST_FILE);
  const previous = readManifest(manifestPath);
  const manifest: Manifest = {
    schema: MANIFEST_SCHEMA_ID, packageVersion: packageVersion(), createdAt: previous?.createdAt ?? now(), updatedAt: now(),
    versions: runtimeVersions(), config: config as unknown as Record<string, unknown>,
    configFile: options.configFile ? await manifestFile('config', options.configFile, runDir, signal) : null,
    stages: STAGE_IDS.map((id) => previous?.stages.find((s) => s.id === id) ?? pendingStage(id)),
  };
  const ctx: RunContext = {
    config, runDir, manifest, signal, evaluation: undefined,
    running: STAGE_IDS.filter((id) => (id === 'base' ? config.eval.base : !skipReason(id, config))),
    emit: (e) => options.onEvent?.(e),
    save: () => {
      manifest.updatedAt = now();
      writeJsonAtomically(manifestPath, manifest);
    },
  };
  ctx.save();
  ctx.evaluation = await planEvaluation(config, runDir);

  let from: StageModel = { base: config.base, adapter: null };
  let upstreamKey = (await manifestFile('base model', config.base, runDir, signal)).sha256;
  for (const id of STAGE_IDS) {
    const index = STAGE_IDS.indexOf(id);
    const reason = id === 'base' ? (config.eval.base ? undefined : 'eval.base: false') : skipReason(id, config);
    if (reason) {
      manifest.stages[index] = { ...pendingStage(id), status: 'skipped', note: reason };
      ctx.save();
      ctx.emit({ type: 'stage-skip', stage: id, reason });
      continue;
    }
    if (signal?.aborted) return { runDir, stopped: 'abort', manifest };
    let step: StageStep;
    try {
      step = await runStage(ctx, id, from, upstreamKey);
    } catch (error) {
      const record = manifest.stages[index]!;
      const interrupted = signal?.aborted === true;
      manifest.stages[index] = { ...record, status: interrupted ? 'interrupted' : 'failed', note: interrupted ? null : (error as Error).message };
      ctx.save();
      if (interrupted) return { runDir, stopped: 'abort', manifest };
      throw error;
    }
    if (step.stopped === 'abort') return { runDir, stopped: 'abort', manifest };
    from = step.model;
    upstreamKey = step.key;
  }
  return { runDir, stopped: 'done', manifest };
}

interface StageStep {
  stopped: 'done' | 'abort';
  model: StageModel;
  key: string;
}

/** One stage: reused when its key matches a finished record, else run (or resumed); then evaluated unless up to date. */
async function runStage(ctx: RunContext, id: StageId, from: StageModel, upstreamKey: string): Promise<StageStep> {
  const { config, runDir, manifest, signal, evaluation } = ctx;
  const index = STAGE_IDS.indexOf(id);
  const setRecord = (r: StageRecord) => {
    manifest.stages[index] = r;
    ctx.save();
    return r;
  };
  const stageInputs = id === 'base' ? [{ role: 'base model', file: config.base }]
    : id === 'vocab' ? [{ role: 'corpus', file: config.stages.vocab.corpus! }]
    : [{ role: 'data', file: dataPath(config.stages[id].data) ?? '' }];
  const inputs = await hashInputs(stageInputs, runDir, signal);
  const key = hashOf({
    id, upstreamKey, stageConfig: id === 'base' ? null : config.stages[id], inputs: inputs.map((f) => f.sha256),
    ...(id === 'vocab' ? { heldOut: config.eval.heldOut[config.language] ?? null, language: config.language } : {}),
  });
  ctx.emit({ type: 'stage-start', stage: id, position: ctx.running.indexOf(id) + 1, stages: ctx.running.length });
  const started = performance.now();
  let record = manifest.stages[index]!;
  const reused = record.key === key && record.model ? reusableModel(record, runDir) : undefined;
  let model = reused ?? from;
  if (!reused) {
    const stageDir = id === 'base' ? runDir : path.join(runDir, 'stages', STAGE_DIRS[id]);
    if (record.key !== key && id !== 'base') rmSync(stageDir, { recursive: true, force: true });
    // an interrupted stage with the same key keeps its time so far and its folder (the train job resumes from it)
    const before = record.key === key ? record.seconds : { total: 0, train: 0, eval: 0 };
    record = setRecord({ ...pendingStage(id), key, status: 'running', startedAt: record.key === key ? record.startedAt ?? now() : now(), inputs, seconds: before });
    let outcome: StageOutcome | undefined;
    if (id !== 'base') mkdirSync(stageDir, { recursive: true });
    if (id === 'vocab') outcome = await runVocabStage(config, from, { runDir, stageDir, signal });
    else if (id !== 'base') {
      outcome = await runTrainStage(id as TrainStageId, config, from, { runDir, stageDir, signal, onEvent: (event) => ctx.emit({ type: 'train', stage: id, event }) });
    }
    const seconds = (performance.now() - started) / 1000;
    if (outcome?.stopped === 'abort') {
      setRecord({ ...record, status: 'interrupted', seconds: { total: before.total + seconds, train: before.train + outcome.trainSeconds, eval: 0 } });
      return { stopped: 'abort', model: from, key };
    }
    if (outcome) {
      model = outcome.model;
      record = {
        ...record, train: outcome.train, vocab: outcome.vocab,
        inputs: [...inputs, ...(await hashInputs(outcome.inputs.filter((i) => !stageInputs.some((s) => s.file === i.file)), runDir, signal))],
        outputs: await hashInputs(outcome.outputs, runDir, signal),
      };
    }
    record = setRecord({ ...record, model: relativeModel(model, runDir), seconds: { total: before.total + seconds, train: before.train + (outcome?.trainSeconds ?? 0), eval: 0 } });
  }

  if (evaluation && record.eval?.key !== evaluation.key) {
    record = setRecord({ ...record, status: 'running', eval: null });
    const t0 = performance.now();
    const { file } = await evaluateStage(evaluation, model, config, { dir: path.join(runDir, 'eval'), name: `${index}-${id}` }, {
      signal, onProgress: (progress) => ctx.emit({ type: 'eval', stage: id, progress }),
    });
    const evalSeconds = (performance.now() - t0) / 1000;
    const seconds = { ...record.seconds, total: record.seconds.total + evalSeconds, eval: evalSeconds };
    if (!file) {
      setRecord({ ...record, status: 'interrupted', seconds });
      return { stopped: 'abort', model, key };
    }
    record = { ...record, seconds, eval: { results: path.relative(runDir, file), key: evaluation.key } };
  }
  const finished = reused !== undefined && record.status === 'done';
  record = setRecord({ ...record, status: 'done', finishedAt: finished ? record.finishedAt : now() });
  ctx.emit({ type: 'stage-done', stage: id, record, reused: finished });
  return { stopped: 'done', model, key };
}

export type { EvaluationPlan };
