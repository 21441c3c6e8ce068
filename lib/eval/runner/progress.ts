// Progress of an evaluation run: items done of total, items per second, ETA (printed by lib/cli/format.ts).

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
