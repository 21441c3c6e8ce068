// `persian-lora vocab stats -m model.gguf --text file.txt`: fertility, characters per token, byte-fallback and unknown rates.
import { choiceOption, flagOption, noPositionals, parseCommandArgs, requiredOption, sharedOptions, type Command } from '../command.js';
import { readLines } from '../../data/loaders/text.js';
import { vocabStats } from '../../vocab/stats.js';

async function* nonEmptyLines(file: string): AsyncGenerator<string> {
  for await (const { text } of readLines(file)) if (text.trim() !== '') yield text;
}

const pct = (x: number): string => `${(x * 100).toFixed(2)}%`;

export const vocabStatsCommand: Command = {
  name: 'vocab stats',
  summary: 'Tokens per word, characters per token, byte-fallback and unknown rates of a GGUF vocabulary, per language',
  usage: `Usage: persian-lora vocab stats -m <model.gguf> --text <file.txt> [--lang fa|en|auto] [--json]

Tokenizes every non-empty line of the text file with the model's own (llama.cpp) tokenizer, without BOS, and reports
per language: fertility (tokens per whitespace-separated word), characters per token, and the share of byte-fallback
tokens (GGUF token type BYTE, <0xXX>) and of the unknown token. Only the vocabulary is loaded, not the weights.

Options:
  -m, --model <file>  GGUF model or vocabulary file (required)
      --text <file>   UTF-8 text, a document per line (required)
      --lang <code>   language of every line: fa, en, or auto (Arabic-script share of the letters; default auto)
      --json          print the statistics as JSON
  -h, --help          show this help`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, {
      model: sharedOptions.model, text: { type: 'string' }, lang: { type: 'string' }, json: { type: 'boolean' },
    });
    noPositionals(positionals);
    const model = requiredOption(values, 'model', 'a GGUF model path');
    const text = requiredOption(values, 'text', 'a text file');
    const lang = choiceOption(values, 'lang', ['fa', 'en', 'auto'] as const) ?? 'auto';
    const stats = await vocabStats(model, nonEmptyLines(text), { language: lang });
    if (flagOption(values, 'json')) {
      io.stdout.write(JSON.stringify(stats, null, 2) + '\n');
      return 0;
    }
    const rows = [['language', 'texts', 'words', 'tokens', 'tokens/word', 'chars/token', 'byte fallback', 'unknown']];
    for (const [language, s] of Object.entries(stats)) {
      rows.push([language, String(s.texts), String(s.words), String(s.tokens), s.fertility.toFixed(3), s.charsPerToken.toFixed(3), pct(s.byteFallbackRate), pct(s.unknownRate)]);
    }
    if (rows.length === 1) {
      io.stdout.write(`no non-empty lines in ${text}\n`);
      return 0;
    }
    const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
    io.stdout.write(rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ')).join('\n') + '\n');
    return 0;
  },
};
