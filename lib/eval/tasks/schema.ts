// The task file schema (YAML or JSON), in the spirit of lm-evaluation-harness task configs; defaults live here.
import { z } from 'zod';
import type { HarnessTemplates } from '../harness/schema.js';

export const TASK_KINDS = ['classification', 'generation', 'perplexity', 'continuation'] as const;
export const MODES = ['generate', 'loglikelihood', 'perplexity'] as const;
export type TaskKind = (typeof TASK_KINDS)[number];
export type Mode = (typeof MODES)[number];

/** Metrics each mode can compute. `extracted` is the fraction of outputs an answer could be extracted from. */
export const MODE_METRICS = {
  generate: ['acc', 'macro_f1', 'extracted', 'exact_match', 'token_f1', 'bleu', 'chrf', 'rouge1', 'rouge2', 'rougeL'],
  loglikelihood: ['acc', 'acc_norm', 'macro_f1', 'perplexity'],
  perplexity: ['word_perplexity', 'byte_perplexity', 'bits_per_byte', 'bits_per_char', 'token_perplexity'],
} as const;
export const METRICS = ['acc', 'acc_norm', 'macro_f1', 'extracted', 'exact_match', 'token_f1', 'bleu', 'chrf', 'rouge1', 'rouge2', 'rougeL', 'perplexity', 'word_perplexity', 'byte_perplexity', 'bits_per_byte', 'bits_per_char', 'token_perplexity'] as const;
export type MetricName = (typeof METRICS)[number];

/**
 * Modes and metrics each kind of task allows; the first mode is the kind's default. A continuation task scores the
 * record's output after the prompt (lm-evaluation-harness's `loglikelihood` output type): `acc` is the rate at which
 * every output token is the greedy choice, `perplexity` exp of minus the mean log-likelihood per item.
 */
export const KIND_RULES: Record<TaskKind, { modes: Mode[]; metrics: MetricName[] }> = {
  classification: { modes: ['generate', 'loglikelihood'], metrics: ['acc', 'acc_norm', 'macro_f1', 'extracted'] },
  generation: { modes: ['generate'], metrics: ['exact_match', 'token_f1', 'bleu', 'chrf', 'rouge1', 'rouge2', 'rougeL'] },
  perplexity: { modes: ['perplexity'], metrics: ['word_perplexity', 'byte_perplexity', 'bits_per_byte', 'bits_per_char', 'token_perplexity'] },
  continuation: { modes: ['loglikelihood'], metrics: ['acc', 'perplexity'] },
};

const format = z.enum(['json', 'jsonl']);

const splitSchema = z.union([
  z.string().min(1),
  z.strictObject({
    /** File, relative to the data directory given at run time. */
    path: z.string().min(1),
    /** Defaults to `dataset.format`. */
    format: format.optional(),
    /** First record (0-based, inclusive) and end (exclusive) taken from the file. */
    start: z.int().min(0).optional(),
    end: z.int().min(0).optional(),
  }),
]);

const datasetSchema = z.strictObject({
  format: format.default('json'),
  /** Source field names read as the template's `instruction`, `input` and `output` (missing instruction/input → ''). */
  fields: z.strictObject({
    instruction: z.string().min(1).default('instruction'),
    input: z.string().min(1).default('input'),
    output: z.string().min(1).default('output'),
  }).prefault({}),
  /** Named splits: a file path or {path, format?, start?, end?}. */
  splits: z.record(z.string().min(1), splitSchema).refine((s) => Object.keys(s).length > 0, 'at least one split'),
  /** The split that is evaluated. */
  split: z.string().min(1).default('test'),
  /** Evaluate only the first `limit` records of the split. */
  limit: z.int().positive().optional(),
});

const promptSchema = z.discriminatedUnion('template', [
  /** The study's Alpaca template (with its no-input variant when `input` is empty). */
  z.strictObject({ template: z.literal('alpaca') }),
  /** Messages for the model's own chat template, rendered by the runner. `user` uses {field} placeholders. */
  z.strictObject({ template: z.literal('chat'), system: z.string().optional(), user: z.string().min(1).default('{instruction}\n\n{input}') }),
  /** `text` renders the prompt, `answer` a few-shot example's answer; examples are joined by `separator`, after `prefix`. */
  z.strictObject({ template: z.literal('custom'), prefix: z.string().default(''), text: z.string().min(1), answer: z.string().default('{output}'), separator: z.string().default('\n\n') }),
], { error: 'one of "alpaca", "chat", "custom"' });

