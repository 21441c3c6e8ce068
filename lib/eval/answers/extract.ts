// Extracts a label from generated text: task regexes, whole answer, answer cues, leading label, option text, first mention.
import { normalizeText } from './normalize.js';
import type { ParsedItem } from './parse.js';
import { PERSIAN_KEYS } from './options.js';

export interface ExtractSettings {
  /** Regexes (`u` and `i` flags added) whose first capture group names the answer; tried first, in order. */
  patterns?: readonly string[];
  /** Extra spellings of labels: alias → label (e.g. `مثبت` → `0`); matched like the labels themselves. */
  aliases?: Readonly<Record<string, string>>;
  /** `firstLine` looks only at the first non-empty line of the output. */
  scope?: 'full' | 'firstLine';
}

export type ExtractMethod = 'pattern' | 'whole' | 'cue' | 'leading' | 'option-text' | 'first-mention';

export interface Extraction {
  label: string | null;
  method: ExtractMethod | null;
}

const B = String.raw`(?<![\p{L}\p{M}\p{N}])`;
const E = String.raw`(?![\p{L}\p{M}\p{N}])`;
/** Words that introduce an answer, in English and Persian (after normalisation). */
const CUE = String.raw`(?:answer|option|choice|label|sentiment|گزینه|پاسخ|جواب|عدد)\s*(?:is|would be|:|=|-|است)?\s*[:\-]?\s*`;

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** normalised spelling → label, for every way an item's labels may be written. */
function spellings(item: ParsedItem, aliases: Readonly<Record<string, string>>): Map<string, string> {
  const map = new Map<string, string>();
  const add = (form: string, label: string) => {
    const key = normalizeText(form);
    if (key.length > 0 && !map.has(key)) map.set(key, label);
  };
  for (const label of item.labels) add(label, label);
  for (const o of item.options ?? []) {
    add(o.key, o.label);
    add(`option ${o.key}`, o.label);
    const latin = 'abcdef'.indexOf(o.key.toLowerCase());
    if (latin >= 0) add(PERSIAN_KEYS[latin]!, o.label);
  }
  for (const [alias, target] of Object.entries(aliases)) {
    const label = item.labels.find((l) => normalizeText(l) === normalizeText(target));
    if (label) add(alias, label);
  }
  return map;
}

/** Does this spelling stand alone safely (not a single letter that is also an ordinary word)? */
function mentionable(form: string): boolean {
  return Array.from(form).length > 1 || /\d/.test(form);
}

function firstHit(text: string, forms: Iterable<string>, wrap: (f: string) => string): { form: string; at: number } | null {
  let best: { form: string; at: number } | null = null;
  for (const form of forms) {
    const m = new RegExp(wrap(escape(form)), 'u').exec(text);
    if (m && (!best || m.index < best.at || (m.index === best.at && form.length > best.form.length))) best = { form, at: m.index };
  }
  return best;
}

/**
 * The label an output names, or null. Text and labels are compared after `normalizeText` (case, Persian/Arabic
 * letter forms and digits, ZWNJ). In order: the task's `patterns`; the whole output being one spelling of a label
 * (ignoring surrounding brackets, quotes and punctuation); a cue (`answer is C`, `گزینه ج`, `Option C`); a label at
 * the very start (`C) …`, `Positive.`); for multiple choice, the option whose text appears first; the first label
 * mentioned anywhere (single-letter keys excluded, they are ordinary words).
 */
export function extractAnswer(output: string, item: ParsedItem, settings: ExtractSettings = {}): Extraction {
  let text = normalizeText(output);
  if (settings.scope === 'firstLine') text = normalizeText(output.split('\n').find((l) => l.trim().length > 0) ?? '');
  const forms = spellings(item, settings.aliases ?? {});
  const lookup = (s: string | undefined) => (s === undefined ? undefined : forms.get(normalizeText(s).replace(/^[\s(["'«*]+|[\s)\]"'»*.:,;!?]+$/gu, '')));
  const hit = (method: ExtractMethod, label: string | undefined): Extraction | null => (label === undefined ? null : { label, method });

  for (const pattern of settings.patterns ?? []) {
    const m = new RegExp(pattern, 'iu').exec(text);
    const found = hit('pattern', lookup(m?.[1]));
    if (found) return found;
  }
  const whole = hit('whole', lookup(text));
  if (whole) return whole;

  const allForms = [...forms.keys()];
  const cue = firstHit(text, allForms, (f) => `${B}${CUE}[(\\["'«*]*${f}${E}`);
  if (cue) return { label: forms.get(cue.form)!, method: 'cue' };
  const leading = firstHit(text, allForms, (f) => `^[\\s(\\["'«*]*${f}${E}`);
  if (leading) return { label: forms.get(leading.form)!, method: 'leading' };
  const parenthesised = firstHit(text, allForms, (f) => `\\(${f}\\)`);
  if (parenthesised) return { label: forms.get(parenthesised.form)!, method: 'cue' };

  if (item.options) {
    const texts = new Map<string, string>();
    for (const o of item.options) {
      const t = normalizeText(o.text);
      if (mentionable(t) && !item.options.some((p) => p !== o && normalizeText(p.text) === t)) texts.set(t, o.label);
    }
    const optionHit = firstHit(text, texts.keys(), (f) => `${B}${f}${E}`);
    if (optionHit) return { label: texts.get(optionHit.form)!, method: 'option-text' };
  }

  const mention = firstHit(text, allForms.filter(mentionable), (f) => `${B}${f}${E}`);
  if (mention) return { label: forms.get(mention.form)!, method: 'first-mention' };
  return { label: null, method: null };
}
