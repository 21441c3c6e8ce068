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

/** The longest chain of markers whose keys run through `sequence` in order from its first element. */
function chain(markers: Marker[], sequence: string[]): Marker[] {
  let best: Marker[] = [];
  markers.forEach((m, i) => {
    if (m.key !== sequence[0]) return;
    const out = [m];
    for (let j = i + 1; j < markers.length && out.length < sequence.length; j++) {
      if (markers[j]!.key === sequence[out.length]) out.push(markers[j]!);
    }
    if (out.length > best.length) best = out;
  });
  return best;
}

/**
 * Options in `input`: the first style (in the order above) that yields a chain of at least two consecutive keys
 * from the first key (`A, B, …`, `a, b, …`, `الف, ب, …`). When the input has `<sep>`, options are looked for after
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
      return { style, question, options };
    }
  }
  return null;
}
