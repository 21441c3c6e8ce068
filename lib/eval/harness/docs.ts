// One dataset document through an imported task's templates: prompt text, target text, choices and gold, as lm-eval does.
import { PersianLoraError, describeValue } from '../../errors.js';
import type { EvalRecord } from '../answers/parse.js';
import { evaluateJinja, renderJinja } from './jinja.js';
import type { HarnessTemplates } from './schema.js';

/** A document rendered: `input` is the prompt text, `output` the target text; multiple choice adds choices and gold. */
export interface HarnessDoc {
  record: EvalRecord;
  choices?: string[];
  gold?: number;
}

type Doc = Readonly<Record<string, unknown>>;

function fail(where: string, key: string, message: string): never {
  throw new PersianLoraError('ERR_DATA', `${key} of ${where}: ${message}`);
}

function apply(source: string, doc: Doc, where: string, key: string): string {
  try {
    return renderJinja(source, doc);
  } catch (error) {
    return fail(where, key, `the template ${JSON.stringify(source)} failed: ${(error as Error).message}`);
  }
}

/** lm-eval's rule: a template that names a field of the document is that field; anything else is rendered. */
function fieldOrRender(source: string, doc: Doc, where: string, key: string): unknown {
  return Object.hasOwn(doc, source) ? doc[source] : apply(source, doc, where, key);
}

function asText(value: unknown, where: string, key: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return fail(where, key, `expected text but received ${describeValue(value)}`);
}

/** A Python or JSON list literal of strings (`['a', 'b']`, what Jinja2 prints for a list). */
function parseListLiteral(text: string): string[] | undefined {
  const items: string[] = [];
  const re = /\s*(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")\s*(,|\])/gy;
  const body = text.trim();
  if (!body.startsWith('[')) return undefined;
  if (/^\[\s*\]$/.test(body)) return [];
  re.lastIndex = 1;
  for (;;) {
    const m = re.exec(body);
    if (!m) return undefined;
    const raw = m[1] ?? m[2]!;
    items.push(raw.replace(/\\(.)/g, (_, c: string) => ({ n: '\n', t: '\t' })[c] ?? c));
    if (m[3] === ']') return re.lastIndex === body.length ? items : undefined;
  }
}

function choicesOf(t: HarnessTemplates, doc: Doc, where: string): string[] | undefined {
  const spec = t.docToChoice;
  if (spec === undefined) return undefined;
  let value: unknown;
  if (Array.isArray(spec)) value = spec.map((c) => apply(c, doc, where, 'doc_to_choice'));
  else if (typeof spec === 'object') value = Object.values(spec);
  else if (Object.hasOwn(doc, spec)) value = doc[spec];
  else {
    try {
      value = evaluateJinja(spec, doc);
    } catch (error) {
      fail(where, 'doc_to_choice', `the template ${JSON.stringify(spec)} failed: ${(error as Error).message}`);
    }
    value ??= parseListLiteral(apply(spec, doc, where, 'doc_to_choice'));
  }
  if (!Array.isArray(value) || value.length === 0) fail(where, 'doc_to_choice', `expected a non-empty list of choices but received ${describeValue(value)}`);
  return value.map((c) => asText(c, where, 'doc_to_choice'));
}

/** The target as lm-eval reads it: an index into the choices when it is a whole number and there are choices. */
function targetOf(t: HarnessTemplates, doc: Doc, choices: string[] | undefined, where: string): { text: string; gold?: number } {
  const raw = typeof t.docToTarget === 'number' ? t.docToTarget : fieldOrRender(t.docToTarget, doc, where, 'doc_to_target');
  const index = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\d+$/.test(raw) && choices ? Number(raw) : undefined;
  if (typeof raw === 'string' && /^\[.*\]$/s.test(raw.trim())) fail(where, 'doc_to_target', `several targets (${raw}) are not supported`);
  if (choices === undefined) return { text: asText(raw, where, 'doc_to_target') };
  if (index !== undefined) {
    if (!Number.isInteger(index) || index < 0 || index >= choices.length) fail(where, 'doc_to_target', `index ${index} is outside the ${choices.length} choices`);
    return { text: choices[index]!, gold: index };
  }
  const text = asText(raw, where, 'doc_to_target');
  const at = choices.indexOf(text);
  if (at < 0) fail(where, 'doc_to_target', `${JSON.stringify(text)} is none of the choices ${JSON.stringify(choices)}`);
  return { text, gold: at };
}

/**
 * Render `doc`: `input` = doc_to_text, `instruction` = the description, `output` = the target text (the gold choice's
 * text for multiple choice, the continuation scored for loglikelihood, the text itself for loglikelihood_rolling).
 */
export function renderDoc(t: HarnessTemplates, doc: Doc, where: string): HarnessDoc {
  const description = t.description === '' ? '' : apply(t.description, doc, where, 'description');
  const input = t.outputType === 'loglikelihood_rolling' ? '' : asText(fieldOrRender(t.docToText, doc, where, 'doc_to_text'), where, 'doc_to_text');
  const choices = choicesOf(t, doc, where);
  const target = targetOf(t, doc, choices, where);
  const record = { instruction: description, input, output: target.text };
  if (t.outputType !== 'multiple_choice') return { record };
  if (!choices) return fail(where, 'doc_to_choice', 'a multiple_choice task needs doc_to_choice');
  return { record, choices, gold: target.gold! };
}
