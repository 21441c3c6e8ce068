// Runs evaluation tasks against a model (+ LoRA adapters): requests → model → scored items → results with intervals.
import { PersianLoraError } from '../../errors.js';
import { parseOptions } from '../../config/validate.js';
import type { Context } from '../../context.js';
import type { Model } from '../../model.js';
import { packageVersion } from '../../version.js';
import { RESULTS_SCHEMA_ID, type ItemRecord, type RunResults, type TaskResult } from '../results/schema.js';
import { scoreItem, taskResult } from '../tasks/score.js';
import { answerGenerations, answerRequest, type GeneratedAnswer } from './answer.js';
import { fileRef } from './hash.js';
import { evalRunSchema, type EvalRunOptions, type ParsedEvalRunOptions } from './options.js';
import type { PreparedTask, PreparedTasks } from './prepare.js';
import { ProgressTracker, type EvalProgress } from './progress.js';
import { openContexts, scoreShards, type Stepper } from './shard.js';
import { runtimeVersions } from './versions.js';

/** The run's settings as recorded in the results. */
function runConfig(prepared: PreparedTasks, o: ParsedEvalRunOptions): Record<string, unknown> {
  const p = prepared.options;
  return {
    tasks: prepared.tasks.map(({ task: t }) => ({ name: t.name, mode: t.mode, ...(t.mode === 'generate' ? { generation: t.generation } : {}) })),
    dataDir: p.dataDir,
    limit: p.limit ?? null,
    mode: p.mode ?? null,
    maxTokens: p.maxTokens ?? null,
    contextSize: o.contextSize,
    sequences: o.sequences,
    batchSize: o.batchSize,
    threads: o.threads,
    bootstrap: { samples: o.bootstrapSamples, seed: o.bootstrapSeed, level: 0.95 },
  };
}

const isOverflow = (e: unknown) => e instanceof PersianLoraError && e.code === 'ERR_CONTEXT_OVERFLOW';

/**
 * Evaluates prepared tasks (`prepareTasks`) with `model` and returns the results (`runResultsSchema`'s shape). Items
 * are sent in record order, one model call each, except generate items, which run up to `sequences` at once in
 * parallel sequences (`Context.completeBatch`); an item that does not fit the context is listed with the parse
 * failures (reason starting `context:`) and never scored. When `signal` aborts during scoring, the items in flight
 * are dropped, every item already finished is kept, and the results come back with `partial: true` (tasks with no
 * item done are left out). Before scoring starts (while hashing) an abort rejects with the signal's reason.
 */
export async function runEvaluation(models: Model | readonly Model[], prepared: PreparedTasks, options: EvalRunOptions = {}): Promise<RunResults> {
  const o = parseOptions(evalRunSchema, options, 'runEvaluation options');
  const shards = Array.isArray(models) ? models as readonly Model[] : [models as Model];  // several: one copy per device (shard.ts)
  const model = shards[0]!;
  if (shards.some((m) => m.path !== model.path)) throw new PersianLoraError('ERR_INVALID_OPTION', `Expected one model file for every shard but received ${shards.map((m) => m.path).join(', ')}`);
  const runs = prepared.tasks;
  const modelRef = await fileRef(model.path, o.hashFiles, o.signal);
  const adapterRefs = [];
  for (const a of o.adapters) adapterRefs.push({ ...(await fileRef(a.adapter.path, o.hashFiles, o.signal)), scale: a.scale });
  if (o.signal?.aborted) throw o.signal.reason;

  const contexts = await openContexts(shards, { contextSize: o.contextSize, sequences: o.sequences, batchSize: o.batchSize, threads: o.threads }, o.adapters);
  const results: TaskResult[] = [];
  let partial = false;
  try {
    const tracker = new ProgressTracker(runs.reduce((n, r) => n + r.built.requests.length, 0), runs.length);
    for (const [taskIndex, run] of runs.entries()) {
      const { items, failures, stopped, done } = await scoreShards(contexts, run, tracker, (context, shard, stepper) => scoreTask(context, shard, taskIndex, stepper, o));
      if (done > 0 || !stopped) results.push(taskResult(run.task, { failures }, items, { samples: o.bootstrapSamples, seed: o.bootstrapSeed }));
      if (stopped) {
        partial = true;
        break;
      }
    }
  } finally {
    for (const context of contexts) context.dispose();
  }
  return {
    schema: RESULTS_SCHEMA_ID,
    packageVersion: packageVersion(),
    createdAt: new Date().toISOString(),
    config: runConfig(prepared, o),
    model: { ...modelRef, description: model.info.description },
    adapters: adapterRefs,
    versions: runtimeVersions(),
    partial,
    tasks: results,
  };
}

/** Scores one task's requests in order (generate requests up to `sequences` at once); `stopped` when the signal cut it short. */
async function scoreTask(context: Context, run: PreparedTask, taskIndex: number, tracker: Stepper, o: ParsedEvalRunOptions) {
  const { task, built } = run;
  const items: ItemRecord[] = [];
  const failures = [...built.failures];
  const maxLength = Math.max(1, Math.min(context.contextSize - 1, context.model.info.contextLength || context.contextSize - 1));
  const report = o.onProgress as ((p: EvalProgress) => void) | undefined;
  const requests = built.requests;
  let taskDone = 0;
  let stopped = false;
  // Records one item's answer in request order; false when the signal cut it off.
  const record = (request: (typeof requests)[number], answer: GeneratedAnswer | undefined): boolean => {
    if (answer === null) return false;
    if (answer && 'overflow' in answer) failures.push({ ok: false, index: request.itemIndex, reason: `context: ${answer.overflow}` });
    else if (answer) items.push(scoreItem(task, built.items.get(request.itemIndex)!, answer));
    taskDone += 1;
    report?.(tracker.step(task.name, taskIndex, taskDone, requests.length));
    return true;
  };
  for (let next = 0; next < requests.length && !stopped;) {
    if (o.signal?.aborted) {
      stopped = true;
      break;
    }
    const group: Extract<(typeof requests)[number], { mode: 'generate' }>[] = [];
    for (let r = requests[next]; r?.mode === 'generate' && group.length < context.sequences; r = requests[next]) {
      group.push(r);
      next += 1;
    }
    if (group.length > 0) {
      // Items finished before an abort are kept, even when one before them was cut off.
      let answers: GeneratedAnswer[];
      try {
        answers = await answerGenerations(context, group, o.signal);
      } catch (error) {
        if (!o.signal?.aborted) throw error;
        stopped = true;
        break;
      }
      group.forEach((request, i) => { if (!record(request, answers[i])) stopped = true; });
      if (o.signal?.aborted) stopped = true;
      continue;
    }
    const request = requests[next++]!;
    let answer;
    try {
      answer = await answerRequest(context, request, maxLength, o.signal);
    } catch (error) {
      if (o.signal?.aborted) {
        stopped = true;
        break;
      }
      if (!isOverflow(error)) throw error;
      record(request, { overflow: (error as Error).message });
      continue;
    }
    if (!record(request, answer)) stopped = true;
  }
  failures.sort((a, b) => a.index - b.index);
  return { items, failures, stopped, done: taskDone };
}
