// Renders the report document as markdown; figures become links to the SVG files written beside it.
import { renderComparison } from '../../eval/results/compare.js';
import { markdownTable } from '../../eval/results/table.js';
import { cellText, type Block, type ReportDocument } from './document.js';

export function renderMarkdownBlock(b: Block): string {
  switch (b.kind) {
    case 'paragraph': return `${b.text}\n`;
    case 'list': return b.items.map((i) => `- ${i}`).join('\n') + '\n';
    case 'table': return markdownTable(b.header, b.rows.map((r) => r.map(cellText)), b.align) + (b.note ? `\n${b.note}\n` : '');
    case 'code': return `\`\`\`${b.language}\n${b.text.endsWith('\n') ? b.text : `${b.text}\n`}\`\`\`\n`;
    case 'figure': return `![${b.caption}](${b.file})\n`;
    case 'comparison': return renderComparison(b.runs);
  }
}

export function renderMarkdown(doc: ReportDocument): string {
  const parts = [`# ${doc.title}\n`, ...doc.intro.map(renderMarkdownBlock)];
  for (const s of doc.sections) parts.push(`## ${s.heading}\n`, ...s.blocks.map(renderMarkdownBlock));
  return parts.join('\n');
}
