// Writes a run's results: the JSON file (validated against the results schema) and the markdown table beside it, each
// atomically (a failed write leaves no file under the final name).
import path from 'node:path';
import { parseOptions } from '../../config/validate.js';
import { makeDirs, writeFileAtomicallySync, writeJsonAtomically } from '../../atomic-file.js';
import { runResultsSchema, type RunResults } from '../results/schema.js';
import { renderResultsTable } from '../results/table.js';

/** `<model file name>-<createdAt without separators>`, e.g. `llama-2-7b.Q4_K_M-20261127T153012345Z`. */
export function resultsName(results: RunResults): string {
  const model = path.basename(results.model.path).replace(/\.gguf$/i, '');
  const stamp = results.createdAt.replace(/[-:.]/g, '');
  return `${model}-${stamp}`;
}

/** The markdown report: what was run, then the results table. */
export function renderResultsReport(results: RunResults): string {
  const lines = [
    `# Evaluation: ${path.basename(results.model.path)}`,
    '',
    `- model: \`${results.model.path}\`${results.model.sha256 ? ` (sha256 \`${results.model.sha256}\`)` : ''}`,
    ...results.adapters.map((a) => `- adapter: \`${a.path}\` × ${a.scale}${a.sha256 ? ` (sha256 \`${a.sha256}\`)` : ''}`),
    `- persian-lora ${results.packageVersion}; ${Object.entries(results.versions).map(([k, v]) => `${k} ${v}`).join('; ')}`,
    `- created ${results.createdAt}${results.partial ? '; **partial**: the run was interrupted, only the items scored are counted' : ''}`,
    '',
    renderResultsTable(results),
  ];
  return lines.join('\n');
}

/** Writes `<outDir>/<name>.json` and `<outDir>/<name>.md` (name: `resultsName`); returns both paths. */
export function writeResults(results: RunResults, outDir: string, name = resultsName(results)): { json: string; markdown: string } {
  const checked = parseOptions(runResultsSchema, results, 'results');
  makeDirs(outDir, 'create the results folder');
  const json = path.join(outDir, `${name}.json`);
  const markdown = path.join(outDir, `${name}.md`);
  writeJsonAtomically(json, checked);
  writeFileAtomicallySync(markdown, renderResultsReport(checked));
  return { json, markdown };
}
