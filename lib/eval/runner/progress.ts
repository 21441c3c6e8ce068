// Progress of an evaluation run: items done of total, items per second, ETA, and the one-line form the CLI prints.

export interface EvalProgress {
  /** Task being evaluated, its position and the number of tasks. */
  task: string;
  taskIndex: number;
  taskCount: number;
  /** Items done in this task (scored or failed) and the task's total. */
  taskDone: number;
  taskTotal: number;
  /** Items done over the whole run and the run's total. */
  done: number;
  total: number;
  elapsedSeconds: number;
  /** Items per second over the run so far (0 before the first item). */
  itemsPerSecond: number;
  /** Seconds left at the current rate; null before the first item. */
  etaSeconds: number | null;
}

/** Counts items and times them from construction. */
export class ProgressTracker {
  readonly total: number;
  readonly taskCount: number;
  done = 0;
  readonly #start = performance.now();

  constructor(total: number, taskCount: number) {
    this.total = total;
    this.taskCount = taskCount;
  }

  /** Records one item done and returns the progress after it. */
  step(task: string, taskIndex: number, taskDone: number, taskTotal: number): EvalProgress {
    this.done += 1;
    const elapsedSeconds = (performance.now() - this.#start) / 1000;
    const itemsPerSecond = elapsedSeconds > 0 ? this.done / elapsedSeconds : 0;
    const etaSeconds = itemsPerSecond > 0 ? (this.total - this.done) / itemsPerSecond : null;
    return { task, taskIndex, taskCount: this.taskCount, taskDone, taskTotal, done: this.done, total: this.total, elapsedSeconds, itemsPerSecond, etaSeconds };
  }
}

/** `h:mm:ss` or `m:ss`. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** `[2/5] paper-fa/entailment 37/200 · 112/600 items · 3.41 items/s · ETA 2:23` */
export function formatProgress(p: EvalProgress): string {
  const eta = p.etaSeconds === null ? '—' : formatDuration(p.etaSeconds);
  return `[${p.taskIndex + 1}/${p.taskCount}] ${p.task} ${p.taskDone}/${p.taskTotal} · ${p.done}/${p.total} items · ${p.itemsPerSecond.toFixed(2)} items/s · ETA ${eta}`;
}
