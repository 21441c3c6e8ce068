// Section: wall time per stage (training, evaluation, the rest) and training throughput.
import type { Cell, Section } from './document.js';
import { formatCount, formatDuration, formatShare } from './format.js';
import type { ReportData } from './load.js';
import { stageTitle } from './stage-title.js';

export function timingSection(data: ReportData): Section {
  const rows: Cell[][] = [];
  const sum = { total: 0, train: 0, eval: 0, tokens: 0 };
  for (const stage of data.stages) {
    const { total, train, eval: evaluation } = stage.record.seconds;
    const other = Math.max(0, total - train - evaluation);
    const t = stage.record.train;
    sum.total += total; sum.train += train; sum.eval += evaluation; sum.tokens += t?.tokens ?? 0;
    rows.push([
      stageTitle(stage), formatDuration(total), formatDuration(train), formatDuration(evaluation), formatDuration(other), formatShare(other, total),
      t ? formatCount(t.tokens) : '—', t ? formatCount(t.tokensPerSecond, 1) : '—',
    ]);
  }
  const other = Math.max(0, sum.total - sum.train - sum.eval);
  rows.push(['all stages', formatDuration(sum.total), formatDuration(sum.train), formatDuration(sum.eval), formatDuration(other), formatShare(other, sum.total),
    formatCount(sum.tokens), sum.train > 0 ? formatCount(sum.tokens / sum.train, 1) : '—']);
  return {
    id: 'timing',
    heading: 'Time and throughput',
    blocks: [
      { kind: 'table', id: 'timing', header: ['Stage', 'total', 'training', 'evaluation', 'other', 'other share', 'training tokens', 'tokens/s'], rows, align: ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r'] },
      {
        kind: 'paragraph',
        text: `${formatShare(other, sum.total)} of the run's time (${formatDuration(other)} of ${formatDuration(sum.total)}) was spent outside training and evaluation: loading models, extending the vocabulary, preparing data, merging and writing files.`,
      },
    ],
  };
}
