// Persian text normalisation: character forms, digits, marks, zero-width non-joiner, punctuation and spacing, each rule switchable.
import { z } from 'zod';
import { parseOptions } from '../../config/validate.js';

export const normalizeOptionsSchema = z.strictObject({
  /** Arabic letter forms to Persian: ي ى → ی, ك ڪ → ک, ة ە ھ ہ → ه. (ة → ه as hazm and parsivar do.) */
  arabicLetters: z.boolean().default(true),
  /**
   * ۀ (U+06C0, heh with yeh above, the ezafe after a final ه): `heh-hamza` writes ه + U+0654 (هٔ), the decomposed
   * spelling of the Academy of Persian Language and Literature, which Unicode NFC leaves as it is; `heh-zwnj-yeh`
   * writes ه‌ی; `heh` drops the mark; `keep` leaves ۀ.
   */
  hehYeh: z.enum(['heh-hamza', 'heh-zwnj-yeh', 'heh', 'keep']).default('heh-hamza'),
  /** Arabic presentation forms (U+FB50–FDFF, U+FE70–FEFC) to ordinary letters (NFKC of those characters only). */
  presentationForms: z.boolean().default(true),
  /**
   * Digits to one set. `ascii` (default): ۰–۹ and ٠–٩ become 0–9 and ٫ ٬ between digits become . , — matching the
   * labels of the study's test sets and the single-token digits of Llama vocabularies. `persian`: ASCII and
   * Arabic-Indic digits become ۰–۹, except ASCII digits touching Latin letters (F12, COVID-19). `keep`: no change.
   */
  digits: z.enum(['ascii', 'persian', 'keep']).default('ascii'),
  /** Remove tatweel (kashida, U+0640). */
  tatweel: z.boolean().default(true),
  /** Remove harakat: U+064B–0652 (fathatan … sukun), U+0656–065F and superscript alef U+0670; hamza marks U+0653–0655 stay. */
  diacritics: z.boolean().default(true),
  /** Strip control, bidi and invisible format characters: C0/C1 controls (not tab, newline), U+00AD, U+061C, U+200B, U+200E/F, U+202A–E, U+2060, U+2066–9, U+FEFF. */
  controlChars: z.boolean().default(true),
  /** Zero-width non-joiner: runs collapsed, spaces around it removed, and removed where it does not sit between two letters. */
  zwnj: z.boolean().default(true),
  /** Join common affixes with a ZWNJ: prefixes می / نمی, suffixes ها / های… / تر / تری / ترین, and ای ام ات اش ایم اید اند after a final ه or ی. */
  affixes: z.boolean().default(true),
  /** Latin , ; ? after Persian letters to ، ؛ ؟, and "…" / “…” around Persian text to «…». */
  punctuation: z.boolean().default(true),
  /** No space before punctuation, one after it; none inside « » and ( ). */
  spacing: z.boolean().default(true),
  /** Unicode spaces to one space, CRLF to LF, lines trimmed, three or more line breaks to two, the text trimmed. */
  whitespace: z.boolean().default(true),
  /** Unicode NFC (applied first, so decomposed input such as ا + ٓ becomes آ before the other rules). */
  nfc: z.boolean().default(true),
});
export type NormalizeOptions = z.input<typeof normalizeOptionsSchema>;
type Resolved = z.output<typeof normalizeOptionsSchema>;

const ZWNJ = '\u200c';
/** Arabic-script letters, as a regular-expression class. */
const AL = '[\\u0620-\\u064A\\u066E\\u066F\\u0671-\\u06D3\\u06D5\\u06FA-\\u06FC\\u06FF]';
const PERSIAN_DIGITS = '۰۱۲۳۴۵۶۷۸۹';
const ARABIC_DIGITS = '٠١٢٣٤٥٦٧٨٩';

