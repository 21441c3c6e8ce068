// Finds multiple-choice options embedded in an item's input: `(A) …`, `a) …`, `Option A: …`, `A. …` lines, `الف) …`.

export interface ChoiceOption {
  /** The bare key the option is marked with: `A`, `a`, `الف`. */
  key: string;
  /** The option's text, trimmed (may be empty when the record leaves it blank). */
  text: string;
}

export type OptionStyle = 'paren' | 'close-paren' | 'option-word' | 'line' | 'persian';

export interface FoundOptions {
  style: OptionStyle;
  /** Text before the first option marker, with a trailing `<sep>` removed. */
  question: string;
  options: ChoiceOption[];
  /** Keys left out between the options (`C` for `(A) (B) (D)`). */
  missing: string[];
}

const LATIN_UPPER = [...'ABCDEFGHIJ'];
const LATIN_LOWER = [...'abcdefghij'];
/** Persian alphabetical option markers (abjad order as used in Iranian tests). */
export const PERSIAN_KEYS = ['الف', 'ب', 'ج', 'د', 'ه', 'و'];

interface Marker {
  key: string;
  start: number;
  end: number;
}

interface Style {
  style: OptionStyle;
  pattern: RegExp;
  sequences: string[][];
}

// Each marker must start the text or follow whitespace or `<sep>`, so `(ع)` or `f(x)` inside text is no marker.
const STYLES: Style[] = [
  { style: 'option-word', pattern: /(?<=^|\s|>)Option\s+([A-J])\s*[:.)]/g, sequences: [LATIN_UPPER] },
  { style: 'paren', pattern: /(?<=^|\s|>)\(([A-Ja-j])\)/g, sequences: [LATIN_UPPER, LATIN_LOWER] },
  { style: 'close-paren', pattern: /(?<=^|\s|>)([A-Ja-j])\)/g, sequences: [LATIN_UPPER, LATIN_LOWER] },
  { style: 'line', pattern: /(?<=^|\n)[ \t]*([A-Ja-j])[.:][ \t]/g, sequences: [LATIN_UPPER, LATIN_LOWER] },
  { style: 'persian', pattern: /(?<=^|\s|>)(الف|ب|ج|د|ه|و)\s*[)\-–]/g, sequences: [PERSIAN_KEYS] },
];

/**
 * The longest chain of markers whose keys run through `sequence` in order from its first element, each key the next
 * one or the one after it (a record may leave a letter out: `(A) (B) (D)`).
 */
function chain(markers: Marker[], sequence: string[]): Marker[] {
  let best: Marker[] = [];
  markers.forEach((m, i) => {
    if (m.key !== sequence[0]) return;
    const out = [m];
    let at = 0;
    for (let j = i + 1; j < markers.length; j++) {
      const next = sequence.indexOf(markers[j]!.key, at + 1);
      if (next === at + 1 || next === at + 2) {
        out.push(markers[j]!);
        at = next;
      }
    }
    if (out.length > best.length) best = out;
  });
  return best;
}

/** Keys of `sequence` a chain skipped (`C` for `A, B, D`). */
function skipped(found: Marker[], sequence: string[]): string[] {
  const last = sequence.indexOf(found[found.length - 1]!.key);
  return sequence.slice(0, last + 1).filter((k) => !found.some((m) => m.key === k));
}

/**
 * Options in `input`: the first style (in the order above) that yields a chain of at least two keys from the first
 * key (`A, B, …`, `a, b, …`, `الف, ب, …`), a single letter at a time left out at most (`A, B, D`). When the input has `<sep>`, options are looked for after
 * the last one. Returns null when no style finds two options.
 */
export function findOptions(input: string): FoundOptions | null {
  const sep = input.lastIndexOf('<sep>');
  const offset = sep >= 0 ? sep + '<sep>'.length : 0;
  const region = input.slice(offset);
  for (const { style, pattern, sequences } of STYLES) {
    const markers: Marker[] = [...region.matchAll(pattern)].map((m) => ({ key: m[1]!, start: m.index, end: m.index + m[0].length }));
    for (const sequence of sequences) {
      const found = chain(markers, sequence);
      if (found.length < 2) continue;
      const options = found.map((m, i) => ({ key: m.key, text: region.slice(m.end, found[i + 1]?.start ?? region.length).trim() }));
      const question = (input.slice(0, offset + found[0]!.start)).replace(/<sep>\s*$/, '').trim();
      return { style, question, options, missing: skipped(found, sequence) };
    }
  }
  return null;
}
