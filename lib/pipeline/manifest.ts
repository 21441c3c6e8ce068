// The run folder's manifest: the config, versions, and per stage its status, timings, inputs, outputs and results.
import { z } from 'zod';

export const MANIFEST_SCHEMA_ID = 'persian-lora/pipeline-manifest@1';
export const MANIFEST_FILE = 'manifest.json';

/** Stage ids in run order; `base` is the untouched model, evaluated before anything trains. */
export const STAGE_IDS = ['base', 'vocab', 'pretrain', 'align', 'instruct'] as const;
export type StageId = (typeof STAGE_IDS)[number];

/** How each stage is named in progress lines and in the report. */
export const STAGE_LABELS: Record<StageId, string> = {
  base: 'base',
  vocab: 'stage 0 · vocabulary',
  pretrain: 'stage 1 · pretraining',
  align: 'stage 2 · alignment',
  instruct: 'stage 3 · instructions',
};

export const STAGE_STATUSES = ['pending', 'running', 'done', 'skipped', 'failed', 'interrupted'] as const;
export type StageStatus = (typeof STAGE_STATUSES)[number];

/** A file the run read or wrote; `path` is relative to the run folder when inside it, else absolute. */
export const manifestFileSchema = z.strictObject({
  role: z.string(),
  path: z.string(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  bytes: z.int().min(0),
});
export type ManifestFile = z.output<typeof manifestFileSchema>;

const tokenizerFigures = z.strictObject({
  tokensPerWord: z.number(),
  charsPerToken: z.number(),
  words: z.int().min(0),
  tokens: z.int().min(0),
});

export const stageRecordSchema = z.strictObject({
  id: z.enum(STAGE_IDS),
  status: z.enum(STAGE_STATUSES),
  /** Hash of everything the stage's result depends on (its config, its input files, the previous stage's outputs). */
  key: z.string().nullable(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  /** Wall time of the stage, and the parts of it spent training and evaluating (the rest is set-up and writing). */
  seconds: z.strictObject({ total: z.number().min(0), train: z.number().min(0), eval: z.number().min(0) }),
  inputs: z.array(manifestFileSchema),
  outputs: z.array(manifestFileSchema),
  /** The model after this stage (what its evaluation ran on): base GGUF and adapter, paths relative to the run folder. */
  model: z.strictObject({ base: z.string(), adapter: z.string().nullable() }).nullable(),
  /** Training stages: the train run folder (relative) and its figures. */
  train: z.strictObject({
    runDir: z.string(),
    steps: z.int().min(0),
    tokens: z.number().min(0),
    tokensPerSecond: z.number().min(0),
    firstLoss: z.number().nullable(),
    lastLoss: z.number().nullable(),
    validationLoss: z.number().nullable(),
  }).nullable(),
  /** Stage 0: the vocabulary extension and tokens per word on the held-out text before and after it. */
  vocab: z.strictObject({
    newTokens: z.int().min(0),
    firstNewId: z.int().min(0),
    heldOut: z.string().nullable(),
    before: tokenizerFigures.nullable(),
    after: tokenizerFigures.nullable(),
  }).nullable(),
  /**
   * The evaluation results file of this stage (relative; lib/eval/results/schema.ts), null when not evaluated; `key`
   * hashes the model and the evaluation settings, so a changed task list re-runs the evaluation only.
   */
  eval: z.strictObject({ results: z.string(), key: z.string().optional() }).nullable(),
  /** Why the stage failed or was skipped. */
  note: z.string().nullable(),
});
export type StageRecord = z.output<typeof stageRecordSchema>;

export const manifestSchema = z.strictObject({
  schema: z.literal(MANIFEST_SCHEMA_ID),
  packageVersion: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  /** Library versions (llama.cpp build, node, …). */
  versions: z.record(z.string(), z.string()),
  /** The resolved pipeline config (every default filled in), and the file it came from. */
  config: z.record(z.string(), z.unknown()),
  configFile: manifestFileSchema.nullable(),
  stages: z.array(stageRecordSchema),
});
export type Manifest = z.output<typeof manifestSchema>;

/** A stage record with nothing done yet. */
export function pendingStage(id: StageId): StageRecord {
  return {
    id, status: 'pending', key: null, startedAt: null, finishedAt: null, seconds: { total: 0, train: 0, eval: 0 },
    inputs: [], outputs: [], model: null, train: null, vocab: null, eval: null, note: null,
  };
}