/** Single-character rules as one table, so they run in one regular-expression pass. */
function characterTable(o: Resolved): Map<string, string> {
  const table = new Map<string, string>();
  const set = (chars: string, to: string): void => {
    for (const ch of chars) table.set(ch, to);
  };
  if (o.arabicLetters) {
    set('يى', 'ی');
    set('كڪ', 'ک');
    set('ةەھہ', 'ه');
  }
  if (o.hehYeh !== 'keep') table.set('ۀ', { 'heh-hamza': 'ه\u0654', 'heh-zwnj-yeh': 'ه\u200cی', heh: 'ه' }[o.hehYeh]);
  if (o.digits === 'ascii') {
    for (let d = 0; d < 10; d++) {
      table.set(PERSIAN_DIGITS[d]!, String(d));
      table.set(ARABIC_DIGITS[d]!, String(d));
    }
  } else if (o.digits === 'persian') {
    for (let d = 0; d < 10; d++) table.set(ARABIC_DIGITS[d]!, PERSIAN_DIGITS[d]!);
  }
  if (o.tatweel) table.set('\u0640', '');
  if (o.diacritics) {
    for (let cp = 0x064b; cp <= 0x0652; cp++) table.set(String.fromCharCode(cp), '');
    for (let cp = 0x0656; cp <= 0x065f; cp++) table.set(String.fromCharCode(cp), '');
    table.set('\u0670', '');
  }
  if (o.controlChars) {
    for (let cp = 0; cp <= 0x9f; cp++) {
      if ((cp < 0x20 && cp !== 0x09 && cp !== 0x0a && cp !== 0x0d) || cp >= 0x7f) table.set(String.fromCharCode(cp), '');
    }
    set('\u00ad\u061c\u200b\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2060\u2066\u2067\u2068\u2069\ufeff', '');
  }
  return table;
}

const LETTER_OR_MARK = /[\p{L}\p{M}]/u;
const LETTER_MARK_DIGIT = /[\p{L}\p{M}\p{N}]/u;
const isDigit = (ch: string | undefined): boolean => ch !== undefined && ch >= '0' && ch <= '9';
const isLetterOrMark = (ch: string | undefined): boolean => ch !== undefined && LETTER_OR_MARK.test(ch);
const isLetterOrMarkOrZwnj = (ch: string | undefined): boolean => ch === ZWNJ || isLetterOrMark(ch);
const isLetterMarkOrDigit = (ch: string | undefined): boolean => ch !== undefined && LETTER_MARK_DIGIT.test(ch);

const escapeClass = (ch: string): string => (/[\\\]\-^]/.test(ch) ? '\\' + ch : ch);

type Step = (text: string) => string;

