// Markdown table of a run's aggregates, in the style of lm-evaluation-harness's results table.
import type { Aggregate, RunResults } from './schema.js';

/** A number with 4 decimals, or `—` when undefined. */
export function formatNumber(x: number | null | undefined): string {
  return x === null || x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(4);
}

export function formatInterval(a: Pick<Aggregate, 'ci'>): string {
  return a.ci[0] === null || a.ci[1] === null ? '—' : `[${formatNumber(a.ci[0])}, ${formatNumber(a.ci[1])}]`;
}

/** Render rows as a markdown table; `align` per column ('l' or 'r'). */
export function markdownTable(header: readonly string[], rows: readonly string[][], align: readonly ('l' | 'r')[]): string {
  const cell = (s: string) => s.replaceAll('|', '\\|').replaceAll('\n', ' ');
  const line = (cells: readonly string[]) => `|${cells.map(cell).join('|')}|`;
  const rule = `|${align.map((a) => (a === 'r' ? '---:' : ':---')).join('|')}|`;
  return [line(header), rule, ...rows.map(line)].join('\n') + '\n';
}

/**
 * One row per task × metric: | Tasks | Version | Mode | n-shot | n | Metric | | Value | | Stderr | 95% CI |.
 * The task's columns are printed on its first row only; ↑ / ↓ says which direction is better. Tasks with parse
 * failures get a note line under the table.
 */
export function renderResultsTable(results: RunResults): string {
  const rows: string[][] = [];
  const notes: string[] = [];
  for (const task of results.tasks) {
    task.aggregates.forEach((a, i) => {
      const first = i === 0;
      rows.push([
        first ? task.name : '',
        first ? String(task.version) : '',
        first ? task.mode : '',
        first ? String(task.fewshot) : '',
        first ? String(task.n) : '',
        a.metric,
        a.higherIsBetter ? '↑' : '↓',
        formatNumber(a.value),
        '±',
        formatNumber(a.stderr),
        formatInterval(a),
      ]);
    });
    if (task.failures.length > 0) notes.push(`- ${task.name}: ${task.failures.length} item(s) not parsed and not scored (first: item ${task.failures[0]!.index}, ${task.failures[0]!.reason})`);
  }
  const table = markdownTable(['Tasks', 'Version', 'Mode', 'n-shot', 'n', 'Metric', '', 'Value', '', 'Stderr', '95% CI'], rows, ['l', 'r', 'l', 'r', 'r', 'l', 'l', 'r', 'l', 'r', 'r']);
  return notes.length > 0 ? `${table}\n${notes.join('\n')}\n` : table;
}
