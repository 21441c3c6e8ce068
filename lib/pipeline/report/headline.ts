// The headline table: stages × (task, language) on each task's primary metric, deltas against the base and the
// previous evaluated stage, with the non-overlap of intervals taken from lib/eval/results/compare.ts.
import { compare, type ComparisonCell } from '../../eval/results/compare.js';
import type { Aggregate, TaskResult } from '../../eval/results/schema.js';
import type { ReportData, ReportStage } from './load.js';

/** Perplexity tasks: bits per character, else bits per byte (both independent of the tokenizer). */
const PERPLEXITY_PRIMARY: readonly string[] = ['bits_per_char', 'bits_per_byte'];

/**
 * The metric a task is judged by: `acc` for classification, bits per character (else per byte) for perplexity
 * tasks, `chrf` (else the first metric) for generation. Null when the task has no aggregate.
 */
export function primaryMetric(task: Pick<TaskResult, 'mode' | 'aggregates'>): Aggregate['metric'] | null {
  const metrics = task.aggregates.map((a) => a.metric);
  if (task.mode === 'perplexity') return metrics.find((m) => m === PERPLEXITY_PRIMARY[0]) ?? metrics.find((m) => m === PERPLEXITY_PRIMARY[1]) ?? metrics[0] ?? null;
  if (metrics.includes('acc')) return 'acc';
  if (metrics.includes('chrf')) return 'chrf';
  return metrics[0] ?? null;
}

export interface HeadlineColumn {
  task: string;
  mode: string;
  language: string | null;
  metric: Aggregate['metric'];
  higherIsBetter: boolean;
}

export interface HeadlineCell {
  aggregate: Aggregate | null;
  /** Against the base's value; null on the base row or when either is missing. */
  vsBase: ComparisonCell | null;
  /** Against the previous evaluated stage, only when that stage is not the base (else it equals vsBase). */
  vsPrevious: ComparisonCell | null;
}

export interface HeadlineRow {
  stage: ReportStage;
  /** The stage the `vsPrevious` deltas compare with. */
  previous: ReportStage | null;
  cells: HeadlineCell[];
}

export interface HeadlineTable { columns: HeadlineColumn[]; rows: HeadlineRow[] }

/** Columns grouped by language (in order of first appearance), then tasks in order of first appearance. */
function headlineColumns(stages: readonly ReportStage[]): HeadlineColumn[] {
  const seen = new Map<string, HeadlineColumn>();
  for (const stage of stages) {
    for (const task of stage.results?.tasks ?? []) {
      const k = `${task.name}\u0000${task.mode}`;
      const metric = primaryMetric(task);
      if (seen.has(k) || metric === null) continue;
      const a = task.aggregates.find((x) => x.metric === metric)!;
      seen.set(k, { task: task.name, mode: task.mode, language: task.language ?? null, metric, higherIsBetter: a.higherIsBetter });
    }
  }
  const columns = [...seen.values()];
  const languages = [...new Set(columns.map((c) => c.language))];
  return languages.flatMap((l) => columns.filter((c) => c.language === l));
}

function cellOf(a: ReportStage, b: ReportStage, column: HeadlineColumn): ComparisonCell | null {
  const rows = compare([{ label: a.label, results: a.results! }, { label: b.label, results: b.results! }]);
  const row = rows.find((r) => r.task === column.task && r.mode === column.mode && r.metric === column.metric);
  return row ? row.cells[1]! : null;
}

export function headlineTable(data: Pick<ReportData, 'stages'>): HeadlineTable {
  const columns = headlineColumns(data.stages);
  const base = data.stages.find((s) => s.record.id === 'base' && s.results) ?? null;
  let previous: ReportStage | null = null;
  const rows = data.stages.map((stage): HeadlineRow => {
    const prev = previous;
    const cells = columns.map((column): HeadlineCell => {
      const task = stage.results?.tasks.find((t) => t.name === column.task && t.mode === column.mode);
      const aggregate = task?.aggregates.find((a) => a.metric === column.metric) ?? null;
      if (!stage.results || stage === base) return { aggregate, vsBase: null, vsPrevious: null };
      return {
        aggregate,
        vsBase: base ? cellOf(base, stage, column) : null,
        vsPrevious: prev && prev !== base ? cellOf(prev, stage, column) : null,
      };
    });
    if (stage.results) previous = stage;
    return { stage, previous: prev, cells };
  });
  return { columns, rows };
}