/** Build a normaliser once (tables and expressions compiled) and apply it to many texts. */
export function createNormalizer(options: NormalizeOptions = {}): (text: string) => string {
  const o = parseOptions(normalizeOptionsSchema, options, 'normalize options');
  const steps: Step[] = [];
  if (o.nfc) steps.push((s) => s.normalize('NFC'));

  const table = characterTable(o);
  const keys = [...table.keys()].map(escapeClass).join('');
  const presentation = o.presentationForms ? '\\uFB50-\\uFDFF\\uFE70-\\uFEFC' : '';
  if (keys !== '' || presentation !== '') {
    const re = new RegExp(`[${keys}${presentation}]`, 'g');
    const mapChar = (ch: string): string => table.get(ch) ?? ch;
    steps.push((s) =>
      s.replace(re, (ch) => {
        const direct = table.get(ch);
        if (direct !== undefined) return direct;
        let out = '';
        for (const c of ch.normalize('NFKC')) out += mapChar(c);
        return out;
      }),
    );
  }
  // Context rules. Each expression starts at a literal character (a space, a mark, a digit) and checks what precedes
  // it in a callback: a leading lookbehind would be tried at every position and runs several times slower.
  if (o.digits === 'ascii') steps.push((s) => s.replace(/[٫٬]/g, (sep, at: number) => (isDigit(s[at - 1]) && isDigit(s[at + 1]) ? (sep === '٫' ? '.' : ',') : sep)));
  if (o.digits === 'persian') {
    // ASCII digits convert unless the space-delimited token around them holds a Latin letter (F12, COVID-19, URLs).
    const toPersian = (token: string): string => (/[A-Za-z]/.test(token) ? token : token.replace(/[0-9]/g, (d) => PERSIAN_DIGITS[Number(d)]!));
    steps.push((s) => s.replace(/[^\s]*[0-9][^\s]*/g, toPersian));
  }
  if (o.whitespace) {
    steps.push((s) =>
      s
        .replace(/\r\n?/g, '\n')
        .replace(/[\t\v\f\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]/g, ' ')
        .replace(/ {2,}/g, ' ')
        .replace(/ \n ?|\n /g, '\n')
        .replace(/\n{3,}/g, '\n\n'),
    );
  }
  if (o.zwnj) {
    steps.push((s) => {
      s = s.replace(/[ \t\u00a0]*\u200c[ \t\u00a0\u200c]*/g, ZWNJ);
      return s.replace(/\u200c/g, (z, at: number) => (isLetterOrMark(s[at - 1]) && isLetterOrMark(s[at + 1]) ? z : ''));
    });
  }
  if (o.affixes) {
    const end = '(?=$|[^\\p{L}\\p{M}\\u200c])';
    const prefix = new RegExp(`(ن?می) (?=${AL})`, 'gmu');
    const plural = new RegExp(` (هایشان|هایتان|هایمان|هایم|هایت|هایش|هایی|های|ها|ترین|تری|تر)${end}`, 'gmu');
    const enclitic = new RegExp(`([هی]) (اید|ایم|اند|ای|ام|ات|اش)${end}`, 'gmu');
    const twoLetters = new RegExp(`${AL}${AL}$`, 'u');
    steps.push((s) => {
      s = s.replace(prefix, (m, word: string, at: number) => (isLetterOrMarkOrZwnj(s[at - 1]) ? m : word + ZWNJ));
      s = s.replace(plural, (m, suffix: string, at: number) => (twoLetters.test(s.slice(Math.max(0, at - 2), at)) ? ZWNJ + suffix : m));
      return s.replace(enclitic, (m, last: string, suffix: string, at: number) => (twoLetters.test(s.slice(Math.max(0, at - 2), at)) ? last + ZWNJ + suffix : m));
    });
  }
  if (o.punctuation) {
    const marks: Record<string, string> = { ',': '،', ';': '؛', '?': '؟' };
    const arabicBefore = new RegExp(`${AL}\\p{M}*$`, 'u');
    const quoted = new RegExp(`["“]([^"“”\\n]*${AL}[^"“”\\n]*)["”]`, 'gu');
    steps.push((s) =>
      s
        .replace(/ *([,;?])/g, (m, mark: string, at: number) => (arabicBefore.test(s.slice(Math.max(0, at - 4), at)) ? marks[mark]! : m))
        .replace(quoted, (_, inner: string) => `«${inner.trim()}»`),
    );
  }
  if (o.spacing) {
    const afterPersian = new RegExp(`([.!:])(?=${AL})`, 'gu');
    steps.push((s) => {
      s = s.replace(/ +(?=[،؛؟»)\]])/g, (m, at: number) => (at === 0 || s[at - 1] === '\n' ? m : ''));
      s = s.replace(/ +(?=[.!:](?:\s|$))/g, (m, at: number) => (isLetterMarkOrDigit(s[at - 1]) ? '' : m));
      s = s.replace(/([،؛؟»])(?=[\p{L}\p{N}«(])/gu, '$1 ').replace(afterPersian, '$1 ').replace(/([«(]) +/g, '$1');
      return s.replace(/[«(]/g, (m, at: number) => (isLetterMarkOrDigit(s[at - 1]) || /[،؛؟.!:]/.test(s[at - 1] ?? '') ? ' ' + m : m));
    });
  }
  if (o.whitespace) steps.push((s) => s.trim());
  return (text) => {
    let out = text;
    for (const step of steps) out = step(out);
    return out;
  };
}

/** Normalise one text (builds the normaliser each call: use createNormalizer for many texts). */
export function normalizePersian(text: string, options: NormalizeOptions = {}): string {
  return createNormalizer(options)(text);
}

/** Normalise a stream of texts. */
export async function* normalizeStream(texts: AsyncIterable<string> | Iterable<string>, options: NormalizeOptions = {}): AsyncGenerator<string> {
  const normalize = createNormalizer(options);
  for await (const text of texts) yield normalize(text);
}
