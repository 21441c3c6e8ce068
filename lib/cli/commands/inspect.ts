// `persian-lora inspect <model.gguf> [--json]`: architecture, parameters, quantization mix, vocabulary, chat template,
// trainer support.
import { flagOption, parseCommandArgs, UsageError, type Command } from '../command.js';
import { inspectModel } from '../../inspect.js';
import { formatBytes, formatCount } from '../format.js';

export const inspectCommand: Command = {
  name: 'inspect',
  summary: 'Show what a GGUF model holds (architecture, size, quantization, vocabulary)',
  usage: `Usage: persian-lora inspect <model.gguf> [--json]

Prints the architecture, parameter count, quantization mix, vocabulary and chat template of a GGUF model, and whether
\`persian-lora train\` can train it (if not, why).

Options:
  --json      print the summary as JSON
  -h, --help  show this help`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, { json: { type: 'boolean' } }, true);
    if (positionals.length !== 1) throw new UsageError(`Expected one model path but received ${positionals.length}`);
    const s = await inspectModel(positionals[0]!);
    if (flagOption(values, 'json')) {
      io.stdout.write(JSON.stringify(s, null, 2) + '\n');
      return 0;
    }
    const lines = [
      `file           ${s.path}`,
      `architecture   ${s.architecture} (${s.description})`,
      `parameters     ${formatCount(s.parameters)} in ${s.layers} layers, width ${s.embeddingLength}, context ${s.contextLength}`,
      `size           ${formatBytes(s.sizeBytes)} (file type ${s.fileType})`,
      `vocabulary     ${s.vocabulary.size} tokens, ${s.vocabulary.type}${s.vocabulary.model ? ` (${s.vocabulary.model})` : ''}, bos ${s.vocabulary.bos}, eos ${s.vocabulary.eos}`,
      'quantization   ' + s.quantization.map((q) => `${q.type} ${(q.share * 100).toFixed(1)}% (${q.tensors} tensors)`).join(', '),
      `training       ${s.trainer.supported ? 'supported' : `not supported: ${s.trainer.reason}`}`,
      `chat template  ${s.chatTemplate ? s.chatTemplate.slice(0, 200).replace(/\n/g, '\\n') + (s.chatTemplate.length > 200 ? ' …' : '') : 'none'}`,
    ];
    io.stdout.write(lines.join('\n') + '\n');
    return 0;
  },
};
