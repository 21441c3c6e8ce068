// `persian-lora demo`: the built-in default job — build a tiny model with a real vocabulary, inspect it, generate from it.
import os from 'node:os';
import path from 'node:path';
import { mkdirSync } from 'node:fs';
import { parseCommandArgs, UsageError, type Command } from '../command.js';
import { createTinyModel } from '../../tiny-model.js';
import { inspectModel } from '../../inspect.js';
import { loadModel } from '../../model.js';
import { formatCount } from '../format.js';

export const demoCommand: Command = {
  name: 'demo',
  summary: 'Run the built-in default job: build a tiny model and generate from it',
  usage: `Usage: persian-lora demo [--dir DIR]

Builds a tiny random-weight llama model with Llama 2's real vocabulary (Q8_0), shows what it holds, and streams
a short greedy generation for a Persian prompt. The weights are random, so the text is noise: the demo shows the
whole path (GGUF writing, quantization, loading, tokenization, decoding) works on this machine.

Options:
      --dir <dir>  where to write the model (default: a folder in the system temp dir)
  -h, --help       show this help`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, { dir: { type: 'string' } });
    if (positionals.length > 0) throw new UsageError(`Unexpected argument ${JSON.stringify(positionals[0])}`);
    const dir = (values.dir as string | undefined) ?? path.join(os.tmpdir(), 'persian-lora-demo');
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'tiny-llama-spm-q8_0.gguf');
    const made = await createTinyModel({ out: file, vocab: 'llama-spm', layers: 2, dim: 64, heads: 4, quant: 'q8_0' });
    io.stdout.write(`1. wrote ${made.path} (${formatCount(made.parameters)} parameters, Q8_0)\n`);
    const s = await inspectModel(file);
    io.stdout.write(`2. ${s.architecture}, ${s.layers} layers, vocabulary ${s.vocabulary.size} (${s.vocabulary.type}), ${s.quantization.map((q) => `${q.type} ${(q.share * 100).toFixed(0)}%`).join(', ')}\n`);
    const model = await loadModel(file, { signal: io.signal });
    try {
      const prompt = 'سلام! حال شما چطور است؟';
      const tokens = model.tokenize(prompt);
      io.stdout.write(`3. "${prompt}" is ${tokens.length} tokens: ${Array.from(tokens).join(' ')}\n4. greedy generation: `);
      const ctx = await model.createContext({ contextSize: 256 });
      try {
        for await (const chunk of ctx.generate(prompt, { maxTokens: 24, repeatPenalty: 1.1, signal: io.signal })) io.stdout.write(chunk.text);
      } finally {
        ctx.dispose();
      }
      io.stdout.write('\n');
    } finally {
      model.dispose();
    }
    return 0;
  },
};
