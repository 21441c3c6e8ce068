// Cleaning of UI-string pairs: format strings, accelerator marks, markup and entities out; filters with counts.

/** printf (`%s`, `%1$d`, `%'I5.2f`), Python (`%(name)s`), `%%`, Qt (`%1`), ICU/Python/shell braces (`{0}`, `{name}`, `${x}`). */
const FORMAT = new RegExp(
  [
    '%%',
    '%\\([\\w.-]+\\)[-+ #0]*\\d*(?:\\.\\d+)?[diouxXeEfFgGcrsa]',
    "%(?:\\d+\\$)?[-+#0'I]*(?:\\d+|\\*)?(?:\\.(?:\\d+|\\*))?(?:hh|h|ll|l|L|q|j|z|t|I64|I32)?[diouxXeEfFgGaAcCsSpn]",
    '%\\d+',
    '\\$?\\{\\{?[\\w.,:#\\- ]*\\}\\}?',
  ].join('|'),
  'g',
);
/** `(_F)`, `(&F)`, `(~F)` appended by translators whose script has no letter for the mnemonic. */
const ACCEL_SUFFIX = /\s*\([_&~][^\s()]\)/gu;
/**
 * Mnemonic marks: GTK `_File`, Qt/Windows `&File` (not an entity such as `&amp;`), LibreOffice `~File`. A string has
 * at most one mnemonic, so a mark is removed only when it occurs once (`pango_parse_markup` keeps its underscores).
 */
