// The pipeline config (YAML or an object): base model, stages 0–3, evaluation; validated strictly, one place for defaults.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { parseOptions } from '../config/validate.js';
import { parseSource, parseYamlSource } from '../config/yaml.js';
import { PersianLoraError } from '../errors.js';
import { MODES } from '../eval/tasks/schema.js';
import { trainJobSchema } from '../train/job.js';
import { trainDataSchema } from '../train/sources.js';

/** Training options a stage may set: every train job option except what the pipeline decides (base, data, out, init). */
export const stageTrainSchema = trainJobSchema.omit({ base: true, data: true, out: true, initAdapter: true, initMode: true, threads: true, device: true });

const vocabStageSchema = z.strictObject({
  skip: z.boolean().default(false),
  /** Text the new pieces are learned on, a document per line. */
  corpus: z.string().min(1).optional(),
  /** Pieces (SentencePiece vocabularies) or merges (BPE) to learn. The study: about 18k (50k pieces in all). */
  newPieces: z.int().min(1).max(1_000_000).default(16000),
  /** Least corpus occurrences of a merge. */
  minCount: z.int().min(1).default(2),
  /** Run the corpus through the Persian normaliser first. */
  normalize: z.boolean().default(false),
});

const trainStage = z.strictObject({
  skip: z.boolean().default(false),
  /** The stage's data (docs/data.md): a path, or { kind: text | parallel | instructions, path, … }. */
  data: trainDataSchema.optional(),
  /**
   * `continue` (the study): train the adapter of the stage before further. `merge`: merge it into the base, then start
   * a new adapter. `new`: a new adapter on the previous stage's base, dropping the previous adapter.
   */
  adapter: z.enum(['continue', 'merge', 'new']).default('continue'),
  train: stageTrainSchema.prefault({}),
});

/**
 * Per stage, the study's recipe where it differs from the train job defaults (docs/pipeline.md): stage 1 trains the
 * embeddings and the head in full; stage 3 trains at lr 1e-4, warmup 3 %, no weight decay, length 1024. Laid under
 * the config before validation, so a stage that sets one option keeps the others.
 */
const STUDY_STAGE_DEFAULTS = {
  stages: {
    pretrain: { train: { trainRows: 'all' } },
    instruct: { train: { lr: 1e-4, warmup: 0.03, weightDecay: 0, seqLen: 1024 } },
  },
};

const evalSchema = z.strictObject({
  /** Built-in suites or suite tasks (paper-fa, paper-en, paper-fa/sentiment, …); they read `dataDir`. */
  suites: z.array(z.string().min(1)).default([]),
  /** Folder the suites' and task files' datasets are relative to. */
  dataDir: z.string().min(1).optional(),
  /** Task files (YAML/JSON, docs/eval.md). */
  tasks: z.array(z.string().min(1)).default([]),
  /** Run classification tasks in this mode (generate or loglikelihood). */
  mode: z.enum(MODES).optional(),
  /** Items per task (held-out perplexity texts are never cut). */
  limit: z.int().positive().optional(),
  /** Overrides each generation task's maxTokens. */
  maxTokens: z.int().positive().optional(),
  /** Held-out text per language code, a document per line: perplexity after every stage, fertility around stage 0. */
  heldOut: z.record(z.string().regex(/^[a-z]{2,3}(?:-[A-Za-z0-9]+)*$/, 'a language code'), z.string().min(1)).default({}),
  /** Tokens the evaluation context holds. */
  contextSize: z.int().min(64).max(1 << 20).default(2048),
  /** Parallel sequences when scoring and generating. */
  sequences: z.int().min(1).max(64).default(4),
  /** Bootstrap resamples for the intervals. */
  bootstrapSamples: z.int().min(1).max(100000).default(1000),
  /** Evaluate the untouched base, and after each stage. */
  base: z.boolean().default(true),
});

const STOP_ORDER = ['vocab', 'pretrain', 'align', 'instruct'] as const;

