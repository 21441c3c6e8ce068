// Instruction data with a response-only loss mask: Alpaca records (the study's template), the study's test-set records, prompt/response pairs.
import { z } from 'zod';
import { parseOptions } from '../../config/validate.js';
import { PersianLoraError, describeValue } from '../../errors.js';
import type { Tokenizer, TrainingExample } from '../tokenizer.js';
import { exampleOptionsSchema, fitExample, newFormatStats, recordExamples, tokenizeSegments, type FormatStats, type Segment } from './examples.js';

/** An Alpaca record; the study's test-set records have this shape too, with `output` sometimes a number. */
export interface InstructionRecord {
  instruction: string;
  input?: string;
  output: string | number | boolean;
}

export const ALPACA_PROMPT =
  'Below is an instruction that describes a task, paired with an input that provides further context. Write a response that appropriately completes the request.\n\n### Instruction:\n{instruction}\n\n### Input:\n{input}\n\n### Response:\n';
export const ALPACA_PROMPT_NO_INPUT =
  'Below is an instruction that describes a task. Write a response that appropriately completes the request.\n\n### Instruction:\n{instruction}\n\n### Response:\n';

/** The study's prompt for a record (the no-input variant when `input` is missing or blank). */
export function renderAlpacaPrompt(record: { instruction: string; input?: string }): string {
  const template = record.input === undefined || record.input.trim() === '' ? ALPACA_PROMPT_NO_INPUT : ALPACA_PROMPT;
  // one replace per placeholder, through a function so `$` in the data is not a replacement pattern
  return template.replace('{instruction}', () => record.instruction).replace('{input}', () => record.input ?? '');
}

export const instructionOptionsSchema = exampleOptionsSchema.extend({
  /** Follow the response with EOS (weight 1) so the model learns to stop. */
  appendEos: z.boolean().default(true),
  /** Malformed records: `throw`, or `skip` and count them in stats.skipped. */
  onError: z.enum(['throw', 'skip']).default('throw'),
});
export type InstructionOptions = z.input<typeof instructionOptionsSchema>;

function text(record: Record<string, unknown>, field: string, where: string, optional = false): string | undefined {
  const value = record[field];
  if (value === undefined && optional) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new PersianLoraError('ERR_DATA', `${where}: expected a string for field "${field}" but received ${describeValue(value)}`);
}

/** Prompt and response text of an Alpaca / test-set record, or of a `{prompt, response}` record. */
function promptAndResponse(record: Record<string, unknown>, where: string): [string, string] {
  if (record === null || typeof record !== 'object' || Array.isArray(record)) {
    throw new PersianLoraError('ERR_DATA', `${where}: expected an object but received ${describeValue(record)}`);
  }
  if ('prompt' in record && !('instruction' in record)) {
    return [text(record, 'prompt', where)!, text(record, 'response', where)!];
  }
  const instruction = text(record, 'instruction', where)!;
  const input = text(record, 'input', where, true);
  return [renderAlpacaPrompt({ instruction, input }), text(record, 'output', where)!];
}

/** The prompt (not trained on) and the response (trained on) of a record. */
function instructionSegments(record: unknown, where: string): Segment[] {
  const [prompt, response] = promptAndResponse(record as Record<string, unknown>, where);
  return [{ text: prompt, train: false }, { text: response, train: true }];
}

/** One example: prompt at weight 0, response (+ EOS) at weight 1. Null when skipped by maxLength. */
export function instructionExample(record: InstructionRecord | { prompt: string; response: string }, tokenizer: Tokenizer, options: InstructionOptions = {}, stats: FormatStats = newFormatStats()): TrainingExample | null {
  const o = parseOptions(instructionOptionsSchema, options, 'instructionExample options');
  const example = tokenizeSegments(instructionSegments(record, 'instruction record'), tokenizer, { addBos: o.addBos, parseSpecial: false, appendEos: o.appendEos });
  return fitExample(example, o, stats);
}

/** Examples from a stream of Alpaca, test-set or prompt/response records. */
export function instructionExamples(records: AsyncIterable<object> | Iterable<object>, tokenizer: Tokenizer, options: InstructionOptions = {}): AsyncIterable<TrainingExample> & { readonly stats: FormatStats } {
  const o = parseOptions(instructionOptionsSchema, options, 'instructionExamples options');
  return recordExamples(records, tokenizer, o, false, instructionSegments);
}
