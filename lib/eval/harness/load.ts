// Imports an lm-evaluation-harness task YAML (the common subset, local data) as one of our tasks.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { PersianLoraError } from '../../errors.js';
import { parseTask } from '../tasks/load.js';
import type { Task, TaskInput } from '../tasks/schema.js';
import { parseSource, type YamlSource } from '../../config/yaml.js';
import { readTaskSource, UnsupportedTag } from '../tasks/source.js';
import { METRIC_MAP, UNSUPPORTED_KEYS, harnessSchema, type HarnessConfig, type HarnessTemplates } from './schema.js';

/** Does this parsed YAML look like an lm-evaluation-harness task (a `task` name, no `kind` of ours)? */
export function isHarnessTask(data: unknown): boolean {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return false;
  const d = data as Record<string, unknown>;
  return typeof d['task'] === 'string' && !('kind' in d) && !('name' in d);
}

/** Read and import an lm-evaluation-harness task file; errors name the file, the line and the key. */
export function loadHarnessTask(file: string): Task {
  return harnessFromSource(readTaskSource(file, 'lm-evaluation-harness task file'));
}

/** Import an already read lm-evaluation-harness task file. */
export function harnessFromSource(source: YamlSource): Task {
  refuseUnsupported(source);
  const config = parseSource(harnessSchema, source, 'task');
  const where = (key: string) => `${source.file}${lineSuffix(source, [key])}`;
  const dir = path.dirname(path.resolve(source.file));
  const evaluated = config.test_split ?? config.validation_split;
  if (!evaluated) throw new PersianLoraError('ERR_INVALID_OPTION', `${where('test_split')}: expected test_split or validation_split (the split that is evaluated) but received neither`);
  const fewshot = config.num_fewshot > 0 ? (config.fewshot_split ?? config.training_split ?? config.validation_split ?? evaluated) : undefined;
  const files = splitFiles(config, dir, where('dataset_path'));
  const splits: Record<string, { path: string; format: 'json' | 'jsonl' }> = {};
  for (const split of new Set([evaluated, ...(fewshot ? [fewshot] : [])])) {
    const file = files(split);
    splits[split] = { path: file, format: jsonFormat(file) };
  }
  const task = parseTask(taskInput(config, evaluated, fewshot, splits, where), source.file);
  const harness: HarnessTemplates = {
    outputType: config.output_type,
    description: config.description,
    docToText: config.doc_to_text,
    docToTarget: config.doc_to_target,
    ...(config.doc_to_choice === undefined ? {} : { docToChoice: config.doc_to_choice }),
  };
  return { ...task, harness };
}

function lineSuffix(source: YamlSource, keyPath: PropertyKey[]): string {
  const line = source.lineOf(keyPath);
  return line ? ` line ${line}` : '';
}

/** `!function` values and keys that need Python (process_docs, filter_list, …) are refused by name. */
function refuseUnsupported(source: YamlSource): void {
  const data = source.data;
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new PersianLoraError('ERR_BAD_FORMAT', `${source.file}: expected a mapping of task keys (task, dataset_path, doc_to_text, …) at the top level`);
  }
  const visit = (value: unknown, keyPath: PropertyKey[]): void => {
    if (value instanceof UnsupportedTag) {
      throw new PersianLoraError('ERR_INVALID_OPTION', `${source.file}${lineSuffix(source, keyPath)}: ${keyPath.join('.')}: ${value.tag} ${value.value} is a Python function, which is not supported; write it as a Jinja template`);
    }
    if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) visit(v, [...keyPath, Array.isArray(value) ? Number(k) : k]);
  };
  visit(data, []);
  for (const key of Object.keys(data)) {
    const what = UNSUPPORTED_KEYS[key];
    if (what) throw new PersianLoraError('ERR_INVALID_OPTION', `${source.file}${lineSuffix(source, [key])}: ${key} (${what}) is not supported in imported lm-evaluation-harness tasks`);
  }
}

const DATA_EXTENSIONS = ['.jsonl', '.json'];

