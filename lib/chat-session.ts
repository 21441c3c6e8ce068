// ChatSession: a conversation with a model: messages in, the reply streamed out, the history kept, and the context's
// KV cache reused across turns (each turn's prompt is the whole conversation; only what the cache lacks is decoded).
import type { Context, GenerationChunk, StopReason } from './context.js';
import type { GenerateOptions } from './config/inference.js';
import type { ChatMessage } from './model.js';
import { ChatFormatter, type ChatTemplateEngine } from './chat-template.js';
import { invalidOption } from './errors.js';

export interface ChatSessionOptions {
  /** A system message that opens the conversation (and stays after reset()). */
  systemPrompt?: string;
  /** A llama.cpp built-in template name, Jinja source or a .jinja file; default the model's own template. */
  template?: string;
}

export interface ChatTurn {
  reply: string;
  stopReason: StopReason;
  /** How the prompt was rendered. */
  engine: ChatTemplateEngine;
  /** Tokens of this turn's prompt (the whole conversation). */
  promptTokens: number;
  /** Of those, the leading tokens the context already held from the previous turn (not decoded again). */
  reusedTokens: number;
  generatedTokens: number;
}

/** Length of the common prefix of two token arrays. */
function commonPrefix(a: Uint32Array, b: Uint32Array): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i;
}

export class ChatSession {
  readonly context: Context;
  readonly formatter: ChatFormatter;
  readonly systemPrompt: string | undefined;
  #messages: ChatMessage[] = [];
  /** The tokens the context holds after the previous turn (its prompt and what it generated). */
  #held = new Uint32Array(0);

  constructor(context: Context, options: ChatSessionOptions = {}) {
    if (options.systemPrompt !== undefined && typeof options.systemPrompt !== 'string') throw invalidOption('a string', 'ChatSession systemPrompt', options.systemPrompt);
    if (options.template !== undefined && (typeof options.template !== 'string' || options.template === '')) throw invalidOption('a template name, Jinja source or file', 'ChatSession template', options.template);
    this.context = context;
    this.formatter = new ChatFormatter(context.model, options.template === undefined ? {} : { template: options.template });
    this.systemPrompt = options.systemPrompt;
    this.reset();
  }

  /** The conversation so far (a copy), the system message included. */
  get messages(): ChatMessage[] {
    return this.#messages.map((m) => ({ ...m }));
  }

  /** Forgets the conversation, keeping the system prompt. */
  reset(): void {
    this.#messages = this.systemPrompt === undefined ? [] : [{ role: 'system', content: this.systemPrompt }];
  }

  /**
   * Adds the user's message and streams the assistant's reply; the reply joins the history when the stream ends, also
   * when `signal` stopped it early (stopReason 'abort': what was said stays said). A prompt that no longer fits the
   * context rejects with ERR_CONTEXT_OVERFLOW and leaves the history as it was.
   */
  async *send(content: string, options: GenerateOptions = {}): AsyncGenerator<GenerationChunk, ChatTurn, void> {
    if (typeof content !== 'string') throw invalidOption('a string', 'ChatSession send content', content);
    const messages = [...this.#messages, { role: 'user', content }];
    const prompt = this.formatter.format(messages);
    const tokens = this.context.model.tokenize(prompt.text, { addBos: true, special: true });
    const reusedTokens = Math.min(commonPrefix(this.#held, tokens), tokens.length - 1);
    const stream = this.context.generate(tokens, options);
    for (;;) {
      const r = await stream.next();
      if (!r.done) {
        yield r.value;
        continue;
      }
      const completion = r.value;
      this.#messages = [...messages, { role: 'assistant', content: completion.text }];
      // the last generated token is decoded only when another is asked for; after end-of-generation it was
      const decoded = completion.stopReason === 'eog' ? completion.tokens : completion.tokens.subarray(0, -1);
      this.#held = Uint32Array.from([...tokens, ...decoded]);
      return {
        reply: completion.text, stopReason: completion.stopReason, engine: prompt.engine,
        promptTokens: tokens.length, reusedTokens, generatedTokens: completion.tokens.length,
      };
    }
  }

  /** Sends a message and waits for the whole reply. */
  async ask(content: string, options: GenerateOptions = {}): Promise<ChatTurn> {
    const it = this.send(content, options);
    for (;;) {
      const r = await it.next();
      if (r.done) return r.value;
    }
  }
}
