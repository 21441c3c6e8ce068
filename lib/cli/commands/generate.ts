// `persian-lora generate -m <gguf> -p <text>`: streams a completion to stdout, with optional LoRA adapters.
import { numberOption, parseCommandArgs, UsageError, type Command } from '../command.js';
import { loadModel } from '../../model.js';
import type { AppliedAdapter } from '../../context.js';

/** Parses `path[:scale]`. */
export function parseLoraArg(arg: string): { path: string; scale: number } {
  const m = /^(.*?)(?::([-+]?\d*\.?\d+(?:e[-+]?\d+)?))?$/i.exec(arg)!;
  const scale = m[2] === undefined ? 1 : Number(m[2]);
  if (!m[1]) throw new UsageError(`Expected path[:scale] for --lora but received ${JSON.stringify(arg)}`);
  return { path: m[1], scale };
}

export const generateCommand: Command = {
  name: 'generate',
  summary: 'Generate text from a GGUF model (optionally with LoRA adapters)',
  usage: `Usage: persian-lora generate -m <model.gguf> -p <prompt> [options]

Options:
  -m, --model <file>        GGUF model (required)
  -p, --prompt <text>       prompt text (required)
      --lora <file[:scale]> apply a LoRA adapter GGUF, repeatable (scale default 1)
  -n, --max-tokens <n>      most tokens to generate (default 256)
      --temp <t>            temperature, 0 = greedy (default 0)
      --top-k <k>           top-k (default 40)
      --top-p <p>           top-p (default 0.95)
      --min-p <p>           min-p (default 0.05)
      --repeat-penalty <r>  repetition penalty (default 1)
      --seed <n>            sampler seed (default 0)
      --stop <text>         stop string, repeatable
  -c, --ctx-size <n>        context size (default 2048)
  -t, --threads <n>         CPU threads (default: all cores)
      --gpu-layers <n|all>  layers to offload (default: all with a GPU build)
  -h, --help                show this help`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, {
      model: { type: 'string', short: 'm' }, prompt: { type: 'string', short: 'p' }, lora: { type: 'string', multiple: true },
      'max-tokens': { type: 'string', short: 'n' }, temp: { type: 'string' }, 'top-k': { type: 'string' }, 'top-p': { type: 'string' },
      'min-p': { type: 'string' }, 'repeat-penalty': { type: 'string' }, seed: { type: 'string' }, stop: { type: 'string', multiple: true },
      'ctx-size': { type: 'string', short: 'c' }, threads: { type: 'string', short: 't' }, 'gpu-layers': { type: 'string' },
    });
    if (positionals.length > 0) throw new UsageError(`Unexpected argument ${JSON.stringify(positionals[0])}`);
    if (typeof values.model !== 'string') throw new UsageError('Expected a model path for --model');
    if (typeof values.prompt !== 'string') throw new UsageError('Expected prompt text for --prompt');
    const gpu = values['gpu-layers'] as string | undefined;
    const model = await loadModel(values.model, { gpuLayers: gpu === undefined ? 'auto' : gpu === 'all' ? 'all' : numberOption(gpu, 'gpu-layers', { integer: true, min: 0 })!, signal: io.signal });
    try {
      const context = await model.createContext({
        contextSize: numberOption(values['ctx-size'] as string | undefined, 'ctx-size', { integer: true, min: 8 }) ?? 2048,
        threads: numberOption(values.threads as string | undefined, 'threads', { integer: true, min: 0 }) ?? 0,
      });
      try {
        const applied: AppliedAdapter[] = [];
        for (const arg of (values.lora as string[] | undefined) ?? []) {
          const { path, scale } = parseLoraArg(arg);
          applied.push({ adapter: await model.loadAdapter(path), scale });
        }
        if (applied.length > 0) context.setAdapters(applied);
        const stream = context.generate(values.prompt, {
          maxTokens: numberOption(values['max-tokens'] as string | undefined, 'max-tokens', { integer: true, min: 1 }),
          temperature: numberOption(values.temp as string | undefined, 'temp', { min: 0 }),
          topK: numberOption(values['top-k'] as string | undefined, 'top-k', { integer: true, min: 0 }),
          topP: numberOption(values['top-p'] as string | undefined, 'top-p', { min: 0, max: 1 }),
          minP: numberOption(values['min-p'] as string | undefined, 'min-p', { min: 0, max: 1 }),
          repeatPenalty: numberOption(values['repeat-penalty'] as string | undefined, 'repeat-penalty', { min: 0.01 }),
          seed: numberOption(values.seed as string | undefined, 'seed', { integer: true, min: 0 }),
          stop: (values.stop as string[] | undefined) ?? [],
          signal: io.signal,
        });
        for (;;) {
          const r = await stream.next();
          if (r.done) {
            io.stdout.write('\n');
            io.stderr.write(`[${r.value.tokens.length} tokens, stopped: ${r.value.stopReason}]\n`);
            break;
          }
          io.stdout.write(r.value.text);
        }
      } finally {
        context.dispose();
      }
    } finally {
      model.dispose();
    }
    return 0;
  },
};