const ACCELERATORS = [/_(?=[\p{L}\p{N}])/gu, /&(?=[\p{L}\p{N}])(?!(?:[a-zA-Z]+|#\d+|#x[0-9a-fA-F]+);)/gu, /~(?=[\p{L}\p{N}])/gu];
/** Pango and HTML markup (lower-case tag names only: `<Untitled>` and `<HTML>` in prose are text). */
const TAG = /<\/?(b|big|i|s|sub|sup|small|tt|u|span|markup|a|p|br|div|em|strong|li|ul|ol|tr|td|th|table|hr|h[1-6]|code|pre|font|img|kbd|q|cite)(?:\s[^<>]*)?\/?>/g;
const BLOCK_TAGS = new Set(['br', 'p', 'div', 'li', 'ul', 'ol', 'tr', 'td', 'th', 'table', 'hr', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'pre']);
const ENTITY = /&(?:(amp|lt|gt|quot|apos|nbsp)|#(\d+)|#x([0-9a-fA-F]+));/g;
const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };
const BIDI = /[\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g;
const CONTROL = /\p{Cc}/gu;
const EMPTY_BRACKETS = /\(\s*\)|\[\s*\]|“\s*”|‘\s*’|«\s*»|"\s*"|'\s*'/g;
const SPACE_BEFORE_PUNCT = /\s+([.,:;!?،؛؟)\]»…])/g;
const SPACE_AFTER_OPEN = /([(\[«“])\s+/g;
const EDGE_JUNK = /^[\s:;,،؛\-–—|/=]+|[\s:;,،؛\-–—|/=(]+$/g;

function decodeEntities(text: string): string {
  return text.replace(ENTITY, (_m, name: string | undefined, dec: string | undefined, hex: string | undefined) => {
    if (name) return NAMED[name]!;
    const code = dec !== undefined ? parseInt(dec, 10) : parseInt(hex!, 16);
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : '';
  });
}

/** Clean one UI string: markup, accelerators, entities, format strings, control/bidi characters, spacing. */
export function cleanText(text: string): string {
  let s = text.replace(TAG, (_m, tag: string) => (BLOCK_TAGS.has(tag) ? ' ' : ''));
  s = s.replace(ACCEL_SUFFIX, '');
  for (const mark of ACCELERATORS) {
    const unescaped = s.replace(/__|&&|~~/g, '');
    if ((unescaped.match(mark) ?? []).length === 1) s = s.replace(mark, '');
  }
  s = s.replace(/__/g, '_').replace(/&&/g, '&');
  s = decodeEntities(s);
  s = s.replace(FORMAT, (m) => (m === '%%' ? '%' : ' '));
  s = s.replace(BIDI, '').replace(CONTROL, ' ');
  s = s.replace(/\s+/g, ' ').replace(EMPTY_BRACKETS, ' ').replace(/\s+/g, ' ').replace(SPACE_BEFORE_PUNCT, '$1').replace(SPACE_AFTER_OPEN, '$1');
  return s.replace(EDGE_JUNK, '').normalize('NFC');
}

export interface FilterOptions {
  minChars: number;
  maxChars: number;
  /** Least share of Arabic-script letters among the letters of the Persian side. */
  minPersianRatio: number;
  /** Least share of Latin letters among the letters of the English side. */
  minLatinRatio: number;
}

export const FILTERS = ['empty', 'identical', 'technical', 'notEnglish', 'notPersian', 'tooShort', 'tooLong', 'duplicate'] as const;
export type FilterName = (typeof FILTERS)[number];

/** Share of the letters of `text` that belong to `script` (0 when it has no letter). */
export function scriptRatio(text: string, script: 'Arabic' | 'Latin'): number {
  const letters = text.match(/\p{L}/gu);
  if (!letters) return 0;
  const pattern = script === 'Arabic' ? /\p{Script=Arabic}/u : /\p{Script=Latin}/u;
  return letters.filter((c) => pattern.test(c)).length / letters.length;
}

/** Identifiers, paths, URLs, keys and keyword lists rather than English text. */
export function isTechnical(en: string): boolean {
  if (/^[^;]*(?:;[^;]*){2,}$/.test(en)) return true;
  const core = en.replace(/[.…!?:]+$/, '');
  if (/\s/.test(core)) return false;
  return /[_./\\:@=;<>{}#$%]/.test(core) || /[a-z]-[a-z]/.test(core) || /^[a-z]+[A-Z]/.test(core);
}

/** Which filter (in the order of FILTERS, duplicates aside) rejects a cleaned pair, if any. */
export function rejectReason(en: string, fa: string, options: FilterOptions): Exclude<FilterName, 'duplicate'> | undefined {
  if (en === '' || fa === '') return 'empty';
  if (en === fa) return 'identical';
  if (isTechnical(en)) return 'technical';
  if (scriptRatio(en, 'Latin') < options.minLatinRatio) return 'notEnglish';
  if (scriptRatio(fa, 'Arabic') < options.minPersianRatio) return 'notPersian';
  const enLength = [...en].length;
  const faLength = [...fa].length;
  if (enLength < options.minChars || faLength < options.minChars) return 'tooShort';
  if (enLength > options.maxChars || faLength > options.maxChars) return 'tooLong';
  return undefined;
}

/** The normalised form two pairs must share to count as duplicates. */
export function pairKey(en: string, fa: string): string {
  const norm = (s: string): string =>
    s.normalize('NFKC').toLowerCase().replace(/\u200c/g, ' ').replace(/ي/g, 'ی').replace(/ك/g, 'ک').replace(/ى/g, 'ی')
      .replace(/\s+/g, ' ').replace(/[\s.…:]+$/, '').trim();
  return `${norm(en)}\u0000${norm(fa)}`;
}

/** Cleans pairs and applies the filters one pair at a time, counting what each filter removed. */
export class PairFilter {
  readonly removed: Record<FilterName, number> = Object.fromEntries(FILTERS.map((f) => [f, 0])) as Record<FilterName, number>;
  kept = 0;
  private readonly seen = new Set<string>();
  constructor(private readonly options: FilterOptions) {}

  /** The cleaned pair when it passes every filter, otherwise undefined (and the filter's count goes up). */
  accept(rawEn: string, rawFa: string): { en: string; fa: string } | undefined {
    const en = cleanText(rawEn);
    const fa = cleanText(rawFa);
    const reason = rejectReason(en, fa, this.options);
    if (reason) {
      this.removed[reason]++;
      return undefined;
    }
    const key = pairKey(en, fa);
    if (this.seen.has(key)) {
      this.removed.duplicate++;
      return undefined;
    }
    this.seen.add(key);
    this.kept++;
    return { en, fa };
  }
}
