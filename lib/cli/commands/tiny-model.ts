// `persian-lora tiny-model`: writes a random-weight GGUF (llama, qwen2, qwen3, gemma2, gemma3) with a real vocabulary.
import { choiceOption, flagOption, noPositionals, numberOption, parseCommandArgs, requiredOption, sharedOptions, stringOption, type Command } from '../command.js';
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
      out: sharedOptions.out, arch: { type: 'string' }, vocab: { type: 'string' }, layers: { type: 'string' }, dim: { type: 'string' },
      heads: { type: 'string' }, 'kv-heads': { type: 'string' }, 'head-dim': { type: 'string' }, ffn: { type: 'string' }, context: { type: 'string' },
      'rope-base': { type: 'string' }, 'rope-freqs': { type: 'boolean' }, tied: { type: 'boolean' }, seed: { type: 'string' }, quant: { type: 'string' },
    });
    noPositionals(positionals);
    const out = requiredOption(values, 'out', 'an output path');
    const quant = choiceOption<QuantType>(values, 'quant', quantTypes);
    const arch = choiceOption<TinyArchitecture>(values, 'arch', tinyArchitectures);
    const int = (name: string, min: number) => numberOption(stringOption(values, name), name, { integer: true, min });
    const result = await createTinyModel({
      out, arch, vocab: stringOption(values, 'vocab'), layers: int('layers', 1), dim: int('dim', 8),
      heads: int('heads', 1), kvHeads: int('kv-heads', 1), headDim: int('head-dim', 2), ffn: int('ffn', 1), context: int('context', 8),
      ropeBase: numberOption(stringOption(values, 'rope-base'), 'rope-base', { min: 1 }), ropeFreqs: flagOption(values, 'rope-freqs'),
      tiedEmbeddings: flagOption(values, 'tied'), seed: int('seed', 0), quant,
    });
    io.stdout.write(`wrote ${result.path} (${formatCount(result.parameters)} parameters, ${quant ?? 'f32'})${arch ? ` ${arch}` : ''}\n`);
    return 0;
  },
};
