// How a stage is named in the report's tables: its label, and its status when it is not `done`.
import type { ReportStage } from './load.js';

export function stageTitle(stage: Pick<ReportStage, 'label' | 'record'>): string {
  return stage.record.status === 'done' ? stage.label : `${stage.label} (${stage.record.status})`;
}
