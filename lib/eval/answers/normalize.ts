// Text normalisation for matching answers: Unicode NFKC, Persian/Arabic letter forms and digits, case, spacing.

const LETTERS: Record<string, string> = {
  '\u064A': '\u06CC', // Arabic yeh ي → Persian yeh ی
  '\u0649': '\u06CC', // alef maksura ى → ی
  '\u0643': '\u06A9', // Arabic kaf ك → Persian keheh ک
  '\u0629': '\u0647', // teh marbuta ة → heh ه
  '\u06C0': '\u0647', // heh with yeh above ۀ → ه
  '\u0623': '\u0627', // alef with hamza above أ → ا
  '\u0625': '\u0627', // alef with hamza below إ → ا
  '\u0671': '\u0627', // alef wasla ٱ → ا
  '\u0624': '\u0648', // waw with hamza ؤ → و
  '\u060C': ',', // Arabic comma ، → ,
  '\u061B': ';', // Arabic semicolon ؛ → ;
  '\u061F': '?', // Arabic question mark ؟ → ?
  '\u066A': '%', // Arabic percent ٪ → %
};

/** Arabic diacritics (harakat, shadda, sukun, superscript alef) and tatweel, removed for matching. */
const MARKS = /[\u064B-\u065F\u0670\u0640]/g;

/** Persian (U+06F0–06F9) and Arabic-Indic (U+0660–0669) digits → ASCII digits; decimal/thousands marks → `.`/`,`. */
export function normalizeDigits(text: string): string {
  return text.replace(/[\u06F0-\u06F9\u0660-\u0669\u066B\u066C]/g, (c) => {
    const code = c.charCodeAt(0);
    if (code === 0x066b) return '.';
    if (code === 0x066c) return ',';
    return String(code >= 0x06f0 ? code - 0x06f0 : code - 0x0660);
  });
}

/** Arabic letter forms → their Persian forms, diacritics and tatweel removed. */
export function normalizeLetters(text: string): string {
  return text.replace(/[\u064A\u0649\u0643\u0629\u06C0\u0623\u0625\u0671\u0624\u060C\u061B\u061F\u066A]/g, (c) => LETTERS[c]!).replace(MARKS, '');
}

/**
 * The normal form answers and labels are compared in: NFKC (folds Arabic presentation forms and full-width
 * characters), letter forms and digits as above, ZWNJ and every whitespace run → one space, lowercase, trimmed.
 */
export function normalizeText(text: string): string {
  return normalizeDigits(normalizeLetters(text.normalize('NFKC')))
    .replace(/[\u200C\u200D\u200E\u200F\u00A0\s]+/g, ' ')
    .toLowerCase()
    .trim();
}
