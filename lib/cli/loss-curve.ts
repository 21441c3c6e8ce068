// loss.svg in a train run folder: its metrics.jsonl drawn by the pipeline report's curve code.
import path from 'node:path';
import { writeFileAtomicallySync } from '../atomic-file.js';
import { readTrainingCurves } from '../pipeline/report/curves.js';
import { renderCurvesSvg } from '../pipeline/report/svg.js';

/** Draws `<runDir>/loss.svg` (training and validation loss, learning rate); null while no step is logged. */
export async function writeLossCurve(runDir: string): Promise<string | null> {
  const curves = await readTrainingCurves(path.join(runDir, 'metrics.jsonl'));
  if (!curves || curves.steps.length === 0) return null;
  const file = path.join(runDir, 'loss.svg');
  writeFileAtomicallySync(file, renderCurvesSvg(curves, `${path.basename(runDir)}: loss and learning rate`));
  return file;
}
