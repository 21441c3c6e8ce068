// Training sizes checked against the base model and the data before anything is allocated: the LoRA rank against the
// model's width, and the micro-batches one optimizer step reads against the whole run's. (Sequences against the context: checkSeqLen,
// before the data is read; memory: lib/train/memory-plan.ts.) Messages give the figures.
import { PersianLoraError } from '../errors.js';
import { readModelGguf } from './model-file.js';

export interface TrainSizes {
  rank: number;
  batch: number;
  gradAccum: number;
  epochs: number;
  /** training sequences (examples) the data gave */
  sequences: number;
  /** with maxSteps the run passes over the data as often as its steps need, so only MAX_GRAD_ACCUM bounds gradAccum */
  maxSteps?: number | undefined;
}

/** Micro-batches one optimizer step may read when maxSteps sets the run's length. */
export const MAX_GRAD_ACCUM = 65536;

/** Throws ERR_INVALID_OPTION when sequences of `seqLen` tokens do not fit `base`'s training context. */
export function checkSeqLen(base: string, seqLen: number): void {
  const context = readModelGguf(base).hyperParameters.contextLength;
  if (context !== undefined && seqLen > context) {
    throw new PersianLoraError('ERR_INVALID_OPTION', `seqLen (--seq-len) ${seqLen} exceeds the model's context length ${context}`);
  }
}

/** Throws ERR_INVALID_OPTION with the figures when these sizes cannot train on `base`. */
export function checkTrainSizes(base: string, s: TrainSizes): void {
  const { hyperParameters: hp } = readModelGguf(base);
  const width = hp.embeddingLength;
  if (width !== undefined && s.rank > width) {
    throw new PersianLoraError('ERR_INVALID_OPTION', `rank (--rank) ${s.rank} exceeds the width ${width} of ${base} (${hp.architecture}.embedding_length): a LoRA rank above it adds nothing`);
  }
  if (s.maxSteps !== undefined) {
    if (s.gradAccum > MAX_GRAD_ACCUM) throw new PersianLoraError('ERR_INVALID_OPTION', `gradAccum (--grad-accum) ${s.gradAccum} exceeds ${MAX_GRAD_ACCUM} micro-batches per optimizer step`);
    return;
  }
  const microBatches = Math.ceil(s.sequences / s.batch) * s.epochs;
  if (s.gradAccum > microBatches) {
    throw new PersianLoraError('ERR_INVALID_OPTION', `gradAccum (--grad-accum) ${s.gradAccum} exceeds the ${microBatches} micro-batches of the whole run (${s.sequences} training sequences in batches of ${s.batch} (--batch) × ${s.epochs} epoch(s)): one optimizer step would read more than the run; lower gradAccum`);
  }
}
