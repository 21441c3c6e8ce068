// Turns a task and its loaded records into model requests (prompt + continuations or generation settings) and parse failures.
import { PersianLoraError } from '../../errors.js';
import { seededRandom } from '../metrics/bootstrap.js';
import { choiceItem, parseItem, type ParseFailure, type ParsedItem } from '../answers/parse.js';
import type { LoadedRecord, TaskData } from './load.js';
import { buildPrompt, continuations, targetContinuation, type Prompt } from './prompt.js';
import type { GenerationSettings, Task } from './schema.js';

/** Everything scoring needs about one item, kept by the runner next to the model's answer. */
export interface PreparedItem {
  /** Index of the record in its dataset file. */
  itemIndex: number;
  record: LoadedRecord;
  /** Label set, options and gold (classification tasks only). */
  parsed?: ParsedItem;
  prompt: Prompt;
  /** Log-likelihood mode: one continuation per label, in `parsed.labels` order; a continuation task's one target. */
  continuations?: string[];
}

export type ModelRequest =
  | { itemIndex: number; mode: 'generate'; prompt: Prompt; generation: GenerationSettings }
  | { itemIndex: number; mode: 'loglikelihood'; prompt: Prompt; continuations: string[] }
  | { itemIndex: number; mode: 'perplexity'; text: string };

export interface BuiltRequests {
  requests: ModelRequest[];
  /** Keyed by itemIndex; pass the matching one to `scoreItem`. */
  items: Map<number, PreparedItem>;
  /** Items that could not be parsed: reported, never scored. */
  failures: ParseFailure[];
}

/**
 * `k` few-shot examples for the item at `itemIndex`, drawn without replacement by a PRNG seeded from the task's
 * seed and the item index (so an item's examples do not depend on `limit` or on the order of evaluation). When
 * the pool is the evaluated split, the item itself is left out.
 */
export function selectShots(pool: readonly LoadedRecord[], k: number, seed: number, itemIndex: number, excludeSelf: boolean): LoadedRecord[] {
  if (k === 0) return [];
  const candidates = excludeSelf ? pool.filter((r) => r.index !== itemIndex) : [...pool];
  if (candidates.length < k) {
    throw new PersianLoraError('ERR_DATA', `Few-shot needs ${k} examples but the pool has ${candidates.length}${excludeSelf ? ' (the item itself excluded)' : ''}`);
  }
  const random = seededRandom((seed ^ Math.imul(itemIndex + 1, 0x9e3779b1)) >>> 0);
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(random() * (candidates.length - i));
    [candidates[i], candidates[j]] = [candidates[j]!, candidates[i]!];
  }
  return candidates.slice(0, k);
}

/**
 * The requests a runner sends to the model for `task` over `data`, one per item in record order. Classification
 * items are parsed first (label set, options, gold); an item that does not parse, or one with nothing to score after
 * the prompt (an empty target), becomes a failure and no request.
 */
export function buildRequests(task: Task, data: TaskData): BuiltRequests {
  const requests: ModelRequest[] = [];
  const items = new Map<number, PreparedItem>();
  const failures: ParseFailure[] = [];
  for (const record of data.records) {
    const itemIndex = record.index;
    if (task.mode === 'perplexity') {
      items.set(itemIndex, { itemIndex, record, prompt: { kind: 'text', text: '' } });
      requests.push({ itemIndex, mode: 'perplexity', text: record.record.output });
      continue;
    }
    let parsed: ParsedItem | undefined;
    if (task.kind === 'classification') {
      const result = record.choices ? choiceItem(itemIndex, record.choices, record.gold!) : parseItem(itemIndex, record.record, task.answer.labels);
      if (!result.ok) {
        failures.push(result);
        continue;
      }
      parsed = result;
    }
    const shots = selectShots(data.fewshotPool, task.fewshot.k, task.fewshot.seed, itemIndex, data.fewshotFromSameSplit);
    const prompt = buildPrompt(task, record, shots);
    if (task.mode === 'loglikelihood') {
      const conts = parsed ? continuations(task, parsed, prompt) : [targetContinuation(task, record, prompt)];
      if (conts.includes('')) {
        failures.push({ ok: false, index: itemIndex, reason: 'empty continuation: no text to score after the prompt' });
        continue;
      }
      items.set(itemIndex, { itemIndex, record, parsed, prompt, continuations: conts });
      requests.push({ itemIndex, mode: 'loglikelihood', prompt, continuations: conts });
    } else {
      items.set(itemIndex, { itemIndex, record, parsed, prompt });
      requests.push({ itemIndex, mode: 'generate', prompt, generation: task.generation });
    }
  }
  return { requests, items, failures };
}
