// The report's content: an introduction and the sections, in reading order.
import type { ReportDocument } from './document.js';
import type { ReportData } from './load.js';
import { perplexitySection } from './section-perplexity.js';
import { provenanceSections } from './section-provenance.js';
import { resultsSection } from './section-results.js';
import { timingSection } from './section-timing.js';
import { trainingSection } from './section-training.js';
import { vocabSection } from './section-vocab.js';
import { stageTitle } from './stage-title.js';

export function reportDocument(data: ReportData): ReportDocument {
  const m = data.manifest;
  const notes = data.stages.filter((s) => s.record.note).map((s) => `${s.label}: ${s.record.note}`);
  return {
    title: typeof m.config.name === 'string' && m.config.name !== '' ? `${m.config.name}: report` : 'persian-lora pipeline report',
    intro: [
      { kind: 'paragraph', text: `Run folder \`${data.runDir}\`, started ${m.createdAt}, last updated ${m.updatedAt}, persian-lora ${m.packageVersion}.` },
      { kind: 'list', items: data.stages.map((s) => `${stageTitle(s)}${s.record.model ? `: \`${s.record.model.base}\`${s.record.model.adapter ? ` + \`${s.record.model.adapter}\`` : ''}` : ''}`) },
      ...(notes.length > 0 ? [{ kind: 'paragraph' as const, text: `Notes: ${notes.join('; ')}.` }] : []),
    ],
    sections: [resultsSection(data), perplexitySection(data), vocabSection(data), trainingSection(data), timingSection(data), ...provenanceSections(data)],
  };
}
