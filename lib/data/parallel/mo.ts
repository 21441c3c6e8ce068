// Parser for GNU gettext binary catalogs (.mo), both byte orders, with contexts and plural forms.
// Kept over gettext-parser (exactness): errors name the entry and offset, entries stay in file order (gettext-parser's objects keyed by msgid put integer-like msgids first), and TextDecoder covers the charsets without iconv-lite.
import { PersianLoraError } from '../../errors.js';

export interface MoEntry {
  /** msgctxt, when the original string carried one (before the U+0004 separator). */
  context?: string;
  msgid: string;
  msgidPlural?: string;
  /** msgstr, or msgstr[0..n-1] for a plural entry. */
  msgstr: string[];
}

export interface MoCatalog {
  littleEndian: boolean;
  revision: number;
  /** The header entry (msgid "") as `Name: value` fields. */
  header: Record<string, string>;
  /** Every entry except the header, in file order (sorted by msgid, as msgfmt writes them). */
  entries: MoEntry[];
}

const MAGIC = 0x950412de;

/** Parse the `Name: value` lines of a catalog header. */
export function parseMoHeader(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) fields[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
  }
  return fields;
}

function charsetOf(header: Record<string, string>): string {
  const match = /charset=([\w.:-]+)/i.exec(header['Content-Type'] ?? '');
  return match ? match[1]!.toLowerCase() : 'utf-8';
}

/** Parse a .mo file. `label` (usually the file name) names the catalog in error messages. */
export function parseMo(buf: Uint8Array, label: string): MoCatalog {
  const bad = (what: string): never => {
    throw new PersianLoraError('ERR_BAD_FORMAT', `Malformed .mo catalog ${label}: ${what}`);
  };
  if (buf.length < 28) bad(`expected at least 28 bytes of header but received ${buf.length}`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let littleEndian: boolean;
  if (view.getUint32(0, true) === MAGIC) littleEndian = true;
  else if (view.getUint32(0, false) === MAGIC) littleEndian = false;
  else return bad(`expected magic number 0x950412de but received 0x${view.getUint32(0, false).toString(16).padStart(8, '0')}`);
  const u32 = (offset: number): number => view.getUint32(offset, littleEndian);
  const revision = u32(4);
  if (revision >>> 16 > 1) bad(`expected format revision 0 or 1 but received major revision ${revision >>> 16}`);
  const count = u32(8);
  const originals = u32(12);
  const translations = u32(16);
  if (originals + count * 8 > buf.length || translations + count * 8 > buf.length) {
    bad(`string tables for ${count} entries run past the end of the file (${buf.length} bytes)`);
  }

  const raw = (table: number, index: number, which: string): Uint8Array => {
    const length = u32(table + index * 8);
    const offset = u32(table + index * 8 + 4);
    if (offset + length > buf.length) bad(`${which} string of entry ${index} (offset ${offset}, length ${length}) runs past the end of the file`);
    return buf.subarray(offset, offset + length);
  };

  // The header (msgid "") sorts first; decode it as UTF-8 to learn the charset of the rest.
  let header: Record<string, string> = {};
  let first = 0;
  if (count > 0 && raw(originals, 0, 'original').length === 0) {
    header = parseMoHeader(new TextDecoder('utf-8').decode(raw(translations, 0, 'translated')));
    first = 1;
  }
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(charsetOf(header));
  } catch {
    return bad(`unsupported charset ${JSON.stringify(charsetOf(header))} in its Content-Type header`);
  }

  const entries: MoEntry[] = [];
  for (let i = first; i < count; i++) {
    const original = decoder.decode(raw(originals, i, 'original'));
    const translated = decoder.decode(raw(translations, i, 'translated'));
    const eot = original.indexOf('\u0004');
    const context = eot === -1 ? undefined : original.slice(0, eot);
    const [msgid, msgidPlural] = original.slice(eot + 1).split('\0');
    const entry: MoEntry = { msgid: msgid!, msgstr: translated.split('\0') };
    if (context !== undefined) entry.context = context;
    if (msgidPlural !== undefined) entry.msgidPlural = msgidPlural;
    entries.push(entry);
  }
  return { littleEndian, revision, header, entries };
}

export interface SourcePair {
  en: string;
  fa: string;
}

/**
 * English–translation pairs of a catalog: msgid with msgstr[0] and msgid_plural with msgstr[1]. A language with a
 * single plural form (nplurals=1) has only msgstr[0], which then stands for msgid_plural too. Entries with an empty
 * translation are skipped; fuzzy entries are not marked in .mo files (msgfmt leaves them out unless told otherwise).
 */
export function moPairs(catalog: MoCatalog): SourcePair[] {
  const pairs: SourcePair[] = [];
  for (const entry of catalog.entries) {
    const singular = entry.msgstr[0] ?? '';
    if (entry.msgid !== '' && singular !== '') pairs.push({ en: entry.msgid, fa: singular });
    if (entry.msgidPlural !== undefined && entry.msgidPlural !== '') {
      const plural = entry.msgstr.length > 1 ? entry.msgstr[1]! : singular;
      if (plural !== '') pairs.push({ en: entry.msgidPlural, fa: plural });
    }
  }
  return pairs;
}