/** The data file of each split: `data_files` (relative to the task file or to a folder `dataset_path`), a single file, or a folder's `<split>.jsonl` / `<split>-*.json` files. */
function splitFiles(config: HarnessConfig, dir: string, where: string): (split: string) => string {
  const loader = ['json', 'csv', 'parquet', 'text', 'arrow'].includes(config.dataset_path);
  if (loader && config.dataset_path !== 'json') throw new PersianLoraError('ERR_INVALID_OPTION', `${where}: dataset_path ${config.dataset_path} is not supported; local JSON or JSON lines files are (dataset_path: json with data_files, a file or a folder)`);
  const root = loader ? dir : path.resolve(dir, config.dataset_path);
  const dataFiles = config.dataset_kwargs?.data_files;
  const single = (file: string) => {
    if (!existsSync(file)) throw new PersianLoraError('ERR_FILE_NOT_FOUND', `Dataset file ${file} (${where}) does not exist`);
    if (!DATA_EXTENSIONS.includes(path.extname(file).toLowerCase())) throw new PersianLoraError('ERR_BAD_FORMAT', `${where}: expected a .json or .jsonl data file but received ${file}`);
    return file;
  };
  const one = (list: string | string[], split: string) => {
    const files = typeof list === 'string' ? [list] : list;
    if (files.length > 1) throw new PersianLoraError('ERR_INVALID_OPTION', `${where}: split ${split} has ${files.length} data files; one file per split is supported`);
    return single(path.resolve(root, files[0]!));
  };
  if (dataFiles !== undefined) {
    if (typeof dataFiles === 'string' || Array.isArray(dataFiles)) return (split) => one(dataFiles, split);
    return (split) => {
      const files = dataFiles[split];
      if (files === undefined) throw new PersianLoraError('ERR_INVALID_OPTION', `${where}: data_files names no split ${split} (splits: ${Object.keys(dataFiles).join(', ')})`);
      return one(files, split);
    };
  }
  if (loader) throw new PersianLoraError('ERR_INVALID_OPTION', `${where}: dataset_path json needs dataset_kwargs.data_files`);
  if (!existsSync(root)) throw new PersianLoraError('ERR_FILE_NOT_FOUND', `${where}: dataset_path ${root} does not exist (Hub datasets are not fetched; give a local folder or file)`);
  if (statSync(root).isFile()) return () => single(root);
  return (split) => {
    const found = [root, path.join(root, 'data')].filter((d) => existsSync(d)).flatMap((d) =>
      readdirSync(d).filter((name) => DATA_EXTENSIONS.includes(path.extname(name).toLowerCase()) && new RegExp(`^${split.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?:[-_.][^/]*)?\\.jsonl?$`, 'i').test(name)).map((name) => path.join(d, name)));
    if (found.length !== 1) {
      throw new PersianLoraError('ERR_INVALID_OPTION', `${where}: expected one file for split ${split} in ${root} (${split}.jsonl, ${split}.json or ${split}-*.jsonl) but found ${found.length === 0 ? 'none' : found.join(', ')}`);
    }
    return found[0]!;
  };
}

/** `.jsonl`, or a `.json` file holding JSON lines rather than an array (the Hub's json loader reads both). */
function jsonFormat(file: string): 'json' | 'jsonl' {
  if (path.extname(file).toLowerCase() === '.jsonl') return 'jsonl';
  return readFileSync(file, 'utf8').trimStart().startsWith('[') ? 'json' : 'jsonl';
}

/** Escape text for our `{field}` templates. */
const literal = (text: string) => text.replace(/[{}]/g, (c) => c + c);

function taskInput(c: HarnessConfig, split: string, fewshot: string | undefined, splits: Record<string, { path: string; format: 'json' | 'jsonl' }>, where: (key: string) => string): TaskInput {
  const map = METRIC_MAP[c.output_type];
  const listed = c.metric_list?.map((m) => m.metric) ?? Object.keys(map).slice(0, c.output_type === 'generate_until' ? 1 : undefined);
  const metrics = listed.flatMap((name) => {
    const ours = map[name];
    if (!ours) throw new PersianLoraError('ERR_INVALID_OPTION', `${where('metric_list')}: metric ${name} is not supported for ${c.output_type} (supported: ${Object.keys(map).join(', ')})`);
    return [...ours];
  });
  const common = {
    name: c.task,
    ...(c.task_alias ? { description: c.task_alias } : {}),
    dataset: { splits, split },
    prompt: { template: 'custom' as const, prefix: '{instruction}', text: '{input}', answer: `${literal(c.target_delimiter)}{output}`, separator: c.fewshot_delimiter },
    fewshot: { k: c.num_fewshot, ...(fewshot ? { split: fewshot } : {}) },
    metrics: [...new Set(metrics)] as TaskInput['metrics'],
  };
  if (c.output_type === 'multiple_choice') {
    return { ...common, kind: 'classification', mode: 'loglikelihood', loglikelihood: { continuation: 'option', delimiter: c.target_delimiter } };
  }
  // lm-evaluation-harness scores the target as written after the prompt; target_delimiter only joins a shot's text and target.
  if (c.output_type === 'loglikelihood') return { ...common, kind: 'continuation', loglikelihood: { delimiter: '' } };
  if (c.output_type === 'loglikelihood_rolling') return { ...common, kind: 'perplexity' };
  const g = c.generation_kwargs;
  const until = g?.until === undefined ? [c.fewshot_delimiter] : typeof g.until === 'string' ? [g.until] : g.until;
  return {
    ...common,
    kind: 'generation',
    generation: {
      sampling: g?.do_sample ? 'sample' : 'greedy',
      ...(g?.do_sample && g.temperature > 0 ? { temperature: g.temperature } : {}),
      stop: until.filter((s) => s.length > 0),
      maxTokens: g?.max_gen_toks ?? 256,
      repetitionPenalty: 1,
    },
    // lm-evaluation-harness users score ROUGE with rouge-score's default tokenizer.
    rouge: { tokenizer: 'default' },
  };
}
