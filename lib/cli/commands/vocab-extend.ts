// `persian-lora vocab extend`: learns Persian pieces on a corpus and writes the model with its vocabulary extended.
import { flagOption, noPositionals, numberOption, parseCommandArgs, requiredOption, sharedOptions, stringOption, UsageError, type Command } from '../command.js';
import { extendGguf } from '../../vocab/extend-gguf.js';

export const vocabExtendCommand: Command = {
  name: 'vocab extend',
  summary: 'Add new tokenizer pieces learned on a corpus to a GGUF model (token_embd and output grow)',
  usage: `Usage: persian-lora vocab extend --base <model.gguf> --corpus <fa.txt> --new-pieces <n> --out <model-fa.gguf> [options]

Learns up to <n> new pieces on the corpus (SentencePiece-style merges for "llama" vocabularies, BPE merges for "gpt2"
ones), appends them to the vocabulary (tokens, scores, token types, merges) and writes a new GGUF in which token_embd
and output have a row per new token, starting at the base vocabulary size (recorded in the file as
persian_lora.vocab.first_new_id, where training of the new rows only begins); each new row is the mean of the rows of
the base tokens the new token's text splits into, stored in the tensor's own type. Every other tensor is copied as it
is. The output is written to a temporary file and renamed when complete.

Options:
      --base <file>         base model GGUF (required)
      --corpus <file>       training text, a document per line (required)
      --new-pieces <n>      pieces (SPM) or merges (BPE) to learn, e.g. 16000 (required)
      --min-count <n>       least corpus occurrences of a merge (default 2)
      --normalize           run the corpus through the Persian normaliser first
      --held-out <file>     text to report tokens per word on, before and after
  -o, --out <file>          output GGUF (required)
  -h, --help                show this help`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, {
      base: { type: 'string' }, corpus: { type: 'string' }, 'new-pieces': { type: 'string' }, 'min-count': { type: 'string' },
      normalize: { type: 'boolean' }, 'held-out': { type: 'string' }, out: sharedOptions.out,
    });
    noPositionals(positionals);
    const [base, corpus, out] = (['base', 'corpus', 'out'] as const).map((name) => requiredOption(values, name, 'a file path'));
    const newPieces = numberOption(stringOption(values, 'new-pieces'), 'new-pieces', { integer: true, min: 1, max: 1_000_000 });
    if (newPieces === undefined) throw new UsageError('Expected an integer for --new-pieces but received nothing');
    const minCount = numberOption(stringOption(values, 'min-count'), 'min-count', { integer: true, min: 1 });
    const heldOut = stringOption(values, 'held-out');
    const started = performance.now();
    const { plan, written } = await extendGguf({
      base: base!, corpus: corpus!, out: out!, newPieces,
      ...(minCount === undefined ? {} : { minCount }), normalize: flagOption(values, 'normalize'),
      ...(heldOut === undefined ? {} : { heldOut }), signal: io.signal,
    });
    const grown = written.grownTensors.map((t) => `${t.name} (${t.type})`).join(', ') || 'none (vocabulary-only file)';
    io.stdout.write([
      `wrote ${written.path}: ${written.newTokens} new tokens, ids ${written.firstNewId}..${written.firstNewId + written.newTokens - 1}`,
      `grown: ${grown}; ${written.copiedTensors} tensors copied unchanged`,
      ...(plan.fertility ? [`held-out tokens/word: ${plan.fertility.before.tokensPerWord.toFixed(3)} -> ${plan.fertility.after.tokensPerWord.toFixed(3)}`] : []),
      `learning ${plan.trainSeconds.toFixed(1)} s, total ${((performance.now() - started) / 1000).toFixed(1)} s`,
    ].join('\n') + '\n');
    return 0;
  },
};
