// Section: held-out perplexity per language and stage, per token and per character (or byte).
import { formatInterval, formatNumber } from '../../eval/results/table.js';
import type { Aggregate } from '../../eval/results/schema.js';
import type { Cell, Section } from './document.js';
import type { ReportData } from './load.js';
import { stageTitle } from './stage-title.js';

interface PerplexityTask { name: string; language: string | null; perChar: 'bits_per_char' | 'bits_per_byte' }

const cell = (a: Aggregate | undefined): Cell => (a ? `${formatNumber(a.value)} ${formatInterval(a)}` : '—');

export function perplexitySection(data: ReportData): Section {
  const tasks = new Map<string, PerplexityTask>();
  for (const stage of data.stages) {
    for (const t of stage.results?.tasks ?? []) {
      if (t.mode !== 'perplexity') continue;
      const hasChar = t.aggregates.some((a) => (a.metric as string) === 'bits_per_char');
      const known = tasks.get(t.name);
      tasks.set(t.name, { name: t.name, language: t.language ?? null, perChar: hasChar || known?.perChar === 'bits_per_char' ? 'bits_per_char' : 'bits_per_byte' });
    }
  }
  const blocks: Section['blocks'] = [];
  if (tasks.size === 0) {
    blocks.push({ kind: 'paragraph', text: 'No held-out perplexity task was evaluated.' });
    return { id: 'perplexity', heading: 'Held-out perplexity', blocks };
  }
  const list = [...tasks.values()];
  const header = ['Stage', ...list.flatMap((t) => {
    const name = t.language ? `${t.language} (${t.name})` : t.name;
    return [`${name}: perplexity per token ↓`, `${name}: ${t.perChar === 'bits_per_char' ? 'bits per character' : 'bits per byte'} ↓`];
  })];
  const rows = data.stages.map((stage) => [stageTitle(stage), ...list.flatMap((t): Cell[] => {
    const task = stage.results?.tasks.find((x) => x.name === t.name && x.mode === 'perplexity');
    const find = (metric: string) => task?.aggregates.find((a) => (a.metric as string) === metric);
    return [cell(find('token_perplexity')), cell(find(t.perChar))];
  })]);
  const usesBytes = list.some((t) => t.perChar === 'bits_per_byte');
  blocks.push(
    { kind: 'paragraph', text: 'Perplexity of held-out text per language and stage, with 95 % bootstrap intervals; lower is better.' },
    { kind: 'table', id: 'perplexity', header, rows, align: ['l', ...header.slice(1).map((): 'r' => 'r')] },
    {
      kind: 'paragraph',
      text: `Only the per-character figure${usesBytes ? ' (per byte where bits per character were not computed)' : ''} compares across a vocabulary extension: stage 0 changes what a token is (a Persian word takes fewer, longer tokens), so perplexity per token before and after it measures different units, while bits per character divide the same text's log-likelihood by the same number of characters.`,
    },
  );
  return { id: 'perplexity', heading: 'Held-out perplexity', blocks };
}
