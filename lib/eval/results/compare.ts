// Compares several runs metric by metric: values with intervals, deltas against the first run, non-overlap marked.
import path from 'node:path';
import type { Aggregate, RunResults } from './schema.js';
import { formatInterval, formatNumber, markdownTable } from './table.js';

export interface LabeledRun {
  /** Column heading: what was evaluated (`runLabel`), e.g. `stage 1 · pretraining: llama.Q8_0 + adapter`. */
  label: string;
  results: RunResults;
}

export interface ComparisonCell {
  aggregate: Aggregate | null;
  /** value − first run's value; null for the first run or when either value is missing. */
  delta: number | null;
  /** True when both intervals exist and do not overlap the first run's. */
  separated: boolean;
}

export interface ComparisonRow {
  task: string;
  mode: string;
  metric: string;
  cells: ComparisonCell[];
}

/**
 * A run's column name from what it evaluated: the model file name (without `.gguf`), each adapter's
 * (`+ name`, `×scale` when not 1), after the stage's name when known. No timestamps: those live in the files.
 */
export function runLabel(results: Pick<RunResults, 'model' | 'adapters'>, stage?: string | null): string {
  const name = (file: string) => path.basename(file).replace(/\.gguf$/i, '');
  const adapters = results.adapters.map((a) => ` + ${name(a.path)}${a.scale === 1 ? '' : ` ×${a.scale}`}`).join('');
  return `${stage ? `${stage}: ` : ''}${name(results.model.path)}${adapters}`;
}

/**
 * Makes labels unique: a label shared by several runs gets ` (<fallback>)` from the first fallback list whose values
 * tell those runs apart (e.g. file names, then paths), else ` (#<position>)`.
 */
export function uniqueLabels(labels: readonly string[], fallbacks: ReadonlyArray<readonly string[]> = []): string[] {
  return labels.map((label, i) => {
    const same = labels.flatMap((l, j) => (l === label ? [j] : []));
    if (same.length === 1) return label;
    const distinct = fallbacks.find((f) => new Set(same.map((j) => f[j])).size === same.length);
    return `${label} (${distinct ? distinct[i] : `#${i + 1}`})`;
  });
}

const key = (task: string, mode: string, metric: string) => `${task}\u0000${mode}\u0000${metric}`;

/** True when the two closed intervals share no point (both must be defined). */
export function intervalsDisjoint(a: Aggregate['ci'], b: Aggregate['ci']): boolean {
  if (a[0] === null || a[1] === null || b[0] === null || b[1] === null) return false;
  return a[1] < b[0] || b[1] < a[0];
}

/** Rows for every task × mode × metric seen in any run, in order of first appearance. */
export function compare(runs: readonly LabeledRun[]): ComparisonRow[] {
  const order: Array<{ task: string; mode: string; metric: string }> = [];
  const found = runs.map(() => new Map<string, Aggregate>());
  runs.forEach((run, r) => {
    for (const task of run.results.tasks) {
      for (const a of task.aggregates) {
        const k = key(task.name, task.mode, a.metric);
        if (!found.some((m) => m.has(k))) order.push({ task: task.name, mode: task.mode, metric: a.metric });
        found[r]!.set(k, a);
      }
    }
  });
  return order.map(({ task, mode, metric }) => {
    const k = key(task, mode, metric);
    const base = found[0]!.get(k) ?? null;
    const cells = found.map((m, r) => {
      const aggregate = m.get(k) ?? null;
      const delta = r === 0 || !aggregate || !base || aggregate.value === null || base.value === null ? null : aggregate.value - base.value;
      const separated = r > 0 && !!aggregate && !!base && intervalsDisjoint(aggregate.ci, base.ci);
      return { aggregate, delta, separated };
    });
    return { task, mode, metric, cells };
  });
}

function signed(x: number | null): string {
  return x === null ? '—' : `${x >= 0 ? '+' : ''}${x.toFixed(4)}`;
}

/**
 * Markdown: | Task | Mode | Metric | <run 1> | <run 2> | Δ <run 2> | … | with each value followed by its interval.
 * A `*` after a delta marks a difference whose 95 % intervals do not overlap with the first run's.
 */
export function renderComparison(runs: readonly LabeledRun[]): string {
  const rows = compare(runs).map((row) => [
    row.task,
    row.mode,
    row.metric,
    ...row.cells.flatMap((c, r) => {
      const value = c.aggregate ? `${formatNumber(c.aggregate.value)} ${formatInterval(c.aggregate)}` : '—';
      return r === 0 ? [value] : [value, `${signed(c.delta)}${c.separated ? ' *' : ''}`];
    }),
  ]);
  const header = ['Task', 'Mode', 'Metric', ...runs.flatMap((run, r) => (r === 0 ? [run.label] : [run.label, `Δ ${run.label}`]))];
  const align: Array<'l' | 'r'> = ['l', 'l', 'l', ...runs.flatMap((_, r): Array<'l' | 'r'> => (r === 0 ? ['r'] : ['r', 'r']))];
  return markdownTable(header, rows, align) + '\n`*`: the 95 % bootstrap intervals of this run and the first do not overlap.\n';
}
