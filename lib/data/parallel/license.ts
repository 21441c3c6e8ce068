// Reads the licence of a Debian package from its /usr/share/doc/<pkg>/copyright file.

/** Fields of one DEP-5 paragraph; continuation lines are dropped, only the first line of each field is kept. */
function paragraphs(text: string): Array<Record<string, string>> {
  return text.split(/\n\s*\n/).map((block) => {
    const fields: Record<string, string> = {};
    for (const line of block.split('\n')) {
      const match = /^([A-Za-z][\w-]*):\s*(.*)$/.exec(line);
      if (match && !(match[1]! in fields)) fields[match[1]!] = match[2]!.trim();
    }
    return fields;
  });
}

const MENTION = /GNU\/(L?GPL)\b|\b(L?GPL)[- ]?v?(\d(?:\.\d)?)(\+)?|GNU\s+(Lesser\s+|Library\s+)?General\s+Public\s+License/g;
const GRANT_VERSION = /(?:either\s+version\s+(\d(?:\.\d)?)|version\s+(\d(?:\.\d)?)\s+of\s+the\s+License)([\s\S]{0,60}?any\s+later\s+version)?/i;

/**
 * Licences named in free-form copyright text, in order of first mention: `GNU/GPL`, `LGPLv2`, or "GNU General Public
 * License" with the version of its grant sentence ("either version 2 … any later version" → `GPL-2+`).
 */
function licenseFromProse(text: string): string | undefined {
  const found: string[] = [];
  for (const m of text.matchAll(MENTION)) {
    if (m[1]) found.push(m[1]);
    else if (m[2]) found.push(`${m[2]}-${m[3]}${m[4] ?? ''}`);
    else {
      const family = m[5] ? 'LGPL' : 'GPL';
      const grant = GRANT_VERSION.exec(text.slice(m.index!, m.index! + 300));
      found.push(grant ? `${family}-${grant[1] ?? grant[2]}${grant[3] ? '+' : ''}` : family);
    }
  }
  // A bare family yields to a versioned mention of it, `GPL-2` to `GPL-2+`; at most three names are kept.
  const distinct = [...new Set(found)].filter((l, _i, all) => (l.includes('-') || !all.some((o) => o.startsWith(`${l}-`))) && !all.includes(`${l}+`));
  return distinct.length > 0 ? distinct.slice(0, 3).join(' and ') : undefined;
}

/**
 * Licence of a package from its Debian copyright file: the `License` of the `Files: *` paragraph in the
 * machine-readable (DEP-5) format; in free-form files the GPL/LGPL named in the prose, else the first `License:` field.
 * Returns 'unknown' when nothing is found.
 */
export function licenseFromCopyright(text: string): string {
  const normalized = text.replace(/\r\n/g, '\n');
  const parsed = paragraphs(normalized);
  if (/^Format:/.test(normalized)) {
    const all = parsed.find((p) => p['Files'] !== undefined && p['Files'].split(/\s+/).includes('*') && p['License']);
    if (all) return tidy(all['License']!);
    const any = parsed.find((p) => p['Files'] !== undefined && p['License']);
    if (any) return tidy(any['License']!);
  }
  const field = parsed.map((p) => p['License']).find((l) => l !== undefined && l !== '');
  return tidy(licenseFromProse(normalized) ?? field ?? 'unknown');
}

/** Drop the pointer to the licence text that some files put after the name (`GPL-2+ (/usr/share/common-licenses/GPL-2)`). */
function tidy(license: string): string {
  return license.replace(/\s*\(\/usr\/share\/common-licenses\/[^)]*\)/g, '').replace(/\.$/, '').trim();
}
