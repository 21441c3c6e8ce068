// Reads one classification record into its label set, options and gold label, or a failure with the reason.
import { findLabels, type LabelSource } from './labels.js';
import { normalizeText } from './normalize.js';
import { findOptions, type OptionStyle } from './options.js';

/** A record after field mapping: the three Alpaca fields as strings. */
export interface EvalRecord {
  instruction: string;
  input: string;
  output: string;
}

export interface LabeledOption {
  /** The label as the gold writes it: `A`, `c`, `Option C`. */
  label: string;
  /** The marker key: `A`, `c`, `C`. */
  key: string;
  text: string;
}

export interface ParsedItem {
  ok: true;
  index: number;
  /** Every answer the item admits, in order; `gold` is one of them. */
  labels: string[];
  gold: string;
  /** For multiple choice: one entry per label, same order. */
  options?: LabeledOption[];
  /** Where the labels came from. */
  source: OptionStyle | LabelSource | 'task';
  /** The question part of `input` when options were split off it. */
  question?: string;
  /** Things worth knowing that did not stop the parse (e.g. blank options dropped). */
  notes: string[];
}

export interface ParseFailure {
  ok: false;
  index: number;
  reason: string;
}

export type ParseResult = ParsedItem | ParseFailure;

const OPTION_GOLD = /^\s*(?:option|گزینه)\s*\(?\s*([A-Za-z]|الف|ب|ج|د|ه|و)\s*\)?\s*$/iu;
const BARE_GOLD = /^\s*\(?\s*([A-Za-z]|الف|ب|ج|د|ه|و)\s*[).]?\s*$/u;

function parseChoice(index: number, record: EvalRecord): ParseResult | null {
  const found = findOptions(record.input);
  if (!found) return null;
  const wordGold = OPTION_GOLD.exec(record.output);
  const bareGold = wordGold ?? BARE_GOLD.exec(record.output);
  if (!bareGold) {
    return { ok: false, index, reason: `gold ${JSON.stringify(record.output)} is not an option key, but the input has ${found.options.length} options marked ${found.style}` };
  }
  const goldKey = bareGold[1]!;
  const notes: string[] = found.missing.length > 0 ? [`no option ${found.missing.join(', ')} between the others`] : [];
  const kept = found.options.filter((o) => {
    if (o.text.length > 0) return true;
    notes.push(`option ${o.key} is blank and was dropped`);
    return false;
  });
  const texts = kept.map((o) => normalizeText(o.text));
  const duplicates = kept.filter((_, i) => texts.indexOf(texts[i]!) !== i).map((o) => o.key);
  if (duplicates.length > 0) notes.push(`options ${duplicates.join(', ')} repeat an earlier option's text`);
  const goldOption = kept.find((o) => o.key === goldKey) ?? kept.find((o) => o.key.toLowerCase() === goldKey.toLowerCase());
  if (!goldOption) {
    const blank = found.options.some((o) => o.key.toLowerCase() === goldKey.toLowerCase());
    return { ok: false, index, reason: blank ? `gold option ${goldKey} is blank` : `gold ${JSON.stringify(record.output)} names no option (keys ${found.options.map((o) => o.key).join(', ')})` };
  }
  const labelOf = (key: string) => (wordGold ? `Option ${key}` : key);
  const options = kept.map((o) => ({ label: labelOf(o.key), key: o.key, text: o.text }));
  return { ok: true, index, labels: options.map((o) => o.label), gold: labelOf(goldOption.key), options, source: found.style, question: found.question, notes };
}

/**
 * Parse a classification record. Options embedded in `input` come first (see `findOptions`); otherwise the label
 * set is read from the instruction (see `findLabels`). `fixedLabels` (from the task file) replaces inference of
 * the label set for items without options. Never guesses: anything it cannot pin down is a failure with a reason.
 */
export function parseItem(index: number, record: EvalRecord, fixedLabels?: readonly string[]): ParseResult {
  if (record.output.trim().length === 0) return { ok: false, index, reason: 'the gold output is empty' };
  const choice = parseChoice(index, record);
  if (choice) return choice;
  const gold = normalizeText(record.output);
  if (fixedLabels && fixedLabels.length > 0) {
    const label = fixedLabels.find((l) => normalizeText(l) === gold);
    if (!label) return { ok: false, index, reason: `gold ${JSON.stringify(record.output)} is not one of the task's labels ${JSON.stringify(fixedLabels)}` };
    return { ok: true, index, labels: [...fixedLabels], gold: label, source: 'task', notes: [] };
  }
  const found = findLabels(record.instruction, record.output);
  if (!found) {
    return { ok: false, index, reason: `no options in the input and no label list holding the gold ${JSON.stringify(record.output)} in the instruction` };
  }
  const label = found.labels.find((l) => normalizeText(l) === gold)!;
  return { ok: true, index, labels: found.labels, gold: label, source: found.source, notes: [] };
}

/** An item whose choices are given (an imported multiple-choice task): labels are the indices `0`, `1`, …. */
export function choiceItem(index: number, choices: readonly string[], gold: number): ParsedItem {
  const options = choices.map((text, i) => ({ label: String(i), key: String(i), text }));
  return { ok: true, index, labels: options.map((o) => o.label), gold: String(gold), options, source: 'task', notes: [] };
}

/** Parse every record; returns items and failures in record order. */
export function parseItems(records: readonly EvalRecord[], fixedLabels?: readonly string[]): { items: ParsedItem[]; failures: ParseFailure[] } {
  const items: ParsedItem[] = [];
  const failures: ParseFailure[] = [];
  records.forEach((r, i) => {
    const result = parseItem(i, r, fixedLabels);
    if (result.ok) items.push(result);
    else failures.push(result);
  });
  return { items, failures };
}
