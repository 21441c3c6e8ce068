// `persian-lora chat -m <gguf>`: a conversation in the terminal, the prompt rendered from the model's chat template.
import { createInterface } from 'node:readline';
import { noPositionals, numberOption, parseCommandArgs, sharedOptions, stringOption, threadsOption, type Command, type CommandIO } from '../command.js';
import { INTERRUPTED } from '../interrupts.js';
import { loadModelOptions } from '../load-model.js';
import { connectRpcOption } from '../rpc.js';
import { parseSampler, samplerOptions, samplerUsage } from './generate.js';
import { ChatSession } from '../../chat-session.js';
import type { GenerateOptions } from '../../config/inference.js';

const HELP = 'Type a message and Enter. /reset starts the conversation again, /exit (or Ctrl-D) leaves; Ctrl-C stops a reply, and at the prompt leaves.';

/** The lines typed, one at a time; Ctrl-C (from the terminal or the process) goes to `onInterrupt`. */
class LineReader {
  readonly #lines: string[] = [];
  #wake: (() => void) | undefined;
  #closed = false;
  readonly #rl;

  constructor(input: NodeJS.ReadableStream, output: NodeJS.WritableStream, onInterrupt: () => void) {
    const terminal = (input as NodeJS.ReadStream).isTTY === true;
    this.#rl = createInterface({ input, output, terminal });
    this.#rl.on('line', (line) => { this.#lines.push(line); this.#wake?.(); });
    this.#rl.on('close', () => { this.#closed = true; this.#wake?.(); });
    this.#rl.on('SIGINT', onInterrupt); // a terminal in raw mode delivers Ctrl-C here, not as a signal
  }

  prompt(text: string): void {
    this.#rl.setPrompt(text);
    this.#rl.prompt();
  }

  /** The next line, or undefined at the end of the input. */
  async next(): Promise<string | undefined> {
    while (this.#lines.length === 0 && !this.#closed) await new Promise<void>((resolve) => { this.#wake = resolve; });
    return this.#lines.shift();
  }

  close(): void {
    this.#rl.close();
  }
}

async function converse(chat: ChatSession, io: CommandIO, sampler: GenerateOptions): Promise<number> {
  const interactive = ((io.stdin ?? process.stdin) as NodeJS.ReadStream).isTTY === true;
  let reply: AbortController | undefined;
  let leave: (() => void) | undefined;
  const left = new Promise<number>((resolve) => { leave = () => resolve(INTERRUPTED); });
  const onInterrupt = () => {
    if (reply) reply.abort();
    else leave!();
  };
  const release = io.interrupts?.takeOver(onInterrupt);
  const lines = new LineReader(io.stdin ?? process.stdin, io.stdout, onInterrupt);
  try {
    if (interactive) io.stderr.write(`${HELP}\n`);
    for (;;) {
      if (interactive) lines.prompt('> ');
      const line = await Promise.race([lines.next(), left.then(() => null)]);
      if (line === null) {
        io.stdout.write('\n');
        return INTERRUPTED;
      }
      if (line === undefined || line.trim() === '/exit') return 0;
      const text = line.trim();
      if (text === '') continue;
      if (text === '/reset') {
        chat.reset();
        io.stderr.write('[conversation reset]\n');
        continue;
      }
      if (text.startsWith('/')) {
        io.stderr.write(`[unknown command ${text.split(' ')[0]}: ${HELP}]\n`);
        continue;
      }
      reply = new AbortController();
      try {
        const stream = chat.send(text, { ...sampler, signal: reply.signal });
        for (;;) {
          const r = await stream.next();
          if (r.done) {
            io.stdout.write('\n');
            if (r.value.stopReason === 'abort') io.stderr.write('[stopped]\n');
            if (r.value.stopReason === 'context') io.stderr.write('[the context is full: /reset to start again]\n');
            break;
          }
          io.stdout.write(r.value.text);
        }
      } finally {
        reply = undefined;
      }
    }
  } finally {
    release?.();
    lines.close();
  }
}

export const chatCommand: Command = {
  name: 'chat',
  summary: 'Talk with a GGUF model (optionally with LoRA adapters) in the terminal, through its chat template',
  usage: `Usage: persian-lora chat -m <model.gguf> [--lora <adapter.gguf[:scale]>] [--system <text>] [--template <name|file>] [options]

A conversation with history: each reply streams as it is generated, and the context keeps what it decoded, so a
turn decodes only its new tokens. The prompt is the model's Jinja chat template (tokenizer.chat_template) rendered
by @huggingface/jinja, with llama.cpp's built-in templates as the fallback when it fails or the model has none.
${HELP}
Reads the messages from standard input, a line each, so a script can pipe a conversation in.

Options:
  -m, --model <file>        GGUF model (required)
      --lora <file[:scale]> apply a LoRA adapter GGUF, repeatable (scale default 1)
      --system <text>       system message (kept across /reset)
      --template <t>        a llama.cpp built-in template (chatml, llama2, llama3, gemma, phi3, …), Jinja source or a
                            .jinja file (default: the model's own)
${samplerUsage.replace('most tokens to generate (default 256)', 'most tokens per reply (default 256)')}
  -c, --ctx-size <n>        context size, the whole conversation (default 4096)
  -t, --threads <n>         CPU threads (default: all cores)
      --gpu-layers <n|all>  layers to offload (default: all with a GPU build)
      --device <d,…>        devices the layers go to, split across several as llama.cpp does (ggml names: CUDA0, RPC0, …;
                            cpu = none; default: every GPU of the build)
      --rpc <host:port,…>   use the devices of these rpc-servers (named RPC0, RPC1, … in this order; docs/rpc.md)
  -h, --help                show this help`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, {
      ...sharedOptions, ...samplerOptions, system: { type: 'string' }, template: { type: 'string' },
    });
    noPositionals(positionals);
    const sampler = parseSampler(values);
    const contextSize = numberOption(stringOption(values, 'ctx-size'), 'ctx-size', { integer: true, min: 16 }) ?? 4096;
    const threads = threadsOption(values) ?? 0;
    const system = stringOption(values, 'system');
    const template = stringOption(values, 'template');
    await connectRpcOption(values, io.stderr);
    const { model, adapters } = await loadModelOptions(values, io.signal);
    try {
      const context = await model.createContext({ contextSize, threads, sequences: 1 });
      try {
        if (adapters.length > 0) context.setAdapters(adapters);
        const chat = new ChatSession(context, { ...(system === undefined ? {} : { systemPrompt: system }), ...(template === undefined ? {} : { template }) });
        if (chat.formatter.fallbackReason) io.stderr.write(`[chat template: llama.cpp's built-in, because ${chat.formatter.fallbackReason}]\n`);
        return await converse(chat, io, sampler);
      } finally {
        context.dispose();
      }
    } finally {
      model.dispose();
    }
  },
};
