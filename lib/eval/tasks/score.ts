// Scores one item from the model's answer, and aggregates a task's items into metrics with bootstrap intervals.
import { PersianLoraError } from '../../errors.js';
import { extractAnswer } from '../answers/extract.js';
import { harnessWordCount } from '../harness/words.js';
import { bleuFromStats, bleuStats, sumStats } from '../metrics/bleu.js';
import { bootstrap, type BootstrapOptions } from '../metrics/bootstrap.js';
import { chrfFromStats, chrfStats } from '../metrics/chrf.js';
import { macroF1, type LabelPair } from '../metrics/classification.js';
import { chooseByLoglikelihood, chooseByNormalizedLoglikelihood } from '../metrics/loglikelihood.js';
import { bitsPerByte, bitsPerChar, bytePerplexity, textUnits, tokenPerplexity, wordPerplexity, type TextLoglikelihood } from '../metrics/perplexity.js';
import { ROUGE_TOKENIZERS, rougeScores } from '../metrics/rouge.js';
import { exactMatch, tokenF1 } from '../metrics/squad.js';
import type { Aggregate, ItemRecord, TaskResult } from '../results/schema.js';
import { activeMetrics } from './load.js';
import type { BuiltRequests, PreparedItem } from './requests.js';
import type { MetricName, Task } from './schema.js';

/** What the runner got from the model for one request. */
export type ModelAnswer =
  | { mode: 'generate'; text: string }
  | { mode: 'loglikelihood'; logLikelihoods: number[]; greedy: boolean[] }
  | { mode: 'perplexity'; logLikelihood: number; tokens: number };

function mismatch(task: Task, item: PreparedItem, what: string): never {
  throw new PersianLoraError('ERR_INVALID_OPTION', `Expected ${what} for item ${item.itemIndex} of task ${task.name} (mode ${task.mode})`);
}

/**
 * Score one item: extraction or option choice for classification, per-item text metrics for generation, the target's
 * log-likelihood and whether greedy decoding gives it (`acc`) for a continuation task.
 */
export function scoreItem(task: Task, item: PreparedItem, answer: ModelAnswer): ItemRecord {
  if (answer.mode !== task.mode) mismatch(task, item, `a ${task.mode} answer but received a ${answer.mode} one`);
  const base = { index: item.itemIndex, prompt: item.prompt, gold: item.parsed?.gold ?? item.record.record.output };
  if (answer.mode === 'perplexity') {
    const text = item.record.record.output;
    const { bytes, chars, words: ownWords } = textUnits(text);
    // An imported lm-evaluation-harness task's word_perplexity divides by lm-evaluation-harness's word count.
    const words = task.harness ? harnessWordCount(text) : ownWords;
    return { ...base, output: answer, extracted: null, method: null, scores: { logLikelihood: answer.logLikelihood, tokens: answer.tokens, bytes, words, chars } };
  }
  if (answer.mode === 'loglikelihood') {
    const conts = item.continuations ?? mismatch(task, item, 'continuations');
    if (answer.logLikelihoods.length !== conts.length) mismatch(task, item, `${conts.length} log-likelihoods but received ${answer.logLikelihoods.length}`);
    const output = { mode: 'loglikelihood' as const, logLikelihoods: answer.logLikelihoods, continuations: conts };
    if (task.kind === 'continuation') {
      if (answer.greedy.length !== 1) mismatch(task, item, `1 greedy flag but received ${answer.greedy.length}`);
      const greedy = answer.greedy[0]!;
      return { ...base, output, extracted: null, method: 'loglikelihood', scores: { acc: Number(greedy), logLikelihood: answer.logLikelihoods[0]! } };
    }
    const parsed = item.parsed ?? mismatch(task, item, 'a parsed classification item');
    const chosen = parsed.labels[chooseByLoglikelihood(answer.logLikelihoods)]!;
    // lm-evaluation-harness's task YAML divides by the choice's length without the delimiter.
    const lengths = task.harness ? parsed.options!.map((o) => o.text) : conts;
    const chosenNorm = parsed.labels[chooseByNormalizedLoglikelihood(answer.logLikelihoods, lengths)]!;
    return {
      ...base,
      labels: parsed.labels,
      output,
      extracted: chosen,
      method: 'loglikelihood',
      scores: { acc: Number(chosen === parsed.gold), acc_norm: Number(chosenNorm === parsed.gold) },
    };
  }
  if (item.parsed) {
    const { label, method } = extractAnswer(answer.text, item.parsed, task.answer);
    return { ...base, labels: item.parsed.labels, output: answer, extracted: label, method, scores: { acc: Number(label === item.parsed.gold), extracted: Number(label !== null) } };
  }
  const prediction = answer.text.trim();
  const rouge = rougeScores(base.gold, prediction, ROUGE_TOKENIZERS[task.rouge.tokenizer]);
  return {
    ...base,
    output: answer,
    extracted: prediction,
    method: null,
    scores: { exact_match: exactMatch(prediction, base.gold), token_f1: tokenF1(prediction, base.gold), ...rouge },
  };
}

