// Options of an evaluation run (prepareTasks, runEvaluation): the one place their defaults live.
import { z } from 'zod';
import { Adapter } from '../../adapter.js';
import { MODES } from '../tasks/schema.js';

const signal = z.custom<AbortSignal>((v) => v instanceof AbortSignal, { message: 'an AbortSignal' });

/** What `prepareTasks` needs: where the data is, and how much of it, run in which mode. */
export const prepareSchema = z.strictObject({
  /** Folder the tasks' dataset paths are relative to (e.g. shared/data/paper-testset). */
  dataDir: z.string().min(1),
  /** Evaluate only the first `limit` records of each task (overrides the task's own limit). */
  limit: z.int().positive().optional(),
  /** Run every task whose kind allows this mode in it (classification: generate or loglikelihood); others keep theirs. */
  mode: z.enum(MODES).optional(),
  /** Overrides each task's `generation.maxTokens`. */
  maxTokens: z.int().positive().optional(),
});

export type PrepareOptions = z.input<typeof prepareSchema>;
export type ParsedPrepareOptions = z.output<typeof prepareSchema>;

/** How `runEvaluation` drives the model. */
export const evalRunSchema = z.strictObject({
  /** LoRA adapters applied for the whole run, each with its scale (multiplier of alpha/rank). Default none. */
  adapters: z.array(z.strictObject({ adapter: z.instanceof(Adapter), scale: z.number().refine(Number.isFinite, 'a finite number').default(1) })).default([]),
  /** Tokens the context holds (all parallel sequences together). Default 4096. */
  contextSize: z.int().min(16).max(1 << 22).default(4096),
  /** Parallel sequences for scoring options and generating items at once; with 1, one after another. Default 8. */
  sequences: z.int().min(1).max(256).default(8),
  /** Largest number of tokens decoded in one step. Default 512. */
  batchSize: z.int().min(1).max(1 << 20).default(512),
  /** CPU threads; 0 = all cores. Default 0. */
  threads: z.int().min(0).max(1024).default(0),
  /** Bootstrap resamples for the intervals. Default 1000. */
  bootstrapSamples: z.int().min(1).default(1000),
  /** Seed of the bootstrap. Default 1234. */
  bootstrapSeed: z.int().default(1234),
  /** sha256 of the model and adapter files in the results (streamed; takes seconds per GB). Default true. */
  hashFiles: z.boolean().default(true),
  /** Called after every item (see EvalProgress). */
  onProgress: z.function().optional(),
  /** Stops the run after the item in flight; the items scored so far are kept and the result is `partial`. */
  signal: signal.optional(),
});

export type EvalRunOptions = z.input<typeof evalRunSchema>;
export type ParsedEvalRunOptions = z.output<typeof evalRunSchema>;
