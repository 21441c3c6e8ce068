// Evaluation after each stage: the configured tasks plus held-out perplexity per language, prepared once per run.
import { mkdirSync } from 'node:fs';
import { writeFileAtomicallySync } from '../atomic-file.js';
import path from 'node:path';
import { loadModel } from '../model.js';
import { readLines } from '../data/loaders/text.js';
import { parseTask } from '../eval/tasks/load.js';
import { resolveTasks } from '../eval/tasks/resolve.js';
import type { Task } from '../eval/tasks/schema.js';
import { prepareTasks, type PreparedTasks } from '../eval/runner/prepare.js';
import { runEvaluation } from '../eval/runner/run.js';
import { writeResults } from '../eval/runner/write.js';
import type { EvalProgress } from '../eval/runner/progress.js';
import type { RunResults } from '../eval/results/schema.js';
import type { PipelineConfig } from './config.js';
import { hashOf, manifestFile } from './files.js';
import type { ManifestFile } from './manifest.js';

export interface EvaluationPlan {
  prepared: PreparedTasks;
  /** Hash of every task and its prepared requests: a stage's results are reused only under the same key. */
  key: string;
  /** Task files and held-out texts, hashed. */
  inputs: ManifestFile[];
}

/** Held-out text of a language as perplexity records (a document per line), written into the run folder. */
async function heldOutTask(language: string, file: string, dir: string): Promise<Task> {
  const lines: string[] = [];
  for await (const { text } of readLines(file)) if (text.trim() !== '') lines.push(JSON.stringify({ output: text }));
  mkdirSync(dir, { recursive: true });
  writeFileAtomicallySync(path.join(dir, `${language}.jsonl`), lines.join('\n') + '\n');
  return parseTask({
    name: `heldout/${language}`, language, kind: 'perplexity', description: `held-out ${language} text: ${path.basename(file)}`,
    dataset: { format: 'jsonl', splits: { test: `${language}.jsonl` } },
  }, `held-out text ${file}`);
}

/** Loads and checks every task before anything trains, so a bad task file fails at once. */
export async function planEvaluation(config: PipelineConfig, runDir: string): Promise<EvaluationPlan | undefined> {
  const e = config.eval;
  const spec = [...e.suites, ...e.tasks].join(',');
  const tasks = spec === '' ? [] : resolveTasks(spec);
  const heldOutDir = path.join(runDir, 'eval', 'heldout');
  const heldOut: Task[] = [];
  for (const [language, file] of Object.entries(e.heldOut)) heldOut.push(await heldOutTask(language, file, heldOutDir));
  if (tasks.length === 0 && heldOut.length === 0) return undefined;
  const parts: PreparedTasks[] = [];
  if (tasks.length > 0) parts.push(prepareTasks(tasks, { dataDir: e.dataDir ?? path.dirname(e.tasks[0] ?? runDir), limit: e.limit, mode: e.mode, maxTokens: e.maxTokens }));
  if (heldOut.length > 0) parts.push(prepareTasks(heldOut, { dataDir: heldOutDir }));
  const prepared: PreparedTasks = { tasks: parts.flatMap((p) => p.tasks), options: parts[0]!.options };
  const inputs: ManifestFile[] = [];
  for (const file of e.tasks) inputs.push(await manifestFile('eval task', file, runDir));
  for (const [language, file] of Object.entries(e.heldOut)) inputs.push(await manifestFile(`held-out ${language}`, file, runDir));
  const key = hashOf({
    tasks: prepared.tasks.map((t) => ({ task: t.task, requests: t.built.requests, failures: t.built.failures })),
    settings: { contextSize: e.contextSize, sequences: e.sequences, bootstrapSamples: e.bootstrapSamples },
  });
  return { prepared, key, inputs };
}

export interface StageModel {
  base: string;
  adapter: string | null;
}

/** Evaluates one stage's model; returns the results (partial when aborted) and where they were written. */
export async function evaluateStage(
  plan: EvaluationPlan, model: StageModel, config: PipelineConfig, out: { dir: string; name: string },
  run: { signal?: AbortSignal; onProgress?: (p: EvalProgress) => void },
): Promise<{ results: RunResults; file: string | null }> {
  const loaded = await loadModel(model.base, { signal: run.signal });
  try {
    const adapters = model.adapter ? [{ adapter: await loaded.loadAdapter(model.adapter), scale: 1 }] : [];
    const results = await runEvaluation(loaded, plan.prepared, {
      adapters, contextSize: config.eval.contextSize, sequences: config.eval.sequences, threads: config.threads,
      bootstrapSamples: config.eval.bootstrapSamples, hashFiles: false, signal: run.signal, onProgress: run.onProgress,
    });
    if (results.partial) return { results, file: null };
    return { results, file: writeResults(results, out.dir, out.name).json };
  } finally {
    loaded.dispose();
  }
}
