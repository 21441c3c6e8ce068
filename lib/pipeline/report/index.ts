// The pipeline's report: report.md and report.html (plus one loss-<stage>.svg per training stage) in the run folder.
import path from 'node:path';
import { writeFileAtomically } from '../../atomic-file.js';
import { reportDocument } from './content.js';
import { renderHtml } from './html.js';
import { loadRun } from './load.js';
import { renderMarkdown, renderMarkdownBlock } from './markdown.js';

export { HEADER_BACKGROUND } from './html.js';
export { CURVE_COLORS } from './svg.js';
export { primaryMetric, headlineTable } from './headline.js';
export { readManifest, stageOfResultsFile } from './manifest-file.js';
export { readTrainingCurves } from './curves.js';

export const REPORT_FILES = { markdown: 'report.md', html: 'report.html' } as const;

export interface Report {
  markdown: string;
  html: string;
  /** The headline table alone, as markdown (for a terminal summary). */
  headline: string;
  /** The SVG figures the markdown links to, by file name (relative to the run folder). */
  figures: Array<{ file: string; svg: string }>;
}

/** Reads the run folder (manifest, results, metrics; all validated) and renders the report. */
export async function buildReport(runDir: string): Promise<Report> {
  const doc = reportDocument(await loadRun(runDir));
  const figures = doc.sections.flatMap((s) => s.blocks.flatMap((b) => (b.kind === 'figure' ? [{ file: b.file, svg: b.svg }] : [])));
  const headline = doc.sections.flatMap((s) => s.blocks).find((b) => b.kind === 'table' && b.id === 'headline');
  return { markdown: renderMarkdown(doc), html: renderHtml(doc), headline: headline ? renderMarkdownBlock(headline) : 'No stage has evaluation results yet.\n', figures };
}

/** Writes report.md, report.html and the figures atomically into the run folder; returns their paths and the headline table. */
export async function writeReport(runDir: string): Promise<{ markdown: string; html: string; figures: string[]; headline: string }> {
  const report = await buildReport(runDir);
  const write = (file: string, text: string) => writeFileAtomically(file, async (fh) => { await fh.writeFile(text, 'utf8'); });
  const figures: string[] = [];
  for (const f of report.figures) {
    const file = path.join(runDir, f.file);
    await write(file, f.svg);
    figures.push(file);
  }
  const markdown = path.join(runDir, REPORT_FILES.markdown);
  const html = path.join(runDir, REPORT_FILES.html);
  await write(markdown, report.markdown);
  await write(html, report.html);
  return { markdown, html, figures, headline: report.headline };
}
