// The `train --data FILE` entry points, kept for lib/cli/commands/train.ts: thin wrappers over readTrainData (sources.ts).
import type { Tokenizer, TrainingExample } from '../data/tokenizer.js';
import { readTrainData } from './sources.js';

export type TrainDataFormat = 'text' | 'jsonl';

/** `.jsonl` / `.json` files are records, anything else is text. */
export function dataFormatOf(file: string, format: TrainDataFormat | 'auto'): TrainDataFormat {
  if (format !== 'auto') return format;
  return /\.jsonl?$/i.test(file) ? 'jsonl' : 'text';
}

/**
 * `text`: documents packed into seqLen blocks (lines of a text file; the `text` field of CSV/TSV/Parquet records);
 * `jsonl`: instruction records (Alpaca, prompt/response, ShareGPT, messages), loss on the responses.
 */
export async function readTrainingExamples(file: string, format: TrainDataFormat, tokenizer: Tokenizer, seqLen: number, seed: number): Promise<TrainingExample[]> {
  const spec = format === 'text' ? { kind: 'text' as const, path: file } : { kind: 'instructions' as const, path: file };
  return (await readTrainData(spec, { tokenizer, seqLen, seed })).examples;
}

/** Splits off a held-out validation part (every k-th example), reproducibly. */
export function splitValidation(examples: TrainingExample[], fraction: number): { train: TrainingExample[]; validation: TrainingExample[] } {
  if (fraction <= 0 || examples.length < 2) return { train: examples, validation: [] };
  const every = Math.max(2, Math.round(1 / fraction));
  return { train: examples.filter((_, i) => i % every !== every - 1), validation: examples.filter((_, i) => i % every === every - 1) };
}
