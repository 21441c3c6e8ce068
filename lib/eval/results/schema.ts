// The JSON written for each evaluation run: configuration, model and adapter hashes, per-item records, aggregates.
import { z } from 'zod';
import { METRICS, MODES } from '../tasks/schema.js';

export const RESULTS_SCHEMA_ID = 'persian-lora/eval-results@1';

const chatMessage = z.strictObject({ role: z.enum(['system', 'user', 'assistant']), content: z.string() });
const prompt = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('text'), text: z.string() }),
  z.strictObject({ kind: z.literal('chat'), messages: z.array(chatMessage) }),
]);

/** What the model returned for one item: generated text, one log-likelihood per continuation, or a text's total. */
const modelOutput = z.discriminatedUnion('mode', [
  z.strictObject({ mode: z.literal('generate'), text: z.string() }),
  z.strictObject({ mode: z.literal('loglikelihood'), logLikelihoods: z.array(z.number()), continuations: z.array(z.string()) }),
  z.strictObject({ mode: z.literal('perplexity'), logLikelihood: z.number(), tokens: z.int().min(0) }),
]);

export const itemRecordSchema = z.strictObject({
  /** Index of the record in its dataset file. */
  index: z.int().min(0),
  prompt,
  output: modelOutput,
  /** The gold label or reference text. */
  gold: z.string(),
  /** Label set of a classification item. */
  labels: z.array(z.string()).optional(),
  /** The label extracted or chosen (classification), the trimmed output (generation), null when none. */
  extracted: z.string().nullable(),
  /** How the answer was extracted (generate mode), or `loglikelihood`. */
  method: z.string().nullable(),
  /** Per-item values: 0/1 correctness, per-item ROUGE / token F1, or log-likelihood totals. */
  scores: z.record(z.string(), z.number()),
});

export const aggregateSchema = z.strictObject({
  metric: z.enum(METRICS),
  value: z.number().nullable(),
  /** Standard deviation of the bootstrap replicates; null when undefined (fewer than 2 items). */
  stderr: z.number().nullable(),
  /** Bootstrap percentile interval at `level`. */
  ci: z.tuple([z.number().nullable(), z.number().nullable()]),
  level: z.number().gt(0).lt(1),
  n: z.int().min(0),
  higherIsBetter: z.boolean(),
});

export const taskResultSchema = z.strictObject({
  name: z.string(),
  version: z.int().min(0),
  mode: z.enum(MODES),
  language: z.string().optional(),
  fewshot: z.int().min(0),
  /** Items scored. */
  n: z.int().min(0),
  /** Items that could not be parsed (never scored), with the reason. */
  failures: z.array(z.strictObject({ index: z.int().min(0), reason: z.string() })),
  aggregates: z.array(aggregateSchema),
  items: z.array(itemRecordSchema),
});

const fileRef = z.strictObject({
  path: z.string(),
  /** sha256 of the file, hex; null when the runner did not hash it. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/).nullable(),
  bytes: z.int().min(0).nullable(),
});

export const runResultsSchema = z.strictObject({
  schema: z.literal(RESULTS_SCHEMA_ID),
  packageVersion: z.string(),
  createdAt: z.string(),
  /** The run's settings as given (tasks, mode, limit, data directory, seeds, bootstrap samples, …). */
  config: z.record(z.string(), z.unknown()),
  model: fileRef.extend({ description: z.string().optional() }),
  adapters: z.array(fileRef.extend({ scale: z.number() })),
  /** Library versions and the like (e.g. llama.cpp build), filled by the runner. */
  versions: z.record(z.string(), z.string()),
  /** True when the run was interrupted and holds the items scored so far. */
  partial: z.boolean().default(false),
  tasks: z.array(taskResultSchema),
});

export type ItemRecord = z.output<typeof itemRecordSchema>;
export type Aggregate = z.output<typeof aggregateSchema>;
export type TaskResult = z.output<typeof taskResultSchema>;
export type RunResults = z.output<typeof runResultsSchema>;
export type ModelOutput = z.output<typeof modelOutput>;