export const pipelineConfigSchema = z.strictObject({
  /** A name for the run (report title). */
  name: z.string().min(1).default('persian-lora pipeline'),
  /** The base model GGUF (any llama.cpp weight type; it stays frozen and in its type). */
  base: z.string().min(1),
  /** The language being added (a code: the vocabulary stage's corpus and the held-out text it reports on). */
  language: z.string().regex(/^[a-z]{2,3}$/, 'a two- or three-letter language code').default('fa'),
  /** Run folder. */
  out: z.string().min(1).optional(),
  /** Stop after this stage (an ablation); later stages are recorded as skipped. */
  stopAfter: z.enum(STOP_ORDER).default('instruct'),
  /** CPU threads (0 = all cores) and device of training and evaluation. */
  threads: z.int().min(0).max(1024).default(0),
  device: z.string().min(1).default('cpu'),
  stages: z.strictObject({
    vocab: vocabStageSchema.prefault({ skip: true }),
    pretrain: trainStage.prefault({}),
    align: trainStage.prefault({}),
    instruct: trainStage.prefault({}),
  }).prefault({}),
  eval: evalSchema.prefault({}),
}).superRefine((c, ctx) => {
  const s = c.stages;
  const runs = (id: 'vocab' | 'pretrain' | 'align' | 'instruct') => !s[id].skip && STOP_ORDER.indexOf(id) <= STOP_ORDER.indexOf(c.stopAfter);
  if (runs('vocab') && s.vocab.corpus === undefined) ctx.addIssue({ code: 'custom', path: ['stages', 'vocab', 'corpus'], message: 'a corpus file (or skip: true)', input: undefined });
  for (const id of ['pretrain', 'align', 'instruct'] as const) {
    if (runs(id) && s[id].data === undefined) ctx.addIssue({ code: 'custom', path: ['stages', id, 'data'], message: 'the stage\'s data (or skip: true)', input: undefined });
  }
  if (c.eval.suites.length > 0 && c.eval.dataDir === undefined) ctx.addIssue({ code: 'custom', path: ['eval', 'dataDir'], message: 'the folder the suites read (e.g. the study\'s testset)', input: undefined });
});

export type PipelineConfigInput = z.input<typeof pipelineConfigSchema>;
export type PipelineConfig = z.output<typeof pipelineConfigSchema>;
export type TrainStageId = 'pretrain' | 'align' | 'instruct';

/** The local path a stage's data names (undefined for a Hub dataset). */
export function dataPath(data: PipelineConfig['stages']['pretrain']['data']): string | undefined {
  return typeof data === 'string' ? data : data?.path;
}

/** Every path of the config made absolute against `dir` (the config file's folder). */
function resolvePaths(c: PipelineConfig, dir: string): PipelineConfig {
  const abs = (p: string) => path.resolve(dir, p);
  const data = (d: PipelineConfig['stages']['pretrain']['data']) => (d === undefined ? d : typeof d === 'string' ? abs(d) : d.path === undefined ? d : { ...d, path: abs(d.path) });
  return {
    ...c,
    base: abs(c.base),
    ...(c.out === undefined ? {} : { out: abs(c.out) }),
    stages: {
      vocab: { ...c.stages.vocab, ...(c.stages.vocab.corpus === undefined ? {} : { corpus: abs(c.stages.vocab.corpus) }) },
      pretrain: { ...c.stages.pretrain, data: data(c.stages.pretrain.data) },
      align: { ...c.stages.align, data: data(c.stages.align.data) },
      instruct: { ...c.stages.instruct, data: data(c.stages.instruct.data) },
    },
    eval: {
      ...c.eval,
      ...(c.eval.dataDir === undefined ? {} : { dataDir: abs(c.eval.dataDir) }),
      tasks: c.eval.tasks.map(abs),
      heldOut: Object.fromEntries(Object.entries(c.eval.heldOut).map(([k, v]) => [k, abs(v)])),
    },
  };
}

/** Validates a config object; relative paths are taken against `dir`. */
export function parsePipelineConfig(input: unknown, dir = process.cwd(), label = 'pipeline config'): PipelineConfig {
  return resolvePaths(parseOptions(pipelineConfigSchema, mergeConfig(STUDY_STAGE_DEFAULTS, input), label), dir);
}

/**
 * Reads and validates a YAML (or JSON) config file, laid over `defaults` (a preset) when given; an error names the
 * file, the line and the key.
 */
export function loadPipelineConfig(file: string, defaults?: unknown): PipelineConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new PersianLoraError(code === 'ENOENT' ? 'ERR_FILE_NOT_FOUND' : 'ERR_IO', `Cannot read the pipeline config ${file}: ${code ?? (error as Error).message}`);
  }
  const source = parseYamlSource(text, file, 'Pipeline config');
  const own = source.data;
  if (own === null || typeof own !== 'object' || Array.isArray(own)) {
    throw new PersianLoraError('ERR_BAD_FORMAT', `${file}: expected a mapping of options (base, stages, eval, …) at the top level`);
  }
  const input = mergeConfig(STUDY_STAGE_DEFAULTS, defaults === undefined ? own : mergeConfig(defaults, own));
  return resolvePaths(parseSource(pipelineConfigSchema, source, path.basename(file), input), path.dirname(path.resolve(file)));
}

/** `override` laid over `base`, objects merged key by key (arrays and values replaced). */
export function mergeConfig(base: unknown, override: unknown): unknown {
  if (override === undefined) return base;
  const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
  if (!isObject(base) || !isObject(override)) return override;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(override)) out[k] = mergeConfig(base[k], v);
  return out;
}
