// Section: the headline table (primary metric per task and language, by stage) and the full per-metric comparison.
import { runLabel, uniqueLabels } from '../../eval/results/compare.js';
import { formatInterval, formatNumber } from '../../eval/results/table.js';
import type { Aggregate } from '../../eval/results/schema.js';
import type { Cell, CellLine, Section } from './document.js';
import { formatDelta } from './format.js';
import { headlineTable, type HeadlineCell } from './headline.js';
import type { ReportData } from './load.js';
import { stageTitle } from './stage-title.js';

const valueText = (a: Aggregate) => `${formatNumber(a.value)} ${formatInterval(a)}`;

function headlineCell(cell: HeadlineCell, evaluated: boolean): Cell {
  if (!evaluated || !cell.aggregate) return '—';
  const lines: CellLine[] = [{ text: valueText(cell.aggregate) }];
  if (cell.vsBase) lines.push({ text: `Δ base ${formatDelta(cell.vsBase.delta)}`, marked: cell.vsBase.separated, muted: !cell.vsBase.separated });
  if (cell.vsPrevious) lines.push({ text: `Δ prev ${formatDelta(cell.vsPrevious.delta)}`, marked: cell.vsPrevious.separated, muted: !cell.vsPrevious.separated });
  return lines;
}

export function resultsSection(data: ReportData): Section {
  const table = headlineTable(data);
  const evaluated = data.stages.filter((s) => s.results);
  if (table.columns.length === 0) {
    return { id: 'results', heading: 'Results by stage', blocks: [{ kind: 'paragraph', text: 'No stage has evaluation results yet.' }] };
  }
  const header = ['Stage', ...table.columns.map((c) => `${c.task} (${c.language ?? 'no language'}) ${c.metric} ${c.higherIsBetter ? '↑' : '↓'}`)];
  const rows = table.rows.map((row) => [stageTitle(row.stage), ...row.cells.map((c) => headlineCell(c, row.stage.results !== null))]);
  const labels = uniqueLabels(
    evaluated.map((s) => runLabel(s.results!, s.label)),
    [evaluated.map((s) => s.record.eval!.results)],
  );
  return {
    id: 'results',
    heading: 'Results by stage',
    blocks: [
      {
        kind: 'paragraph',
        text: 'Each task on its primary metric (accuracy for classification, chrF for generation, bits per character for held-out perplexity; ↑ higher is better, ↓ lower is better), with its 95 % bootstrap interval. `Δ base` is the difference from the base model, `Δ prev` from the previous evaluated stage (when that is not the base).',
      },
      {
        kind: 'table',
        id: 'headline',
        header,
        rows,
        align: ['l', ...table.columns.map((): 'r' => 'r')],
        note: '`*` (bold in the HTML report): the two 95 % intervals do not overlap. Stages without results (skipped, failed) show —.',
      },
      { kind: 'paragraph', text: 'Every metric of every task, each stage against the base:' },
      { kind: 'comparison', runs: evaluated.map((s, i) => ({ label: labels[i]!, results: s.results! })) },
    ],
  };
}
