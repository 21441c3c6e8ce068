// Script measurements shared by cleaning and analytics: how much of a text's lettering is Arabic script.

/** True when the code point is a letter in one of the Arabic-script blocks (Persian, Arabic, Urdu, ... letters). */
export function isArabicScriptLetter(cp: number): boolean {
  return (
    (cp >= 0x0620 && cp <= 0x064a) ||
    (cp >= 0x066e && cp <= 0x066f) ||
    (cp >= 0x0671 && cp <= 0x06d3) ||
    cp === 0x06d5 ||
    (cp >= 0x06ee && cp <= 0x06ef) ||
    (cp >= 0x06fa && cp <= 0x06fc) ||
    cp === 0x06ff ||
    (cp >= 0x0750 && cp <= 0x077f) ||
    (cp >= 0x08a0 && cp <= 0x08c9) ||
    (cp >= 0xfb50 && cp <= 0xfdfb) ||
    (cp >= 0xfe70 && cp <= 0xfefc)
  );
}

const LETTER = /\p{L}/u;

export interface ScriptCounts {
  /** All letters (Unicode category L). */
  letters: number;
  /** Letters in the Arabic-script blocks. */
  arabicLetters: number;
}

export function countScript(text: string): ScriptCounts {
  let letters = 0;
  let arabicLetters = 0;
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (isArabicScriptLetter(cp)) {
      letters++;
      arabicLetters++;
    } else if (cp >= 0x41 && (cp <= 0x5a || (cp >= 0x61 && cp <= 0x7a) || (cp > 0x7f && LETTER.test(ch)))) {
      letters++;
    }
  }
  return { letters, arabicLetters };
}

/** Arabic-script letters over all letters; 0 for a text without letters. */
export function arabicScriptRatio(text: string): number {
  const { letters, arabicLetters } = countScript(text);
  return letters === 0 ? 0 : arabicLetters / letters;
}
