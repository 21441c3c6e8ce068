// ShareGPT / chat-message data rendered with the model's chat template; loss on the assistant turns only.
import { z } from 'zod';
import { parseOptions } from '../../config/validate.js';
import { PersianLoraError, describeValue } from '../../errors.js';
import type { ChatMessage, Tokenizer, TrainingExample } from '../tokenizer.js';
import { exampleOptionsSchema, fitExample, newFormatStats, recordExamples, tokenizeSegments, type FormatStats, type Segment } from './examples.js';

const SHAREGPT_ROLES: Record<string, string> = { human: 'user', user: 'user', gpt: 'assistant', assistant: 'assistant', chatgpt: 'assistant', bing: 'assistant', bard: 'assistant', system: 'system' };

/**
 * Messages of a record: `{ conversations: [{ from, value }] }` (ShareGPT), `{ messages: [{ role, content }] }`, or an
 * array of either form.
 */
export function chatMessagesOf(record: unknown, where = 'chat record'): ChatMessage[] {
  const list = Array.isArray(record) ? record : (record as Record<string, unknown> | null)?.conversations ?? (record as Record<string, unknown> | null)?.messages;
  if (!Array.isArray(list) || list.length === 0) throw new PersianLoraError('ERR_DATA', `${where}: expected a non-empty "conversations" or "messages" array but received ${describeValue(list ?? record)}`);
  return list.map((m: unknown, i) => {
    const msg = (m ?? {}) as Record<string, unknown>;
    const rawRole = msg.from ?? msg.role;
    const content = msg.value ?? msg.content;
    const role = typeof rawRole === 'string' ? (SHAREGPT_ROLES[rawRole.toLowerCase()] ?? rawRole) : undefined;
    if (role === undefined) throw new PersianLoraError('ERR_DATA', `${where}: message ${i} has no string "from"/"role" (received ${describeValue(rawRole)})`);
    if (typeof content !== 'string') throw new PersianLoraError('ERR_DATA', `${where}: message ${i} has no string "value"/"content" (received ${describeValue(content)})`);
    return { role, content };
  });
}

export const chatOptionsSchema = exampleOptionsSchema.extend({
  /** Append EOS after the conversation; chat templates usually close each turn with their own end token, so off by default. */
  appendEos: z.boolean().default(false),
  onError: z.enum(['throw', 'skip']).default('throw'),
});
export type ChatOptions = z.input<typeof chatOptionsSchema>;

/**
 * Split a conversation into template text segments: everything the template writes around and before an assistant
 * message is context; the assistant message and the template's end of that turn are trained. Needs a template whose
 * rendering of a conversation starts with its rendering of every earlier part (prefix-stable); others are refused.
 */
export function chatSegments(messages: ChatMessage[], tokenizer: Tokenizer, where = 'chat record'): Segment[] {
  const template = tokenizer.applyChatTemplate?.bind(tokenizer);
  if (template === undefined) throw new PersianLoraError('ERR_INVALID_OPTION', 'Chat data needs a tokenizer with applyChatTemplate (the model\'s chat template)');
  const last = messages.map((m) => m.role).lastIndexOf('assistant');
  if (last < 0) throw new PersianLoraError('ERR_DATA', `${where}: no assistant message to train on`);
  const segments: Segment[] = [];
  let done = '';
  for (let i = 0; i <= last; i++) {
    if (messages[i]!.role !== 'assistant') continue;
    const prefix = template(messages.slice(0, i), true);
    const full = template(messages.slice(0, i + 1), false);
    if (!prefix.startsWith(done) || !full.startsWith(prefix)) {
      throw new PersianLoraError('ERR_DATA', `${where}: the chat template is not prefix-stable at message ${i} (rendering a longer conversation changes the text of earlier turns), so the assistant turns cannot be masked`);
    }
    segments.push({ text: prefix.slice(done.length), train: false }, { text: full.slice(prefix.length), train: true });
    done = full;
  }
  return segments.filter((s) => s.text !== '');
}

/** One chat example (parseSpecial on: the template's special tokens become special ids). */
export function chatExample(record: unknown, tokenizer: Tokenizer, options: ChatOptions = {}, stats: FormatStats = newFormatStats()): TrainingExample | null {
  const o = parseOptions(chatOptionsSchema, options, 'chatExample options');
  const segments = chatSegments(chatMessagesOf(record), tokenizer);
  return fitExample(tokenizeSegments(segments, tokenizer, { addBos: o.addBos, parseSpecial: true, appendEos: o.appendEos }), o, stats);
}

/** Examples from a stream of ShareGPT / messages records. */
export function chatExamples(records: AsyncIterable<unknown> | Iterable<unknown>, tokenizer: Tokenizer, options: ChatOptions = {}): AsyncIterable<TrainingExample> & { readonly stats: FormatStats } {
  const o = parseOptions(chatOptionsSchema, options, 'chatExamples options');
  return recordExamples(records, tokenizer, o, true, (record, where) => chatSegments(chatMessagesOf(record, where), tokenizer, where));
}
