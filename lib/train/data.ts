// Reads a training file into examples: plain text (packed language-model blocks) or JSONL prompt/response records (loss on the response).
import { readText } from '../data/loaders/text.js';
import { readJson } from '../data/loaders/json.js';
import { packDocuments } from '../data/formats/lm.js';
import { instructionExamples } from '../data/formats/instruction.js';
import type { Tokenizer, TrainingExample } from '../data/tokenizer.js';
import { PersianLoraError } from '../errors.js';

export type TrainDataFormat = 'text' | 'jsonl';

/** `.jsonl` / `.json` files are records, anything else is text. */
export function dataFormatOf(file: string, format: TrainDataFormat | 'auto'): TrainDataFormat {
  if (format !== 'auto') return format;
  return /\.jsonl?$/i.test(file) ? 'jsonl' : 'text';
}

export async function readTrainingExamples(file: string, format: TrainDataFormat, tokenizer: Tokenizer, seqLen: number, seed: number): Promise<TrainingExample[]> {
  const out: TrainingExample[] = [];
  if (format === 'text') {
    const docs = readText(file, { unit: 'line' });
    const texts = (async function* () { for await (const r of docs) yield r.text; })();
    for await (const e of packDocuments(texts, tokenizer, { blockSize: seqLen, remainder: 'pad', seed })) out.push(e);
  } else {
    const stream = instructionExamples(readJson(file, { format: 'auto' }), tokenizer, { maxLength: seqLen, overflow: 'skip' });
    for await (const e of stream) out.push(e);
    if (stream.stats.skipped > 0 && out.length === 0) {
      throw new PersianLoraError('ERR_DATA', `${file}: every record is longer than the sequence length ${seqLen} tokens`);
    }
  }
  if (out.length === 0) throw new PersianLoraError('ERR_DATA', `${file} holds no training examples (empty file?)`);
  return out;
}

/** Splits off a held-out validation part (every k-th example), reproducibly. */
export function splitValidation(examples: TrainingExample[], fraction: number): { train: TrainingExample[]; validation: TrainingExample[] } {
  if (fraction <= 0 || examples.length < 2) return { train: examples, validation: [] };
  const every = Math.max(2, Math.round(1 / fraction));
  return { train: examples.filter((_, i) => i % every !== every - 1), validation: examples.filter((_, i) => i % every === every - 1) };
}