const fewshotSchema = z.strictObject({
  k: z.int().min(0).default(0),
  /** Split the examples come from; defaults to the evaluated split (an item is never its own example). */
  split: z.string().min(1).optional(),
  seed: z.int().default(1234),
});

const generationSchema = z.strictObject({
  sampling: z.enum(['greedy', 'sample']).default('greedy'),
  temperature: z.number().positive().default(0.8),
  topK: z.int().min(0).default(40),
  topP: z.number().gt(0).max(1).default(0.95),
  seed: z.int().min(0).default(0),
  stop: z.array(z.string().min(1)).default([]),
  maxTokens: z.int().positive().default(512),
  repetitionPenalty: z.number().positive().default(1.1),
});

const regexString = z.string().refine((s) => {
  try {
    new RegExp(s, 'iu');
    return true;
  } catch {
    return false;
  }
}, 'a valid regular expression');

/** A label as a task file writes it: a string, or an integer (`0`), read as its decimal string. */
const labelSchema = z.union([z.string().min(1), z.int()]).transform(String);

const answerSchema = z.strictObject({
  /** Fixed label set for items without embedded options (otherwise read from each record): `[0, 1]` or `[yes, no]`. */
  labels: z.array(labelSchema).min(2).optional(),
  /** alias → label, e.g. {"مثبت": 0} or {positive: "0"}. */
  aliases: z.record(z.string().min(1), labelSchema).default({}),
  /** Regexes whose first group names the answer, tried before the built-in rules. */
  patterns: z.array(regexString).default([]),
  scope: z.enum(['full', 'firstLine']).default('full'),
});

const loglikelihoodSchema = z.strictObject({
  /** `label` scores the label as written (`A`, `Positive`, `0`); `option` scores the option text where there is one. */
  continuation: z.enum(['label', 'option']).default('label'),
  /** Put before each continuation; default: '' when the prompt ends in whitespace or is chat, else ' '. */
  delimiter: z.string().optional(),
});

const rougeSchema = z.strictObject({
  /** `unicode` keeps non-ASCII words (docs/eval.md); `default` is rouge-score's, which drops them (Persian scores 0). */
  tokenizer: z.enum(['unicode', 'default']).default('unicode'),
});

export const taskSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9_.-]+(?:\/[A-Za-z0-9_.-]+)*$/),
  version: z.int().min(0).default(1),
  description: z.string().optional(),
  /** BCP 47 language code of the task's text. */
  language: z.string().min(2).optional(),
  kind: z.enum(TASK_KINDS),
  /** Defaults to the kind's first mode (generate, generate, perplexity, loglikelihood). */
  mode: z.enum(MODES).optional(),
  dataset: datasetSchema,
  prompt: promptSchema.prefault({ template: 'alpaca' }),
  fewshot: fewshotSchema.prefault({}),
  generation: generationSchema.prefault({}),
  answer: answerSchema.prefault({}),
  loglikelihood: loglikelihoodSchema.prefault({}),
  rouge: rougeSchema.prefault({}),
  /** Defaults to every metric of the kind; a run computes those its mode allows. */
  metrics: z.array(z.enum(METRICS)).min(1).optional(),
}).superRefine((task, ctx) => {
  const rules = KIND_RULES[task.kind];
  if (task.mode && !rules.modes.includes(task.mode)) {
    ctx.addIssue({ code: 'custom', path: ['mode'], message: `a mode of a ${task.kind} task (${rules.modes.join(', ')})`, input: task.mode });
  }
  task.metrics?.forEach((m, i) => {
    if (!rules.metrics.includes(m)) ctx.addIssue({ code: 'custom', path: ['metrics', i], message: `a metric of a ${task.kind} task (${rules.metrics.join(', ')})`, input: m });
  });
  for (const [path, split] of [[['dataset', 'split'], task.dataset.split], [['fewshot', 'split'], task.fewshot.split]] as const) {
    if (split !== undefined && !(split in task.dataset.splits)) {
      ctx.addIssue({ code: 'custom', path: [...path], message: `a split named in dataset.splits (${Object.keys(task.dataset.splits).join(', ')})`, input: split });
    }
  }
});

export type TaskInput = z.input<typeof taskSchema>;
export type ParsedTask = z.output<typeof taskSchema>;
/** A task with its mode and metrics settled; an imported lm-evaluation-harness task carries its templates. */
export type Task = Omit<ParsedTask, 'mode' | 'metrics'> & { mode: Mode; metrics: MetricName[]; harness?: HarnessTemplates };
export type GenerationSettings = ParsedTask['generation'];
export type SplitSpec = z.output<typeof splitSchema>;
