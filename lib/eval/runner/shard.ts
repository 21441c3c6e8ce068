// Evaluation sharded over several models (one per device, e.g. RPC servers): each task's requests are dealt out in
// blocks, the shards run at once, and their items are merged back in request order, so the results equal an
// unsharded run's. A block is `sequences` requests: generate requests batch in groups of that many from a task's
// start, so every shard forms the same groups the unsharded run does.
import type { AppliedAdapter, Context } from '../../context.js';
import type { ContextOptions } from '../../config/inference.js';
import type { Model } from '../../model.js';
import type { ItemRecord } from '../results/schema.js';
import type { PreparedTask } from './prepare.js';
import type { EvalProgress, ProgressTracker } from './progress.js';

type Failure = PreparedTask['built']['failures'][number];
export interface TaskScores { items: ItemRecord[]; failures: Failure[]; stopped: boolean; done: number }
export type Stepper = Pick<ProgressTracker, 'step'>;

/**
 * One context per model with the adapters applied; an adapter belongs to the model that loaded it, so the other
 * shards load their own copies of the same files (freed with their model). On failure the contexts opened are disposed.
 */
export async function openContexts(models: readonly Model[], options: ContextOptions, adapters: readonly AppliedAdapter[]): Promise<Context[]> {
  const contexts: Context[] = [];
  try {
    for (const [i, model] of models.entries()) {
      const context = await model.createContext(options);
      contexts.push(context);
      if (adapters.length === 0) continue;
      context.setAdapters(i === 0 ? [...adapters] : await Promise.all(adapters.map(async (a) => ({ ...a, adapter: await model.loadAdapter(a.adapter.path) }))));
    }
    return contexts;
  } catch (error) {
    for (const context of contexts) context.dispose();
    throw error;
  }
}

/** Shard `shard` of `shards`: blocks of `block` consecutive requests, dealt round-robin (block b to shard b % shards). */
export function shardRequests<T>(requests: readonly T[], shard: number, shards: number, block: number): T[] {
  return requests.filter((_, i) => Math.floor(i / block) % shards === shard);
}

/**
 * Scores one task on every context at once, each with its shard of the requests (the task's parse failures go with
 * shard 0), and merges the shards' items in request order; progress counts the task's items over all shards.
 */
export async function scoreShards(contexts: readonly Context[], run: PreparedTask, tracker: Stepper,
  score: (context: Context, run: PreparedTask, tracker: Stepper) => Promise<TaskScores>): Promise<TaskScores> {
  if (contexts.length === 1) return score(contexts[0]!, run, tracker);
  const { requests } = run.built;
  let taskDone = 0;
  const shared: Stepper = { step: (task: string, taskIndex: number): EvalProgress => tracker.step(task, taskIndex, ++taskDone, requests.length) };
  const block = Math.min(...contexts.map((c) => c.sequences));
  const shards = await Promise.all(contexts.map((context, shard) => score(context, {
    task: run.task,
    built: { ...run.built, requests: shardRequests(requests, shard, contexts.length, block), failures: shard === 0 ? run.built.failures : [] },
  }, shared)));
  const position = new Map(requests.map((r, i) => [r.itemIndex, i]));
  return {
    items: shards.flatMap((s) => s.items).sort((a, b) => position.get(a.index)! - position.get(b.index)!),
    failures: shards.flatMap((s) => s.failures).sort((a, b) => a.index - b.index),
    stopped: shards.some((s) => s.stopped),
    done: shards.reduce((n, s) => n + s.done, 0),
  };
}
