// A pipeline run folder for the report tests: manifest, three evaluation results files (base, stage 0, stage 1;
// classification, generation and perplexity tasks), stage 1's metrics.jsonl; stages 2 and 3 skipped.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Manifest, StageRecord } from '../../../lib/pipeline/manifest.js';
import { pendingStage } from '../../../lib/pipeline/manifest.js';
import type { Aggregate, RunResults, TaskResult } from '../../../lib/eval/results/schema.js';
import { aggregate } from '../eval/results/sample.js';
import { tempDir } from '../../helpers/temp-dir.js';

/** A Persian task name: its header cell must run right to left. */
export const PERSIAN_TASK = 'خلاصه‌سازی';
const SHA = (c: string) => c.repeat(64);

function task(name: string, language: string, mode: TaskResult['mode'], aggregates: Aggregate[]): TaskResult {
  return { name, version: 1, mode, language, fewshot: 0, n: 100, failures: [], aggregates, items: [] };
}

function results(model: string, adapters: string[], tasks: TaskResult[]): RunResults {
  return {
    schema: 'persian-lora/eval-results@1', packageVersion: '0.1.0', createdAt: '2026-12-01T10:00:00.000Z', config: { tasks: 'fixture' },
    model: { path: model, sha256: SHA('a'), bytes: 1000 }, adapters: adapters.map((p) => ({ path: p, sha256: SHA('b'), bytes: 10, scale: 1 })),
    versions: { 'llama.cpp': 'b0000' }, partial: false, tasks,
  };
}

const lower = false;
/** Values per stage, hand-picked so that the deltas and marks are known (see report.test.ts). */
const stageResults = (run: string) => ({
  base: results('/models/tiny.gguf', [], [
    task('paper-fa/sentiment', 'fa', 'generate', [aggregate('acc', 0.5, [0.45, 0.55]), aggregate('macro_f1', 0.4, [0.35, 0.45])]),
    task('paper-en/qa', 'en', 'generate', [aggregate('bleu', 20, [18, 22]), aggregate('chrf', 40, [38, 42])]),
    task(PERSIAN_TASK, 'fa', 'generate', [aggregate('rougeL', 0.2, [0.18, 0.22]), aggregate('token_f1', 0.25, [0.2, 0.3])]),
    task('heldout/fa', 'fa', 'perplexity', [aggregate('token_perplexity', 30, [28, 32], lower), aggregate('bits_per_byte', 0.6, [0.58, 0.62], lower), aggregate('bits_per_char', 1.2, [1.15, 1.25], lower)]),
    task('heldout/en', 'en', 'perplexity', [aggregate('token_perplexity', 12, [11, 13], lower), aggregate('bits_per_byte', 0.9, [0.88, 0.92], lower)]),
  ]),
  vocab: results(path.join(run, 'vocab/extended.gguf'), [], [
    task('paper-fa/sentiment', 'fa', 'generate', [aggregate('acc', 0.52, [0.47, 0.57]), aggregate('macro_f1', 0.41, [0.36, 0.46])]),
    task('paper-en/qa', 'en', 'generate', [aggregate('bleu', 19, [17, 21]), aggregate('chrf', 38.2, [37, 39.4])]),
    task('heldout/fa', 'fa', 'perplexity', [aggregate('token_perplexity', 80, [75, 85], lower), aggregate('bits_per_byte', 0.62, [0.6, 0.64], lower), aggregate('bits_per_char', 1.25, [1.2, 1.3], lower)]),
    task('heldout/en', 'en', 'perplexity', [aggregate('token_perplexity', 12.1, [11.1, 13.1], lower), aggregate('bits_per_byte', 0.91, [0.89, 0.93], lower)]),
  ]),
  pretrain: results(path.join(run, 'vocab/extended.gguf'), ['train/pretrain/adapter.gguf'], [
    task('paper-fa/sentiment', 'fa', 'generate', [aggregate('acc', 0.65, [0.6, 0.7]), aggregate('macro_f1', 0.6, [0.55, 0.65])]),
    task('paper-en/qa', 'en', 'generate', [aggregate('bleu', 21, [19, 23]), aggregate('chrf', 41.5, [39.5, 43.5])]),
    task(PERSIAN_TASK, 'fa', 'generate', [aggregate('rougeL', 0.3, [0.27, 0.33]), aggregate('token_f1', 0.3, [0.25, 0.35])]),
    task('heldout/fa', 'fa', 'perplexity', [aggregate('token_perplexity', 20, [19, 21], lower), aggregate('bits_per_byte', 0.48, [0.46, 0.5], lower), aggregate('bits_per_char', 0.95, [0.92, 0.98], lower)]),
    task('heldout/en', 'en', 'perplexity', [aggregate('token_perplexity', 13, [12, 14], lower), aggregate('bits_per_byte', 0.93, [0.91, 0.95], lower)]),
  ]),
});

