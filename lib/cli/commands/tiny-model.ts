// `persian-lora tiny-model`: writes a random-weight llama GGUF with a real vocabulary, optionally quantized.
import { numberOption, parseCommandArgs, UsageError, type Command } from '../command.js';
import { createTinyModel, quantTypes, type QuantType } from '../../tiny-model.js';
import { formatCount } from '../format.js';

export const tinyModelCommand: Command = {
  name: 'tiny-model',
  summary: 'Write a small random-weight llama GGUF with a real vocabulary (for tests and demos)',
  usage: `Usage: persian-lora tiny-model --out <file.gguf> [options]

Options:
  -o, --out <file>      output GGUF (required)
      --vocab <name>    vocabulary from llama.cpp's models/ (llama-spm, llama-bpe, …) or a GGUF path (default llama-spm)
      --layers <n>      transformer blocks (default 2)
      --dim <n>         embedding width (default 64)
      --heads <n>       attention heads (default 4)
      --kv-heads <n>    key/value heads (default = heads)
      --ffn <n>         feed-forward width (default 2 × dim)
      --context <n>     context length (default 512)
      --seed <n>        seed of the random weights (default 42)
      --quant <type>    ${quantTypes.join(', ')} (default f32)
  -h, --help            show this help`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, {
      out: { type: 'string', short: 'o' }, vocab: { type: 'string' }, layers: { type: 'string' }, dim: { type: 'string' },
      heads: { type: 'string' }, 'kv-heads': { type: 'string' }, ffn: { type: 'string' }, context: { type: 'string' },
      seed: { type: 'string' }, quant: { type: 'string' },
    });
    if (positionals.length > 0) throw new UsageError(`Unexpected argument ${JSON.stringify(positionals[0])}`);
    if (typeof values.out !== 'string') throw new UsageError('Expected an output path for --out');
    const quant = values.quant as string | undefined;
    if (quant !== undefined && !(quantTypes as readonly string[]).includes(quant)) {
      throw new UsageError(`Expected one of ${quantTypes.join(', ')} for --quant but received ${JSON.stringify(quant)}`);
    }
    const int = (name: string, min: number) => numberOption(values[name] as string | undefined, name, { integer: true, min });
    const result = await createTinyModel({
      out: values.out, vocab: values.vocab as string | undefined, layers: int('layers', 1), dim: int('dim', 8), heads: int('heads', 1),
      kvHeads: int('kv-heads', 1), ffn: int('ffn', 1), context: int('context', 8), seed: int('seed', 0), quant: quant as QuantType | undefined,
    });
    io.stdout.write(`wrote ${result.path} (${formatCount(result.parameters)} parameters, ${quant ?? 'f32'})\n`);
    return 0;
  },
};
