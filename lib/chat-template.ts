// Chat prompts: the GGUF's Jinja chat template rendered by @huggingface/jinja the way llama.cpp's Jinja route renders
// it (common/chat.cpp), with llama.cpp's built-in templates as the fallback.
import { existsSync, readFileSync } from 'node:fs';
import { Template } from '@huggingface/jinja';
import { PersianLoraError, ioError } from './errors.js';
import type { ChatMessage, Model } from './model.js';

export interface JinjaChatInput {
  messages: ChatMessage[];
  /** Ends the prompt with the assistant's turn header. Default true. */
  addGenerationPrompt?: boolean;
  bosToken?: string;
  eosToken?: string;
}

const SYSTEM_PROBE = 'persian-lora system-role probe';

/** A compiled Jinja chat template. */
export class JinjaChatTemplate {
  readonly source: string;
  /** False when the template drops or refuses a system message: it is then merged into the first message. */
  readonly supportsSystemRole: boolean;
  readonly #template: Template;

  constructor(source: string) {
    this.source = source;
    try {
      this.#template = new Template(source);
    } catch (error) {
      throw new PersianLoraError('ERR_BAD_FORMAT', `The chat template does not parse as Jinja: ${(error as Error).message}`);
    }
    // As llama.cpp's capability check (common/jinja/caps.cpp): a system message whose content never shows is unsupported.
    try {
      this.supportsSystemRole = this.#render([{ role: 'system', content: SYSTEM_PROBE }, { role: 'user', content: 'User message' }], true, '', '').includes(SYSTEM_PROBE);
    } catch {
      this.supportsSystemRole = false;
    }
  }

  render(input: JinjaChatInput): string {
    const messages = this.supportsSystemRole ? input.messages : mergeSystemMessage(input.messages);
    try {
      return this.#render(messages, input.addGenerationPrompt ?? true, input.bosToken ?? '', input.eosToken ?? '');
    } catch (error) {
      throw new PersianLoraError('ERR_BAD_FORMAT', `The chat template failed to render: ${(error as Error).message}`);
    }
  }

  #render(messages: ChatMessage[], addGenerationPrompt: boolean, bosToken: string, eosToken: string): string {
    return this.#template.render({
      messages: messages.map((m) => ({ role: m.role, content: m.content })),
      bos_token: bosToken,
      eos_token: eosToken,
      // llama.cpp sets it only when true: templates test both `if add_generation_prompt` and `is defined`
      ...(addGenerationPrompt ? { add_generation_prompt: true } : {}),
    });
  }
}

/** llama.cpp's workaround for templates without a system role: the system text opens the next message. */
function mergeSystemMessage(messages: ChatMessage[]): ChatMessage[] {
  if (messages[0]?.role !== 'system') return messages;
  if (messages.length === 1) return [];
  return [{ role: messages[1]!.role, content: `${messages[0].content}\n${messages[1]!.content}` }, ...messages.slice(2)];
}

/** How a prompt was rendered. */
export type ChatTemplateEngine = 'jinja' | 'llama.cpp';

export interface ChatPrompt {
  /** The rendered prompt, without a leading BOS text when the tokenizer adds BOS itself. */
  text: string;
  engine: ChatTemplateEngine;
}

export interface ChatFormatterOptions {
  /**
   * A llama.cpp built-in template name (chatml, llama2, llama3, gemma, …), Jinja source, or a .jinja file. Default: the
   * model's `tokenizer.chat_template`, else llama.cpp's chatml.
   */
  template?: string;
}

const looksLikeJinja = (s: string): boolean => s.includes('{%') || s.includes('{{');

/** Renders conversations for one model: Jinja first, llama.cpp's built-in templates where the Jinja fails or is absent. */
export class ChatFormatter {
  readonly model: Model;
  /** Why the Jinja template is not used (it failed to parse or render, or there is none); undefined while it is. */
  fallbackReason: string | undefined;
  readonly #jinja: JinjaChatTemplate | undefined;
  /** What llama.cpp's applyChatTemplate gets: a built-in name or the model's template ('' = the model's own). */
  readonly #builtin: string;
  readonly #bos: string;
  readonly #eos: string;

  constructor(model: Model, options: ChatFormatterOptions = {}) {
    this.model = model;
    const special = (id: number) => (id >= 0 ? new TextDecoder().decode(model.tokenPiece(id, { special: true })) : '');
    this.#bos = special(model.info.bos);
    this.#eos = special(model.info.eos);
    const choice = options.template;
    let source: string | undefined;
    if (choice === undefined) {
      source = model.info.chatTemplate ?? undefined;
      this.#builtin = source === undefined ? 'chatml' : '';
      if (source === undefined) this.fallbackReason = 'the model has no chat template (tokenizer.chat_template): using chatml';
    } else if (looksLikeJinja(choice)) {
      source = choice;
      this.#builtin = choice;
    } else if (choice.endsWith('.jinja') || existsSync(choice)) {
      source = readTemplateFile(choice);
      this.#builtin = source;
    } else {
      this.#builtin = choice;
    }
    if (source !== undefined) {
      try {
        this.#jinja = new JinjaChatTemplate(source);
      } catch (error) {
        this.fallbackReason = (error as Error).message;
      }
    }
    // a template neither engine can render fails now rather than at the first message
    this.format([{ role: 'user', content: 'hello' }]);
  }

  /** The prompt for `messages`, ending with the assistant's header unless `addGenerationPrompt` is false. */
  format(messages: ChatMessage[], addGenerationPrompt = true): ChatPrompt {
    if (this.#jinja && this.fallbackReason === undefined) {
      try {
        const text = this.#jinja.render({ messages, addGenerationPrompt, bosToken: this.#bos, eosToken: this.#eos });
        return { text: this.model.info.addBos && this.#bos && text.startsWith(this.#bos) ? text.slice(this.#bos.length) : text, engine: 'jinja' };
      } catch (error) {
        this.fallbackReason = (error as Error).message;
      }
    }
    try {
      return { text: this.model.applyChatTemplate(messages, { addAssistant: addGenerationPrompt, template: this.#builtin || undefined }), engine: 'llama.cpp' };
    } catch (error) {
      const what = this.#builtin && !looksLikeJinja(this.#builtin) ? `the chat template ${JSON.stringify(this.#builtin)}` : 'this chat template';
      throw new PersianLoraError('ERR_INVALID_OPTION', `Neither Jinja nor llama.cpp can render ${what} (${this.fallbackReason ?? (error as Error).message}); `
        + 'expected a llama.cpp built-in name (chatml, llama2, llama3, gemma, phi3, mistral-v7, …), Jinja source or a .jinja file');
    }
  }
}

function readTemplateFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw ioError(error, file, 'read the chat template');
  }
}