/** 40 steps of stage 1 with a resume at step 20 (steps 21–25 logged twice), validation every 10, a cut last line. */
export function metricsLines(): string {
  const step = (s: number, bump = 0) => JSON.stringify({
    type: 'step', step: s, totalSteps: 40, epoch: 0, loss: 2 + 6.5 * Math.exp(-s / 8) + bump, lr: s <= 4 ? 2e-4 * (s / 4) : 1e-4 * (1 + Math.cos((Math.PI * (s - 4)) / 36)),
    gradNorm: 1, tokens: 4096, tokensPerSecond: 512, etaSeconds: 1,
  });
  const evalAt = (s: number) => JSON.stringify({ type: 'eval', step: s, loss: 2.4 + 6 * Math.exp(-s / 9), perplexity: Math.exp(2.4 + 6 * Math.exp(-s / 9)), tokens: 2048 });
  const lines: string[] = [];
  for (let s = 1; s <= 25; s++) { lines.push(step(s, s > 20 ? 5 : 0)); if (s % 10 === 0) lines.push(evalAt(s)); }
  lines.push(JSON.stringify({ type: 'resume', step: 20 }));
  for (let s = 21; s <= 40; s++) { lines.push(step(s)); if (s % 10 === 0) lines.push(evalAt(s)); }
  return lines.join('\n') + '\n{"type":"step","st';
}

function stage(id: StageRecord['id'], patch: Partial<StageRecord>): StageRecord {
  return { ...pendingStage(id), status: 'done', key: `key-${id}`, startedAt: '2026-12-01T10:00:00.000Z', finishedAt: '2026-12-01T11:00:00.000Z', ...patch };
}

export function manifest(): Manifest {
  return {
    schema: 'persian-lora/pipeline-manifest@1', packageVersion: '0.1.0', createdAt: '2026-12-01T10:00:00.000Z', updatedAt: '2026-12-01T12:00:00.000Z',
    versions: { node: 'v20.19.0', 'llama.cpp': 'b0000 (fd570ef5)' },
    config: { name: 'fixture run', base: '/models/tiny.gguf', language: 'fa', stages: { vocab: { newPieces: 16000 }, pretrain: { rank: 8, lr: 2e-4 } } },
    configFile: { role: 'config', path: '/configs/run.yaml', sha256: SHA('c'), bytes: 321 },
    stages: [
      stage('base', { seconds: { total: 100, train: 0, eval: 80 }, inputs: [{ role: 'base model', path: '/models/tiny.gguf', sha256: SHA('a'), bytes: 1000 }], model: { base: '/models/tiny.gguf', adapter: null }, eval: { results: 'eval/base.json' } }),
      stage('vocab', {
        seconds: { total: 300, train: 0, eval: 90 }, outputs: [{ role: 'extended model', path: 'vocab/extended.gguf', sha256: SHA('d'), bytes: 2_000_000 }],
        model: { base: 'vocab/extended.gguf', adapter: null }, eval: { results: 'eval/vocab.json' },
        vocab: { newTokens: 16000, firstNewId: 32000, heldOut: 'heldout/fa.txt', before: { tokensPerWord: 4.93, charsPerToken: 1.1, words: 1000, tokens: 4930 }, after: { tokensPerWord: 1.46, charsPerToken: 3.7, words: 1000, tokens: 1460 } },
      }),
      stage('pretrain', {
        seconds: { total: 1000, train: 800, eval: 100 }, outputs: [{ role: 'adapter', path: 'train/pretrain/adapter.gguf', sha256: SHA('e'), bytes: 4096 }],
        model: { base: 'vocab/extended.gguf', adapter: 'train/pretrain/adapter.gguf' }, eval: { results: 'eval/pretrain.json' },
        train: { runDir: 'train/pretrain', steps: 40, tokens: 163840, tokensPerSecond: 512.3, firstLoss: 8.5, lastLoss: 2.04, validationLoss: 2.49 },
      }),
      stage('align', { status: 'skipped', key: null, startedAt: null, finishedAt: null, note: 'stopAfter: pretrain' }),
      stage('instruct', { status: 'skipped', key: null, startedAt: null, finishedAt: null, note: 'stopAfter: pretrain' }),
    ],
  };
}

/** Writes the run folder into a fresh temporary folder and returns its path. */
export function makeRunFolder(prefix = 'pl-report-'): string {
  const run = tempDir(prefix);
  mkdirSync(path.join(run, 'eval'));
  mkdirSync(path.join(run, 'train/pretrain'), { recursive: true });
  const all = stageResults(run);
  for (const [id, r] of Object.entries(all)) writeFileSync(path.join(run, 'eval', `${id}.json`), JSON.stringify(r, null, 2));
  writeFileSync(path.join(run, 'train/pretrain/metrics.jsonl'), metricsLines());
  writeFileSync(path.join(run, 'manifest.json'), JSON.stringify(manifest(), null, 2));
  return run;
}
