// What each stage does to the model: stage 0 grows the vocabulary, stages 1–3 train the LoRA adapter (and rows).
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { extendGguf } from '../vocab/extend-gguf.js';
import { runTrainJob, type TrainJobEvent } from '../train/job.js';
import type { PipelineConfig, TrainStageId } from './config.js';
import type { StageModel } from './evaluate.js';
import type { StageRecord } from './manifest.js';

export interface StageRun {
  runDir: string;
  stageDir: string;
  signal?: AbortSignal;
}

export interface StageOutcome {
  stopped: 'done' | 'abort';
  model: StageModel;
  /** Files the stage wrote (role → absolute path). */
  outputs: Array<{ role: string; file: string }>;
  /** Files the stage read besides the model (role → absolute path). */
  inputs: Array<{ role: string; file: string }>;
  trainSeconds: number;
  train: StageRecord['train'];
  vocab: StageRecord['vocab'];
}

const finite = (x: number | undefined) => (x !== undefined && Number.isFinite(x) ? x : null);

const figures = (f: { tokensPerWord: number; charactersPerToken: number; words: number; tokens: number } | undefined) =>
  f ? { tokensPerWord: f.tokensPerWord, charsPerToken: f.charactersPerToken, words: f.words, tokens: f.tokens } : null;

/** Stage 0: new pieces learned on the corpus appended to the vocabulary (token_embd and output grow). */
export async function runVocabStage(config: PipelineConfig, from: StageModel, run: StageRun): Promise<StageOutcome> {
  const s = config.stages.vocab;
  const heldOut = config.eval.heldOut[config.language];
  const out = path.join(run.stageDir, 'model.gguf');
  const started = performance.now();
  const { plan, written } = await extendGguf({
    base: from.base, corpus: s.corpus!, out, newPieces: s.newPieces, minCount: s.minCount, normalize: s.normalize,
    ...(heldOut ? { heldOut } : {}), signal: run.signal,
  });
  return {
    stopped: 'done',
    model: { base: out, adapter: null },
    outputs: [{ role: 'model', file: out }],
    inputs: [{ role: 'corpus', file: s.corpus! }, ...(heldOut ? [{ role: `held-out ${config.language}`, file: heldOut }] : [])],
    trainSeconds: (performance.now() - started) / 1000,
    train: null,
    vocab: {
      newTokens: written.newTokens, firstNewId: written.firstNewId, heldOut: heldOut ?? null,
      before: figures(plan.fertility?.before), after: figures(plan.fertility?.after),
    },
  };
}

/**
 * Stages 1–3: a train job on the previous stage's model. `continue` hands it the previous adapter to train further
 * (the study's way), `merge` merges that adapter into the base first, `new` starts a fresh adapter. A stage folder
 * that already holds a train run is resumed from its checkpoint.
 */
export async function runTrainStage(
  id: TrainStageId, config: PipelineConfig, from: StageModel, run: StageRun & { onEvent?: (e: TrainJobEvent) => void },
): Promise<StageOutcome> {
  const s = config.stages[id];
  const trainDir = path.join(run.stageDir, 'train');
  const init = from.adapter && s.adapter !== 'new' ? { initAdapter: from.adapter, initMode: s.adapter === 'merge' ? 'merge' as const : 'continue' as const } : {};
  const resume = existsSync(path.join(trainDir, 'config.json'));
  if (!resume) rmSync(trainDir, { recursive: true, force: true });
  const outcome = await runTrainJob(
    { ...s.train, base: from.base, data: s.data!, out: trainDir, threads: config.threads, device: config.device, ...init },
    { resume, signal: run.signal, onEvent: run.onEvent },
  );
  const model: StageModel = { base: outcome.basePath ?? from.base, adapter: outcome.adapterPath ?? null };
  return {
    stopped: outcome.stopped,
    model,
    outputs: [
      ...(outcome.adapterPath ? [{ role: 'adapter', file: outcome.adapterPath }] : []),
      ...(outcome.basePath && outcome.baseKind !== 'given' ? [{ role: outcome.baseKind === 'merged' ? 'base with the previous adapter merged' : 'base with trained rows', file: outcome.basePath }] : []),
    ],
    inputs: outcome.dataFiles.map((file) => ({ role: 'data', file })),
    trainSeconds: outcome.trainSeconds,
    train: {
      runDir: path.relative(run.runDir, trainDir), steps: outcome.steps, tokens: outcome.tokens,
      tokensPerSecond: outcome.trainSeconds > 0 ? outcome.tokens / outcome.trainSeconds : 0,
      firstLoss: finite(outcome.firstLoss), lastLoss: finite(outcome.lastLoss), validationLoss: finite(outcome.validationLoss),
    },
    vocab: null,
  };
}
