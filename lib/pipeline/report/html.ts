// Renders the report document as one self-contained HTML page: inline CSS and SVG, no scripts, fonts or images.
// Table cells carry dir="auto" so Persian (right-to-left) text runs in its own direction.
import { compare } from '../../eval/results/compare.js';
import { formatInterval, formatNumber } from '../../eval/results/table.js';
import type { Block, Cell, ReportDocument } from './document.js';
import { escapeXml } from './escape.js';
import { formatDelta } from './format.js';

/** Background of table headers, exported for the rendering test (which looks for it in a screenshot). */
export const HEADER_BACKGROUND = '#dde6f3';

const CSS = `
:root{color-scheme:light}
body{margin:0;background:#fff;color:#1d1d1f;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Noto Sans Arabic","Vazirmatn","DejaVu Sans",sans-serif}
main{max-width:1400px;margin:0 auto;padding:24px 32px 48px}
h1{font-size:26px;margin:0 0 12px}
h2{font-size:20px;margin:36px 0 10px;padding-bottom:4px;border-bottom:2px solid ${HEADER_BACKGROUND}}
nav ol{margin:6px 0 0;padding-left:22px;columns:2}
.scroll{overflow-x:auto;margin:10px 0}
table{border-collapse:collapse;font-size:13px}
th,td{border:1px solid #c9d1dc;padding:5px 8px;vertical-align:top;unicode-bidi:plaintext}
th{background:${HEADER_BACKGROUND};font-weight:600;text-align:start}
td.r{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
tbody td:first-child{white-space:nowrap}
tbody tr:nth-child(even) td{background:#f7f9fc}
.line{display:block}
.muted{color:#666}
.marked{font-weight:700;color:#8a1c00}
.note{font-size:13px;color:#444}
code{font:12.5px ui-monospace,"SFMono-Regular","DejaVu Sans Mono",monospace;background:#f2f2f2;padding:1px 3px;border-radius:3px;word-break:break-all}
pre{background:#f6f8fa;border:1px solid #d8dee4;padding:10px 12px;overflow-x:auto}
pre code{background:none;padding:0;word-break:normal}
figure{margin:12px 0 20px}
figcaption{font-size:13px;color:#444}
svg{max-width:100%;height:auto}
`;

/** Escaped text with `code` spans and **bold**. */
export function inline(text: string): string {
  return escapeXml(text)
    .replace(/`([^`]+)`/g, '<code>$1</code>')
    .replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>');
}

function cell(tag: 'td' | 'th', c: Cell, align: 'l' | 'r' | undefined): string {
  const cls = tag === 'td' && align === 'r' ? ' class="r"' : '';
  const body = typeof c === 'string'
    ? inline(c)
    : c.map((l) => `<span class="line${l.marked ? ' marked' : l.muted ? ' muted' : ''}">${inline(l.text)}${l.marked ? ' *' : ''}</span>`).join('');
  return `<${tag} dir="auto"${cls}>${body}</${tag}>`;
}

function table(id: string, header: readonly string[], rows: readonly Cell[][], align: ReadonlyArray<'l' | 'r'>): string {
  return [
    `<div class="scroll"><table id="${escapeXml(id)}">`,
    `<thead><tr>${header.map((h) => cell('th', h, undefined)).join('')}</tr></thead>`,
    '<tbody>',
    ...rows.map((r) => `<tr>${r.map((c, i) => cell('td', c, align[i])).join('')}</tr>`),
    '</tbody></table></div>',
  ].join('\n');
}

function block(b: Block): string {
  switch (b.kind) {
    case 'paragraph': return `<p dir="auto">${inline(b.text)}</p>`;
    case 'list': return `<ul>${b.items.map((i) => `<li dir="auto">${inline(i)}</li>`).join('')}</ul>`;
    case 'table': return table(b.id, b.header, b.rows, b.align) + (b.note ? `\n<p class="note">${inline(b.note)}</p>` : '');
    case 'code': return `<pre><code>${escapeXml(b.text)}</code></pre>`;
    case 'figure': return `<figure id="${escapeXml(b.id)}">\n${b.svg}<figcaption>${inline(b.caption)}</figcaption></figure>`;
    case 'comparison': {
      const header = ['Task', 'Mode', 'Metric', ...b.runs.flatMap((r, i) => (i === 0 ? [r.label] : [r.label, `Δ ${r.label}`]))];
      const rows = compare(b.runs).map((row): Cell[] => [row.task, row.mode, row.metric, ...row.cells.flatMap((c, i): Cell[] => {
        const value = c.aggregate ? `${formatNumber(c.aggregate.value)} ${formatInterval(c.aggregate)}` : '—';
        return i === 0 ? [value] : [value, [{ text: formatDelta(c.delta), marked: c.separated }]];
      })]);
      return table('comparison', header, rows, ['l', 'l', 'l', ...header.slice(3).map((): 'r' => 'r')])
        + '\n<p class="note">* (bold): the 95 % bootstrap intervals of this run and the base do not overlap.</p>';
    }
  }
}

export function renderHtml(doc: ReportDocument): string {
  return [
    '<!DOCTYPE html>',
    '<html lang="en" dir="ltr">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeXml(doc.title)}</title>`,
    `<style>${CSS}</style>`,
    '</head>',
    '<body><main>',
    `<h1>${escapeXml(doc.title)}</h1>`,
    ...doc.intro.map(block),
    `<nav><strong>Contents</strong><ol>${doc.sections.map((s) => `<li><a href="#${escapeXml(s.id)}">${escapeXml(s.heading)}</a></li>`).join('')}</ol></nav>`,
    ...doc.sections.flatMap((s) => [`<section id="${escapeXml(s.id)}">`, `<h2>${escapeXml(s.heading)}</h2>`, ...s.blocks.map(block), '</section>']),
    '</main></body>',
    '</html>',
    '',
  ].join('\n');
}
