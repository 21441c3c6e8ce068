// Everything the report shows, read from the run folder: the manifest, each stage's results and training curves.
import path from 'node:path';
import { runResultsSchema, type RunResults } from '../../eval/results/schema.js';
import { STAGE_LABELS, type Manifest, type StageRecord } from '../manifest.js';
import { readTrainingCurves, type TrainingCurves } from './curves.js';
import { readJsonFile } from './json-file.js';
import { readManifest } from './manifest-file.js';

export interface ReportStage {
  record: StageRecord;
  /** e.g. `stage 1 · pretraining`. */
  label: string;
  /** Evaluation results (validated), null when the stage was not evaluated. */
  results: RunResults | null;
  /** Training curves, null when the stage did not train; `curvesMissing` when it did but metrics.jsonl is gone. */
  curves: TrainingCurves | null;
  curvesMissing: string | null;
}

export interface ReportData {
  runDir: string;
  manifest: Manifest;
  /** The stages shown: every stage that ran or was skipped (not the pending ones), in run order. */
  stages: ReportStage[];
}

export async function loadRun(runDir: string): Promise<ReportData> {
  const manifest = await readManifest(runDir);
  const stages: ReportStage[] = [];
  for (const record of manifest.stages) {
    if (record.status === 'pending') continue;
    const results = record.eval
      ? await readJsonFile(path.resolve(runDir, record.eval.results), runResultsSchema, `Evaluation results of ${STAGE_LABELS[record.id]}`, 'results')
      : null;
    let curves: TrainingCurves | null = null;
    let curvesMissing: string | null = null;
    if (record.train) {
      const file = path.resolve(runDir, record.train.runDir, 'metrics.jsonl');
      curves = await readTrainingCurves(file);
      if (!curves) curvesMissing = path.relative(runDir, file);
    }
    stages.push({ record, label: STAGE_LABELS[record.id], results, curves, curvesMissing });
  }
  return { runDir, manifest, stages };
}
