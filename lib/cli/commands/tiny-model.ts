// `persian-lora tiny-model`: writes a random-weight GGUF (llama, qwen2, qwen3, gemma2, gemma3) with a real vocabulary.
import { numberOption, parseCommandArgs, UsageError, type Command } from '../command.js';
import { createTinyModel, quantTypes, tinyArchitectures, type QuantType, type TinyArchitecture } from '../../tiny-model.js';
import { formatCount } from '../format.js';

export const tinyModelCommand: Command = {
  name: 'tiny-model',
  summary: 'Write a small random-weight GGUF with a real vocabulary (for tests and demos)',
  usage: `Usage: persian-lora tiny-model --out <file.gguf> [options]

Options:
  -o, --out <file>      output GGUF (required)
      --arch <name>     ${tinyArchitectures.join(', ')} (default llama)
      --vocab <name>    vocabulary from llama.cpp's models/ (llama-spm, llama-bpe, qwen2, …) or a GGUF path (default llama-spm)
      --layers <n>      transformer blocks (default 2)
      --dim <n>         embedding width (default 64)
      --heads <n>       attention heads (default 4)
      --kv-heads <n>    key/value heads (default = heads)
      --head-dim <n>    head size (default dim / heads)
      --ffn <n>         feed-forward width (default 2 × dim)
      --context <n>     context length (default 512)
      --rope-base <x>   rope.freq_base (default 10000; Llama 3 uses 500000)
      --rope-freqs      llama: Llama 3.1 RoPE frequency factors (rope_freqs.weight)
      --tied            no output.weight: the head reuses token_embd (Llama 3.2 1B/3B)
      --seed <n>        seed of the random weights (default 42)
      --quant <type>    ${quantTypes.join(', ')} (default f32)
  -h, --help            show this help

Llama 3.2 1B's shape in miniature: --arch llama --vocab llama-bpe --kv-heads 2 --rope-base 500000 --rope-freqs --tied`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, {
      out: { type: 'string', short: 'o' }, arch: { type: 'string' }, vocab: { type: 'string' }, layers: { type: 'string' }, dim: { type: 'string' },
      heads: { type: 'string' }, 'kv-heads': { type: 'string' }, 'head-dim': { type: 'string' }, ffn: { type: 'string' }, context: { type: 'string' },
      'rope-base': { type: 'string' }, 'rope-freqs': { type: 'boolean' }, tied: { type: 'boolean' }, seed: { type: 'string' }, quant: { type: 'string' },
    });
    if (positionals.length > 0) throw new UsageError(`Unexpected argument ${JSON.stringify(positionals[0])}`);
    if (typeof values.out !== 'string') throw new UsageError('Expected an output path for --out');
    const quant = values.quant as string | undefined;
    if (quant !== undefined && !(quantTypes as readonly string[]).includes(quant)) {
      throw new UsageError(`Expected one of ${quantTypes.join(', ')} for --quant but received ${JSON.stringify(quant)}`);
    }
    const arch = values.arch as string | undefined;
    if (arch !== undefined && !(tinyArchitectures as readonly string[]).includes(arch)) {
      throw new UsageError(`Expected one of ${tinyArchitectures.join(', ')} for --arch but received ${JSON.stringify(arch)}`);
    }
    const int = (name: string, min: number) => numberOption(values[name] as string | undefined, name, { integer: true, min });
    const result = await createTinyModel({
      out: values.out, arch: arch as TinyArchitecture | undefined, vocab: values.vocab as string | undefined, layers: int('layers', 1), dim: int('dim', 8),
      heads: int('heads', 1), kvHeads: int('kv-heads', 1), headDim: int('head-dim', 2), ffn: int('ffn', 1), context: int('context', 8),
      ropeBase: numberOption(values['rope-base'] as string | undefined, 'rope-base', { min: 1 }), ropeFreqs: values['rope-freqs'] === true,
      tiedEmbeddings: values.tied === true, seed: int('seed', 0), quant: quant as QuantType | undefined,
    });
    io.stdout.write(`wrote ${result.path} (${formatCount(result.parameters)} parameters, ${quant ?? 'f32'})${arch ? ` ${arch}` : ''}\n`);
    return 0;
  },
};
