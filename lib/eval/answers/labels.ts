// Infers a classification item's label set from its instruction: quoted lists, numbered cues, word enumerations.
import { normalizeDigits, normalizeText } from './normalize.js';

export type LabelSource = 'quoted' | 'numbered' | 'enumeration';

export interface FoundLabels {
  source: LabelSource;
  labels: string[];
}

const QUOTED = String.raw`(?:"[^"\n]{1,40}"|'[^'\n]{1,40}'|«[^»\n]{1,40}»|“[^”\n]{1,40}”)`;
const WORD = String.raw`\p{L}[\p{L}\p{M}-]*(?:\s*\([^()\n]{0,40}\))?`;
const SEP = String.raw`(?:\s*[,،/]\s*(?:(?:or|and|یا|و)\s+)?|\s+(?:or|and|یا|و)\s+)`;
const QUOTED_LIST = new RegExp(`${QUOTED}(?:${SEP}${QUOTED})+`, 'gu');
const WORD_LIST = new RegExp(`${WORD}(?:${SEP}${WORD})+`, 'gu');
const QUOTED_ITEM = /"([^"\n]+)"|'([^'\n]+)'|«([^»\n]+)»|“([^”\n]+)”/gu;
const WORD_ITEM = new RegExp(String.raw`(\p{L}[\p{L}\p{M}-]*)(?:\s*\([^()\n]{0,40}\))?`, 'gu');
const SEPARATOR_WORDS = new Set(['or', 'and', 'یا', 'و']);
/** A number announced as an answer: `عدد 0`, `رقم 1`, `number 2`, `label 1`, `answer 0`, `output 1`, `class 2`. */
const NUMBER_CUE = /(?:عدد|رقم|number|digit|label|answer|output|class)\s*[:=]?\s*(\d+)/giu;

function listsOf(text: string, list: RegExp, item: RegExp, dropSeparators: boolean): string[][] {
  return [...text.matchAll(list)].map((m) =>
    [...m[0].matchAll(item)].map((i) => (i.slice(1).find((g) => g !== undefined) ?? '').trim())
      .filter((w) => w.length > 0 && !(dropSeparators && SEPARATOR_WORDS.has(w.toLowerCase()))));
}

function containing(lists: string[][], gold: string): string[] | undefined {
  const g = normalizeText(gold);
  const hits = lists.filter((l) => l.length >= 2 && l.some((x) => normalizeText(x) === g));
  // Longest list wins; the first on ties.
  return hits.reduce<string[] | undefined>((best, l) => (!best || l.length > best.length ? l : best), undefined);
}

function unique(xs: string[]): string[] {
  return [...new Set(xs)];
}

/**
 * The label set announced in `instruction` that contains `gold` (compared after `normalizeText`), looked for in
 * this order: lists of quoted items (`"Contradiction", "Neutral", or "Entailment"`), numbers after a cue word
 * (`عدد 0 … عدد 1`), then enumerations of words (`Positive, Neutral and Negative`, `positive (happy) or negative
 * (offmychest)`); within one kind the longest list holding the gold wins. Labels keep their written form.
 * Returns null when no list holds the gold.
 */
export function findLabels(instruction: string, gold: string): FoundLabels | null {
  const quoted = containing(listsOf(instruction, QUOTED_LIST, QUOTED_ITEM, false).map(unique), gold);
  if (quoted) return { source: 'quoted', labels: quoted };
  const numbers = unique([...normalizeDigits(instruction).matchAll(NUMBER_CUE)].map((m) => String(Number(m[1]))));
  const goldDigits = normalizeDigits(gold.trim());
  const numbered = /^\d+$/.test(goldDigits) ? containing([numbers], String(Number(goldDigits))) : undefined;
  if (numbered) return { source: 'numbered', labels: numbered };
  const words = containing(listsOf(instruction, WORD_LIST, WORD_ITEM, true).map(unique), gold);
  if (words) return { source: 'enumeration', labels: words };
  return null;
}