interface MetricPlan<T> {
  higherIsBetter: boolean;
  rows(items: readonly ItemRecord[]): T[];
  aggregate(rows: readonly T[]): number;
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const meanOf = (key: string): MetricPlan<number> => ({ higherIsBetter: true, rows: (items) => items.map((i) => i.scores[key] ?? Number.NaN), aggregate: mean });
const textOf = (i: ItemRecord) => i.extracted ?? '';
const llOf = (i: ItemRecord): TextLoglikelihood => ({ logLikelihood: i.scores['logLikelihood']!, tokens: i.scores['tokens']!, bytes: i.scores['bytes']!, words: i.scores['words']!, chars: i.scores['chars']! });
/** lm-evaluation-harness's `perplexity` aggregation: exp(−mean per-item log-likelihood). */
const meanLoglikelihoodPerplexity: MetricPlan<number> = { higherIsBetter: false, rows: (items) => items.map((i) => i.scores['logLikelihood'] ?? Number.NaN), aggregate: (lls) => Math.exp(-mean(lls)) };
const perplexityPlan = (fn: (xs: readonly TextLoglikelihood[]) => number): MetricPlan<TextLoglikelihood> => ({ higherIsBetter: false, rows: (items) => items.map(llOf), aggregate: fn });

/** How each metric turns item records into one number: a mean, a corpus statistic, or macro-F1. */
const PLANS: Record<MetricName, MetricPlan<any>> = {
  acc: meanOf('acc'),
  acc_norm: meanOf('acc_norm'),
  extracted: meanOf('extracted'),
  macro_f1: { higherIsBetter: true, rows: (items): LabelPair[] => items.map((i) => ({ predicted: i.extracted, gold: i.gold })), aggregate: macroF1 },
  exact_match: meanOf('exact_match'),
  token_f1: meanOf('token_f1'),
  rouge1: meanOf('rouge1'),
  rouge2: meanOf('rouge2'),
  rougeL: meanOf('rougeL'),
  bleu: { higherIsBetter: true, rows: (items) => items.map((i) => bleuStats(textOf(i), i.gold)), aggregate: (rows: number[][]) => bleuFromStats(sumStats(rows)) },
  chrf: { higherIsBetter: true, rows: (items) => items.map((i) => chrfStats(textOf(i), i.gold)), aggregate: (rows: number[][]) => chrfFromStats(sumStats(rows)) },
  perplexity: meanLoglikelihoodPerplexity,
  word_perplexity: perplexityPlan(wordPerplexity),
  byte_perplexity: perplexityPlan(bytePerplexity),
  bits_per_byte: perplexityPlan(bitsPerByte),
  bits_per_char: perplexityPlan(bitsPerChar),
  token_perplexity: perplexityPlan(tokenPerplexity),
};

const finite = (x: number) => (Number.isFinite(x) ? x : null);

/**
 * Aggregates of the task's active metrics over `items`, each with a bootstrap interval from resampling items
 * (same seed for every metric, so every metric sees the same resamples). BLEU and chrF are corpus statistics
 * recomputed on each resample; acc, ROUGE, EM and token F1 are means; macro-F1 is recomputed per resample.
 */
export function aggregateItems(task: Task, items: readonly ItemRecord[], options: BootstrapOptions = {}): Aggregate[] {
  const level = options.level ?? 0.95;
  return activeMetrics(task).map((metric) => {
    const plan = PLANS[metric];
    const r = items.length === 0 ? { value: Number.NaN, stderr: Number.NaN, ci: [Number.NaN, Number.NaN] } : bootstrap(plan.rows(items), plan.aggregate, options);
    return { metric, value: finite(r.value), stderr: finite(r.stderr), ci: [finite(r.ci[0]!), finite(r.ci[1]!)], level, n: items.length, higherIsBetter: plan.higherIsBetter };
  });
}

/** The task's part of the results file, from the built requests and the scored items. */
export function taskResult(task: Task, built: Pick<BuiltRequests, 'failures'>, items: readonly ItemRecord[], options: BootstrapOptions = {}): TaskResult {
  return {
    name: task.name,
    version: task.version,
    mode: task.mode,
    ...(task.language ? { language: task.language } : {}),
    fewshot: task.fewshot.k,
    n: items.length,
    failures: built.failures.map((f) => ({ index: f.index, reason: f.reason })),
    aggregates: aggregateItems(task, items, options),
    items: [...items],
  };
}
