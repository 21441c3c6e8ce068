// Reads task files (YAML or JSON) and their dataset splits, with errors that name the file, field or split.
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { PersianLoraError, describeValue } from '../../errors.js';
import type { EvalRecord } from '../answers/parse.js';
import { renderDoc } from '../harness/docs.js';
import { KIND_RULES, MODE_METRICS, taskSchema, type Mode, type ParsedTask, type Task, type TaskInput } from './schema.js';
import { parseSource, type YamlSource } from '../../config/yaml.js';
import { readTaskSource } from './source.js';

/** Validate a task object; `source` (a file name or `built-in`) prefixes any error. */
export function parseTask(input: unknown, source = 'task'): Task {
  return taskFromSource({ file: source, data: input, lineOf: () => undefined });
}

/** The task with its mode and metrics settled from its kind. */
function settle(parsed: ParsedTask): Task {
  const rules = KIND_RULES[parsed.kind];
  return { ...parsed, mode: parsed.mode ?? rules.modes[0]!, metrics: parsed.metrics ?? rules.metrics };
}

/** The same task run in another mode (e.g. a classification task by log-likelihood). */
export function withMode(task: Task, mode: Mode): Task {
  const allowed = KIND_RULES[task.kind].modes;
  if (!allowed.includes(mode)) {
    throw new PersianLoraError('ERR_INVALID_OPTION', `Expected a mode of a ${task.kind} task (${allowed.join(', ')}) for task ${task.name} but received ${describeValue(mode)}`);
  }
  return { ...task, mode };
}

/** The metrics a run of `task` computes: those listed that its mode allows. */
export function activeMetrics(task: Task): Task['metrics'] {
  const allowed: readonly string[] = MODE_METRICS[task.mode];
  return task.metrics.filter((m) => allowed.includes(m));
}

/** Read and validate a task file (`.yaml`/`.yml` or `.json`); an error names the file, the line and the key. */
export function loadTaskFile(file: string): Task {
  return taskFromSource(readTaskSource(file));
}

/** Validate an already read task file. */
export function taskFromSource(source: YamlSource): Task {
  return settle(parseSource(taskSchema, source, 'task'));
}

/** A record of a split: its index in the source file, the mapped fields, and the raw object for custom templates. */
export interface LoadedRecord {
  index: number;
  record: EvalRecord;
  raw: Record<string, unknown>;
  /** An imported multiple-choice task's choices for this record and the index of the gold one. */
  choices?: string[];
  gold?: number;
}

function readRecords(file: string, format: 'json' | 'jsonl'): unknown[] {
  const text = readFileSync(file, 'utf8');
  if (format === 'jsonl') {
    const out: unknown[] = [];
    text.split('\n').forEach((line, i) => {
      if (line.trim().length === 0) return;
      try {
        out.push(JSON.parse(line));
      } catch (error) {
        throw new PersianLoraError('ERR_BAD_FORMAT', `Dataset file ${file} line ${i + 1} is not valid JSON: ${(error as Error).message}`);
      }
    });
    return out;
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new PersianLoraError('ERR_BAD_FORMAT', `Dataset file ${file} is not valid JSON: ${(error as Error).message}`);
  }
  if (!Array.isArray(data)) throw new PersianLoraError('ERR_BAD_FORMAT', `Expected a JSON array of records in dataset file ${file} but received ${describeValue(data)}`);
  return data;
}

function fieldValue(raw: Record<string, unknown>, field: string, required: boolean, where: string): string {
  const value = raw[field];
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if ((value === undefined || value === null) && !required) return '';
  throw new PersianLoraError('ERR_DATA', `Expected a string or number for field ${JSON.stringify(field)} of ${where} but received ${describeValue(value)}`);
}

/** Load one named split of a task from `dataDir`. Missing files, malformed records and empty splits are errors. */
export function loadSplit(task: Task, dataDir: string, splitName: string): LoadedRecord[] {
  const spec = task.dataset.splits[splitName];
  if (spec === undefined) {
    throw new PersianLoraError('ERR_INVALID_OPTION', `Task ${task.name} has no split ${JSON.stringify(splitName)} (splits: ${Object.keys(task.dataset.splits).join(', ')})`);
  }
  const { path: rel, format = task.dataset.format, start = 0, end = undefined } = typeof spec === 'string' ? { path: spec } : spec;
  const file = path.resolve(dataDir, rel);
  if (!existsSync(file)) {
    throw new PersianLoraError('ERR_FILE_NOT_FOUND', `Dataset file ${file} (task ${task.name}, split ${splitName}) does not exist; check --data-dir`);
  }
  const { fields } = task.dataset;
  const rows = readRecords(file, format).slice(start, end);
  if (rows.length === 0) {
    throw new PersianLoraError('ERR_DATA', `Split ${JSON.stringify(splitName)} of task ${task.name} is empty (file ${file}${start || end !== undefined ? `, records ${start}..${end ?? 'end'}` : ''})`);
  }
  return rows.map((row, i) => {
    const index = start + i;
    const where = `record ${index} of ${file}`;
    if (row === null || typeof row !== 'object' || Array.isArray(row)) {
      throw new PersianLoraError('ERR_DATA', `Expected an object for ${where} but received ${describeValue(row)}`);
    }
    const raw = row as Record<string, unknown>;
    if (task.harness) return { index, raw, ...renderDoc(task.harness, raw, `${where} (task ${task.name})`) };
    const record = {
      instruction: fieldValue(raw, fields.instruction, false, where),
      input: fieldValue(raw, fields.input, false, where),
      output: fieldValue(raw, fields.output, true, where),
    };
    return { index, record, raw };
  });
}

export interface TaskData {
  /** The evaluated records, after `limit`. */
  records: LoadedRecord[];
  /** Few-shot example pool (empty when k = 0). */
  fewshotPool: LoadedRecord[];
  /** True when the pool is the evaluated split itself, so an item must not be its own example. */
  fewshotFromSameSplit: boolean;
}

/** Load what a run of `task` needs from `dataDir`; `limit` (e.g. from the command line) overrides the task's. */
export function loadTaskData(task: Task, dataDir: string, limit?: number): TaskData {
  const all = loadSplit(task, dataDir, task.dataset.split);
  const n = limit ?? task.dataset.limit;
  const records = n === undefined ? all : all.slice(0, n);
  if (task.fewshot.k === 0) return { records, fewshotPool: [], fewshotFromSameSplit: false };
  const split = task.fewshot.split ?? task.dataset.split;
  const same = split === task.dataset.split;
  return { records, fewshotPool: same ? all : loadSplit(task, dataDir, split), fewshotFromSameSplit: same };
}

export type { TaskInput };
