// `persian-lora generate -m <gguf> -p <text>`: streams a completion to stdout, with optional LoRA adapters.
import { noPositionals, numberOption, parseCommandArgs, requiredOption, sharedOptions, stringOption, threadsOption, type Command, type ParsedValues } from '../command.js';
import { INTERRUPTED } from '../interrupts.js';
import { loadModelOptions } from '../load-model.js';
import { connectRpcOption } from '../rpc.js';
import type { GenerateOptions } from '../../config/inference.js';

/** The sampler options generate and chat share. */
export const samplerOptions = {
  'max-tokens': { type: 'string', short: 'n' }, temp: { type: 'string' }, 'top-k': { type: 'string' }, 'top-p': { type: 'string' },
  'min-p': { type: 'string' }, 'repeat-penalty': { type: 'string' }, seed: { type: 'string' },
} as const;

export const samplerUsage = `  -n, --max-tokens <n>      most tokens to generate (default 256)
      --temp <t>            temperature, 0 = greedy (default 0)
      --top-k <k>           top-k (default 40)
      --top-p <p>           top-p (default 0.95)
      --min-p <p>           min-p (default 0.05)
      --repeat-penalty <r>  repetition penalty (default 1)
      --seed <n>            sampler seed (default 0)`;

export function parseSampler(values: ParsedValues): GenerateOptions {
  const num = (name: string, o: Parameters<typeof numberOption>[2]) => numberOption(stringOption(values, name), name, o);
  return {
    maxTokens: num('max-tokens', { integer: true, min: 1 }),
    temperature: num('temp', { min: 0 }),
    topK: num('top-k', { integer: true, min: 0 }),
    topP: num('top-p', { min: 0, max: 1 }),
    minP: num('min-p', { min: 0, max: 1 }),
    repeatPenalty: num('repeat-penalty', { min: 0.01 }),
    seed: num('seed', { integer: true, min: 0 }),
  };
}

export const generateCommand: Command = {
  name: 'generate',
  summary: 'Generate text from a GGUF model (optionally with LoRA adapters)',
  usage: `Usage: persian-lora generate -m <model.gguf> -p <prompt> [options]

Ctrl-C stops the generation (exit code 130) after printing what was generated.

Options:
  -m, --model <file>        GGUF model (required)
  -p, --prompt <text>       prompt text (required)
      --lora <file[:scale]> apply a LoRA adapter GGUF, repeatable (scale default 1)
${samplerUsage}
      --stop <text>         stop string, repeatable
  -c, --ctx-size <n>        context size (default 2048)
  -t, --threads <n>         CPU threads (default: all cores)
      --gpu-layers <n|all>  layers to offload (default: all with a GPU build)
      --device <d,…>        devices the layers go to, split across several as llama.cpp does (ggml names: CUDA0, RPC0, …;
                            cpu = none; default: every GPU of the build)
      --rpc <host:port,…>   use the devices of these rpc-servers (named RPC0, RPC1, … in this order; docs/rpc.md)
  -h, --help                show this help`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, {
      ...sharedOptions, ...samplerOptions, prompt: { type: 'string', short: 'p' }, stop: { type: 'string', multiple: true },
    });
    noPositionals(positionals);
    requiredOption(values, 'model', 'a GGUF model path');
    const prompt = requiredOption(values, 'prompt', 'prompt text');
    const sampler = parseSampler(values);
    const contextSize = numberOption(stringOption(values, 'ctx-size'), 'ctx-size', { integer: true, min: 8 }) ?? 2048;
    const threads = threadsOption(values) ?? 0;
    await connectRpcOption(values, io.stderr);
    const { model, adapters } = await loadModelOptions(values, io.signal);
    try {
      const context = await model.createContext({ contextSize, threads });
      try {
        if (adapters.length > 0) context.setAdapters(adapters);
        const stream = context.generate(prompt, { ...sampler, stop: (values.stop as string[] | undefined) ?? [], signal: io.signal });
        for (;;) {
          const r = await stream.next();
          if (r.done) {
            io.stdout.write('\n');
            io.stderr.write(`[${r.value.tokens.length} tokens, stopped: ${r.value.stopReason}]\n`);
            return r.value.stopReason === 'abort' ? INTERRUPTED : 0;
          }
          io.stdout.write(r.value.text);
        }
      } finally {
        context.dispose();
      }
    } finally {
      model.dispose();
    }
  },
};
