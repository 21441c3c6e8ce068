// The report as a list of sections and blocks, rendered once as markdown and once as HTML (the same content).
import type { LabeledRun } from '../../eval/results/compare.js';

/** One line of a table cell; `marked` lines are emphasised (a delta whose intervals do not overlap). */
export interface CellLine { text: string; marked?: boolean; muted?: boolean }
export type Cell = string | CellLine[];

export type Block =
  /** Text; `backticks` are code spans in both renderings. */
  | { kind: 'paragraph'; text: string }
  | { kind: 'list'; items: string[] }
  | { kind: 'table'; id: string; header: string[]; rows: Cell[][]; align: Array<'l' | 'r'>; note?: string }
  | { kind: 'code'; language: string; text: string }
  /** An SVG figure: inline in the HTML, a link to `file` (written beside the report) in the markdown. */
  | { kind: 'figure'; id: string; file: string; svg: string; caption: string }
  /** The per-metric comparison: lib/eval/results/compare.ts's renderComparison in the markdown, its rows in HTML. */
  | { kind: 'comparison'; runs: LabeledRun[] };

export interface Section { id: string; heading: string; blocks: Block[] }

export interface ReportDocument { title: string; intro: Block[]; sections: Section[] }

/** Plain text of a cell (lines joined with `; `), as the markdown shows it. */
export function cellText(cell: Cell): string {
  return typeof cell === 'string' ? cell : cell.map((l) => `${l.text}${l.marked ? ' *' : ''}`).join('; ');
}
