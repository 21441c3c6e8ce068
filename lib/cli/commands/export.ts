// `persian-lora export`: a llama.cpp LoRA GGUF to a PEFT adapter directory, or a PEFT directory to a LoRA GGUF.
import { choiceOption, noPositionals, numberOption, parseCommandArgs, requiredOption, sharedOptions, stringOption, UsageError, type Command } from '../command.js';
import { writeLoraAdapter, type LoraAdapterFile } from '../../lora/adapter-file.js';
import { readLoraAdapter } from '../../lora/adapter-read.js';
import { attentionHeads, checkAdapterFits, type AttentionHeads } from '../../lora/base-check.js';
import { hfModule, peftArchitecture, peftArchitectures } from '../../lora/peft-names.js';
import { exportPeft, importPeft } from '../../lora/peft.js';
import { readGgufMetadata, type GgufMetadata } from '../../vocab/gguf-read.js';

const BASE_NEEDED = 'Expected --base <model.gguf> (its attention head counts give the rotary row order of q and k) because the adapter adapts q or k, but received nothing';

function needsHeads(adapter: LoraAdapterFile): boolean {
  const architecture = peftArchitecture(adapter.architecture);
  return adapter.pairs.some((p) => hfModule(p.target, architecture).rope !== undefined);
}

export const exportCommand: Command = {
  name: 'export',
  summary: 'Convert a LoRA adapter between llama.cpp GGUF and PEFT (adapter_config.json + adapter_model.safetensors)',
  usage: `Usage: persian-lora export --adapter <adapter.gguf> --format peft --out <dir> [--base <model.gguf>] [--base-name <name>]
       persian-lora export --peft <dir> --arch llama|qwen2|qwen3 --out <adapter.gguf> [--base <model.gguf>]

The first form writes <dir>/adapter_config.json and <dir>/adapter_model.safetensors (F32; lora_A [r, in], lora_B
[out, r]; module names q_proj … down_proj and lm_head of Hugging Face llama, qwen2 and qwen3 models). The second reads
such a directory (F32, F16 or BF16 tensors; rsLoRA folded into alpha) and writes the LoRA GGUF llama.cpp loads. For
llama, llama.cpp stores the rows of q and k in another rotary order than Hugging Face, so lora_B of q_proj and k_proj
is permuted on the way: this needs the base model's head counts, read from --base, which is also checked to fit the
adapter (qwen2 and qwen3 keep Hugging Face's order).

Options:
      --adapter <file>     LoRA adapter GGUF to export
      --format peft        output format of the export (the only one)
      --peft <dir>         PEFT adapter directory to import
      --arch <arch>        architecture of the imported adapter: llama, qwen2 or qwen3 (default llama)
      --base <file>        base model GGUF: head counts, and a check that the adapter fits it
      --base-name <name>   base_model_name_or_path for adapter_config.json (default: the --base file name, or "")
      --dropout <p>        lora_dropout recorded in adapter_config.json (default 0)
  -o, --out <path>         output directory (export) or GGUF file (import) (required)
  -h, --help               show this help`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, {
      adapter: { type: 'string' }, format: { type: 'string' }, peft: { type: 'string' }, arch: { type: 'string' },
      base: { type: 'string' }, 'base-name': { type: 'string' }, dropout: { type: 'string' }, out: sharedOptions.out,
    });
    noPositionals(positionals);
    const out = requiredOption(values, 'out', 'a path');
    const adapterFile = stringOption(values, 'adapter'), peftDir = stringOption(values, 'peft');
    if ((adapterFile === undefined) === (peftDir === undefined)) throw new UsageError('Expected exactly one of --adapter <adapter.gguf> (export) and --peft <dir> (import)');
    const baseFile = stringOption(values, 'base');
    const meta: GgufMetadata | undefined = baseFile ? readGgufMetadata(baseFile) : undefined;
    const heads: AttentionHeads | Record<string, never> = meta ? attentionHeads(meta) : {};

    if (adapterFile !== undefined) {
      if (values.format !== 'peft') throw new UsageError(`Expected "peft" for --format but received ${JSON.stringify(values.format ?? null)}`);
      if (values.arch !== undefined) throw new UsageError('--arch applies to an import (--peft); an exported adapter keeps its own architecture');
      const adapter = readLoraAdapter(adapterFile);
      if (meta) checkAdapterFits(adapter, adapterFile, meta);
      else if (needsHeads(adapter)) throw new UsageError(BASE_NEEDED);
      const dropout = numberOption(stringOption(values, 'dropout'), 'dropout', { min: 0, max: 0.999 }) ?? 0;
      const baseName = stringOption(values, 'base-name') ?? (baseFile ? baseFile.split(/[\\/]/).pop()! : '');
      const files = await exportPeft(adapter, out, { ...heads, baseName, loraDropout: dropout });
      io.stdout.write(`wrote ${files.config} and ${files.weights}: ${adapter.pairs.length} LoRA pairs, r = ${adapter.rank}, lora_alpha = ${adapter.alpha}\n`);
      return 0;
    }
    for (const flag of ['format', 'base-name', 'dropout'] as const) {
      if (values[flag] !== undefined) throw new UsageError(`--${flag} applies to an export (--adapter), not to an import (--peft)`);
    }
    const arch = choiceOption(values, 'arch', peftArchitectures) ?? 'llama';
    if (meta && meta.kv.get('general.architecture')?.value !== arch) {
      throw new UsageError(`Expected a ${arch} base model for --base but ${baseFile} is ${JSON.stringify(meta.kv.get('general.architecture')?.value)}`);
    }
    let adapter: LoraAdapterFile;
    try {
      adapter = await importPeft(peftDir!, { architecture: peftArchitecture(arch), ...heads });
    } catch (error) {
      if (!meta && (error as { code?: string }).code === 'ERR_INVALID_OPTION') throw new UsageError(BASE_NEEDED);
      throw error;
    }
    if (meta) checkAdapterFits(adapter, peftDir!, meta);
    writeLoraAdapter(out, adapter);
    io.stdout.write(`wrote ${out}: ${adapter.pairs.length} LoRA pairs, r = ${adapter.pairs[0]!.rank}, alpha = ${adapter.alpha}\n`);
    return 0;
  },
};
