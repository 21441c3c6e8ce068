// The run folder's manifest, read and validated; and which stage of a run an evaluation results file belongs to.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { MANIFEST_FILE, STAGE_LABELS, manifestSchema, type Manifest, type StageRecord } from '../manifest.js';
import { readJsonFile } from './json-file.js';

/** `<runDir>/manifest.json`, validated; a missing or invalid manifest is a PersianLoraError naming the file. */
export function readManifest(runDir: string): Promise<Manifest> {
  return readJsonFile(path.join(runDir, MANIFEST_FILE), manifestSchema, 'Manifest', 'manifest');
}

/**
 * The pipeline stage whose evaluation wrote `resultsFile`: looks for a valid manifest in the file's folder and the
 * one above it (a run's `eval/`), and a stage whose `eval.results` is that file. Null when there is none.
 */
export function stageOfResultsFile(resultsFile: string): { stage: StageRecord; label: string; runDir: string } | null {
  const file = path.resolve(resultsFile);
  for (const runDir of [path.dirname(file), path.dirname(path.dirname(file))]) {
    const manifestFile = path.join(runDir, MANIFEST_FILE);
    if (!existsSync(manifestFile)) continue;
    let manifest: Manifest;
    try {
      const parsed = manifestSchema.safeParse(JSON.parse(readFileSync(manifestFile, 'utf8')));
      if (!parsed.success) continue;
      manifest = parsed.data;
    } catch {
      continue; // an unreadable manifest only means the column is named without its stage
    }
    const stage = manifest.stages.find((s) => s.eval && path.resolve(runDir, s.eval.results) === file);
    if (stage) return { stage, label: STAGE_LABELS[stage.id], runDir };
  }
  return null;
}
