// Prompt text (Alpaca, custom) or chat messages for one record with its few-shot examples, and the scored continuations.
import { PersianLoraError } from '../../errors.js';
import type { ParsedItem } from '../answers/parse.js';
import type { LoadedRecord } from './load.js';
import type { Task } from './schema.js';

/** The study's Alpaca template, used when the record has an input. */
export const ALPACA_TEMPLATE =
  'Below is an instruction that describes a task, paired with an input that provides further context. Write a response that appropriately completes the request.\n\n### Instruction:\n{instruction}\n\n### Input:\n{input}\n\n### Response:\n';
/** The Alpaca template's no-input variant. */
export const ALPACA_TEMPLATE_NO_INPUT =
  'Below is an instruction that describes a task. Write a response that appropriately completes the request.\n\n### Instruction:\n{instruction}\n\n### Response:\n';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** Plain text for a completion model, or messages the runner renders with the model's chat template. */
export type Prompt = { kind: 'text'; text: string } | { kind: 'chat'; messages: ChatMessage[] };

/** Replace `{name}` placeholders from `values`; `{{` and `}}` are literal braces. An unknown name is an error. */
export function renderTemplate(template: string, values: Readonly<Record<string, unknown>>, where: string): string {
  return template.replace(/\{\{|\}\}|\{([^{}]*)\}/g, (whole, name: string | undefined) => {
    if (whole === '{{') return '{';
    if (whole === '}}') return '}';
    const value = values[name!];
    if (value === undefined || value === null) {
      throw new PersianLoraError('ERR_INVALID_OPTION', `Template placeholder {${name}} in ${where} names no field of the record (fields: ${Object.keys(values).join(', ')})`);
    }
    return typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' ? String(value) : JSON.stringify(value);
  });
}

function fieldsOf(r: LoadedRecord): Record<string, unknown> {
  return { ...r.raw, ...r.record };
}

function alpaca(r: LoadedRecord): string {
  return renderTemplate(r.record.input.trim().length > 0 ? ALPACA_TEMPLATE : ALPACA_TEMPLATE_NO_INPUT, { ...r.record }, 'the Alpaca template');
}

/**
 * The prompt for `record` after `shots` (few-shot examples, each shown with its answer). Alpaca: each example is a
 * full Alpaca block followed by its output, blocks joined by a blank line. Custom: `prefix` once, then `text` per
 * record, `answer` after each example, joined by `separator`. Chat: a user/assistant message pair per example, then the user message.
 */
export function buildPrompt(task: Task, record: LoadedRecord, shots: readonly LoadedRecord[] = []): Prompt {
  const p = task.prompt;
  const where = `the prompt of task ${task.name}`;
  if (p.template === 'chat') {
    const user = (r: LoadedRecord) => renderTemplate(p.user, fieldsOf(r), where).trim();
    const messages: ChatMessage[] = p.system === undefined ? [] : [{ role: 'system', content: p.system }];
    for (const s of shots) messages.push({ role: 'user', content: user(s) }, { role: 'assistant', content: s.record.output });
    messages.push({ role: 'user', content: user(record) });
    return { kind: 'chat', messages };
  }
  if (p.template === 'custom') {
    const examples = shots.map((s) => renderTemplate(p.text, fieldsOf(s), where) + renderTemplate(p.answer, fieldsOf(s), `the answer template of task ${task.name}`));
    const prefix = renderTemplate(p.prefix, fieldsOf(record), `the prefix of task ${task.name}`);
    return { kind: 'text', text: prefix + [...examples, renderTemplate(p.text, fieldsOf(record), where)].join(p.separator) };
  }
  return { kind: 'text', text: [...shots.map((s) => alpaca(s) + s.record.output), alpaca(record)].join('\n\n') };
}

/**
 * What goes before a scored continuation: the task's `loglikelihood.delimiter`, or by default none after a prompt
 * ending in whitespace (the Alpaca `### Response:\n`) or a chat prompt, else one space (lm-evaluation-harness's
 * `target_delimiter`).
 */
function continuationDelimiter(task: Task, prompt: Prompt): string {
  return task.loglikelihood.delimiter ?? (prompt.kind === 'chat' || /\s$/u.test(prompt.text) ? '' : ' ');
}

/**
 * The strings scored after the prompt in log-likelihood mode, one per label of the item, in label order. With
 * `continuation: label` the label as the record writes it (`A`, `c`, `Option C`, `0`, `Positive`); with `option`,
 * the option's text where the item has options; each after the delimiter. `acc_norm` divides by these strings'
 * lengths, delimiter included.
 */
export function continuations(task: Task, item: ParsedItem, prompt: Prompt): string[] {
  const delimiter = continuationDelimiter(task, prompt);
  return item.labels.map((label) => {
    const option = item.options?.find((o) => o.label === label);
    return delimiter + (task.loglikelihood.continuation === 'option' && option ? option.text : label);
  });
}

/** The one string a continuation task scores after the prompt: the record's output after the delimiter. */
export function targetContinuation(task: Task, record: LoadedRecord, prompt: Prompt): string {
  return continuationDelimiter(task, prompt) + record.record.output;
}
