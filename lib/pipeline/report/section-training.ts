// Section: loss and learning-rate curves of each training stage (SVG figures) with the stage's figures.
import type { Section } from './document.js';
import { formatCount } from './format.js';
import type { ReportData } from './load.js';
import { stageTitle } from './stage-title.js';
import { renderCurvesSvg } from './svg.js';

/** File name of a stage's figure, written beside the report. */
export const curvesFile = (stageId: string) => `loss-${stageId}.svg`;

const loss = (x: number | null) => (x === null ? '—' : x.toFixed(4));

export function trainingSection(data: ReportData): Section {
  const blocks: Section['blocks'] = [];
  for (const stage of data.stages) {
    const train = stage.record.train;
    if (!train) continue;
    blocks.push({
      kind: 'paragraph',
      text: `**${stageTitle(stage)}** (\`${train.runDir}\`): ${formatCount(train.steps)} steps, ${formatCount(train.tokens)} tokens, ${formatCount(train.tokensPerSecond, 1)} tokens/s; training loss ${loss(train.firstLoss)} → ${loss(train.lastLoss)}, validation loss ${loss(train.validationLoss)}.`,
    });
    if (stage.curves) {
      blocks.push({
        kind: 'figure',
        id: `curves-${stage.record.id}`,
        file: curvesFile(stage.record.id),
        svg: renderCurvesSvg(stage.curves, `${stage.label}: loss and learning rate`),
        caption: `${stage.label}: training loss per step (line), validation loss (points) and learning rate.`,
      });
    } else {
      blocks.push({ kind: 'paragraph', text: `No curves: \`${stage.curvesMissing}\` does not exist.` });
    }
  }
  if (blocks.length === 0) blocks.push({ kind: 'paragraph', text: 'No stage trained.' });
  return { id: 'training', heading: 'Training curves', blocks };
}
