// `persian-lora merge`: writes a new GGUF with a LoRA adapter merged into the base weights.
import { noPositionals, parseCommandArgs, parseLoraArg, requiredOption, sharedOptions, stringOption, UsageError, type Command } from '../command.js';
import { MERGE_TYPES, mergeAdapter, type MergeType } from '../../lora/merge.js';

const TYPES = ['keep', ...Object.keys(MERGE_TYPES)] as const;

export const mergeCommand: Command = {
  name: 'merge',
  summary: 'Merge a LoRA adapter into its base model and write a new GGUF (F16, F32, kept or re-quantized types)',
  usage: `Usage: persian-lora merge --base <model.gguf> --lora <adapter.gguf>[:scale] --out <merged.gguf> [--type <type>]

Adds scale · (alpha / r) · B·A to every weight the adapter adapts, streaming the base tensor by tensor (rows are
dequantized, added to in double precision, and stored in the output type). The output is written to a temporary file
and renamed when complete; general.file_type is updated.

Options:
      --base <file>         base model GGUF (required)
      --lora <file>[:s]     LoRA adapter GGUF made for that base, optionally scaled by s (default 1) (required)
      --type <type>         keep (default: each weight in its own type, adapted ones re-quantized to it),
                            f32 (every tensor), or one of ${Object.keys(MERGE_TYPES).filter((t) => t !== 'f32').join(', ')}:
                            every 2-D weight in that type, 1-D tensors unchanged (no per-tensor mixtures as
                            llama-quantize's _S/_M presets; rows that do not fit a K-quant block use llama.cpp's fallback)
  -o, --out <file>          output GGUF (required)
  -h, --help                show this help`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, {
      base: { type: 'string' }, lora: { type: 'string' }, type: { type: 'string' }, out: sharedOptions.out,
    });
    noPositionals(positionals);
    const [base, loraArg, out] = (['base', 'lora', 'out'] as const).map((name) => requiredOption(values, name, 'a file path'));
    const type = (stringOption(values, 'type') ?? 'keep').toLowerCase();
    if (!(TYPES as readonly string[]).includes(type)) throw new UsageError(`Expected one of ${TYPES.join(', ')} for --type but received ${JSON.stringify(values.type)}`);
    const lora = parseLoraArg(loraArg!);
    const started = performance.now();
    const r = await mergeAdapter(base!, lora.path, out!, { type: type as MergeType, scale: lora.scale, signal: io.signal });
    io.stdout.write(`wrote ${r.path}: ${r.merged} weights merged, ${r.converted} converted, ${r.copied} copied; `
      + `${(r.bytes / 2 ** 20).toFixed(1)} MiB in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
    return 0;
  },
};
