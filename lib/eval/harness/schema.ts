// The subset of lm-evaluation-harness task YAML we import; every other key is refused by name.
import { z } from 'zod';

export const OUTPUT_TYPES = ['multiple_choice', 'generate_until', 'loglikelihood', 'loglikelihood_rolling'] as const;
export type OutputType = (typeof OUTPUT_TYPES)[number];

/** Keys of lm-evaluation-harness task files that need Python or features we do not run, with what they do. */
export const UNSUPPORTED_KEYS: Readonly<Record<string, string>> = {
  include: 'another task file laid under this one',
  process_docs: 'a Python function over the dataset',
  process_results: 'a Python scoring function',
  filter_list: 'answer filters (regex, take_first, majority vote)',
  fewshot_config: 'a few-shot sampler',
  doc_to_image: 'image inputs',
  doc_to_audio: 'audio inputs',
  custom_dataset: 'a Python dataset loader',
  dataset_name: 'a Hub dataset configuration (local files only: dataset_path with data_files)',
  use_prompt: 'promptsource templates',
  gen_prefix: 'a prefix after the chat turn',
  multiple_input: 'several contexts per document',
  class: 'a Python task class',
};

/** lm-evaluation-harness metrics and the metric of ours each one maps to, per output type. */
export const METRIC_MAP: Readonly<Record<OutputType, Readonly<Record<string, readonly string[]>>>> = {
  multiple_choice: { acc: ['acc'], acc_norm: ['acc_norm'] },
  generate_until: { exact_match: ['exact_match'], bleu: ['bleu'], chrf: ['chrf'], rouge: ['rouge1', 'rouge2', 'rougeL'], rouge1: ['rouge1'], rouge2: ['rouge2'], rougeL: ['rougeL'], f1: ['token_f1'] },
  loglikelihood: { perplexity: ['perplexity'], acc: ['acc'] },
  loglikelihood_rolling: { word_perplexity: ['word_perplexity'], byte_perplexity: ['byte_perplexity'], bits_per_byte: ['bits_per_byte'] },
};

const template = z.string().min(1);
const pathList = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);

const metricSchema = z.strictObject({
  metric: z.string().min(1),
  aggregation: z.enum(['mean', 'perplexity', 'weighted_perplexity', 'bits_per_byte']).optional(),
  higher_is_better: z.boolean().optional(),
  /** Accepted for exact_match: ours always ignores case and punctuation (SQuAD normalisation). */
  ignore_case: z.boolean().optional(),
  ignore_punctuation: z.boolean().optional(),
});

export const harnessSchema = z.strictObject({
  task: z.string().regex(/^[A-Za-z0-9_.-]+(?:\/[A-Za-z0-9_.-]+)*$/),
  task_alias: z.string().optional(),
  tag: z.union([z.string(), z.array(z.string())]).optional(),
  group: z.union([z.string(), z.array(z.string())]).optional(),
  /** A local folder or file (relative to the task file), or a loader name (`json`, `csv`) with `dataset_kwargs.data_files`. */
  dataset_path: z.string().min(1),
  dataset_kwargs: z.strictObject({
    data_files: z.union([pathList, z.record(z.string().min(1), pathList)]),
  }).optional(),
  training_split: z.string().min(1).nullable().optional(),
  validation_split: z.string().min(1).nullable().optional(),
  test_split: z.string().min(1).nullable().optional(),
  fewshot_split: z.string().min(1).nullable().optional(),
  output_type: z.enum(OUTPUT_TYPES).default('generate_until'),
  description: z.string().default(''),
  doc_to_text: z.string().default(''),
  doc_to_target: z.union([template, z.int()]),
  doc_to_choice: z.union([template, z.array(z.string()).min(1), z.record(z.string(), z.string())]).optional(),
  target_delimiter: z.string().default(' '),
  fewshot_delimiter: z.string().default('\n\n'),
  num_fewshot: z.int().min(0).default(0),
  generation_kwargs: z.strictObject({
    until: z.union([z.string(), z.array(z.string())]).optional(),
    max_gen_toks: z.int().positive().default(256),
    do_sample: z.boolean().default(false),
    temperature: z.number().min(0).default(0),
  }).optional(),
  metric_list: z.array(metricSchema).min(1).optional(),
  repeats: z.literal(1).optional(),
  should_decontaminate: z.boolean().optional(),
  doc_to_decontamination_query: z.string().optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
});

export type HarnessConfig = z.output<typeof harnessSchema>;

/** What rendering a document needs: the three templates and the output type, kept on the imported task. */
export interface HarnessTemplates {
  outputType: OutputType;
  description: string;
  docToText: string;
  docToTarget: string | number;
  docToChoice?: string | string[] | Record<string, string>;
}
