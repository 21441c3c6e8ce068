// Human-readable numbers, durations and the progress lines of train, eval and pipeline.
import type { EvalProgress } from '../eval/runner/progress.js';
import type { TrainJobEvent } from '../train/job.js';

export function formatCount(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)}B`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}K`;
  return String(n);
}

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return `${n.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

/** `42s`, `3m07s`, `2h05m`; `?` when unknown (null, NaN, infinite). */
export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '?';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** `[2/5] paper-fa/entailment 37/200 · 112/600 items · 3.41 items/s · ETA 2m23s` */
export function formatEvalProgress(p: EvalProgress): string {
  return `[${p.taskIndex + 1}/${p.taskCount}] ${p.task} ${p.taskDone}/${p.taskTotal} · ${p.done}/${p.total} items · ${p.itemsPerSecond.toFixed(2)} items/s · ETA ${formatDuration(p.etaSeconds)}`;
}

type TrainStep = Extract<TrainJobEvent, { type: 'step' }>;

/** `step 12/100 | loss 2.3456 | lr 2.00e-4 | grad 0.812 | 1530 tok/s | ETA 3m07s` (the gradient norm when asked). */
export function formatTrainStep(e: TrainStep, { gradNorm = true } = {}): string {
  return `step ${e.step}/${e.totalSteps} | loss ${e.loss.toFixed(4)} | lr ${e.lr.toExponential(2)}${gradNorm ? ` | grad ${e.gradNorm.toFixed(3)}` : ''} | ${e.tokensPerSecond.toFixed(0)} tok/s | ETA ${formatDuration(e.etaSeconds)}`;
}
