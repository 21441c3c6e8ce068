// A context's largest buffers checked against the machine's memory before llama.cpp allocates them, with the figures:
// the KV cache, and the logits of one full batch.
import os from 'node:os';
import { PersianLoraError } from '../errors.js';
import type { HyperParameters } from './hparams.js';

const MIB = 1024 ** 2;
const size = (bytes: number) => (bytes < 1024 * MIB ? `${Math.ceil(bytes / MIB)} MiB` : `${(bytes / (1024 * MIB)).toFixed(1)} GiB`);

export interface ContextSizes {
  contextSize: number;
  batchSize: number;
  kvCacheType: 'f16' | 'f32';
}

/** Bytes of the KV cache of `contextSize` tokens: K and V rows of every layer's KV heads. */
export function kvCacheBytes(hp: HyperParameters, contextSize: number, kvCacheType: 'f16' | 'f32'): number {
  const kvHeads = hp.kvHeads ?? [];
  const perToken = kvHeads.reduce((sum, h) => sum + h * ((hp.headSizeK ?? 0) + (hp.headSizeV ?? 0)), 0);
  return contextSize * perToken * (kvCacheType === 'f32' ? 4 : 2);
}

/** Bytes of the F32 logits of one batch (llama.cpp caps the batch at the context). */
export function batchLogitsBytes(hp: HyperParameters, c: ContextSizes): number {
  return Math.min(c.batchSize, c.contextSize) * (hp.vocabularySize ?? 0) * 4;
}

/** Throws ERR_OUT_OF_MEMORY when the KV cache and one batch's logits would not fit in the machine's memory. */
export function checkContextMemory(model: string, hp: HyperParameters, c: ContextSizes, memoryBytes = os.totalmem()): void {
  const kv = kvCacheBytes(hp, c.contextSize, c.kvCacheType);
  const logits = batchLogitsBytes(hp, c);
  if (kv + logits > memoryBytes) {
    throw new PersianLoraError('ERR_OUT_OF_MEMORY', `contextSize ${c.contextSize} and batchSize ${c.batchSize} need ${size(kv + logits)} for ${model} (a ${c.kvCacheType} KV cache of ${size(kv)} over ${hp.blockCount} layers, logits of ${size(logits)} for ${hp.vocabularySize} tokens) but this machine has ${size(memoryBytes)}: lower contextSize or batchSize`);
  }
}
