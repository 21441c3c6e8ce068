// A context's KV cache checked against the machine's memory before llama.cpp allocates it, with the figures.
import os from 'node:os';
import { PersianLoraError } from '../errors.js';
import type { HyperParameters } from './hparams.js';

const MIB = 1024 ** 2;
const size = (bytes: number) => (bytes < 1024 * MIB ? `${Math.ceil(bytes / MIB)} MiB` : `${(bytes / (1024 * MIB)).toFixed(1)} GiB`);

/** Bytes of the KV cache of `contextSize` tokens: K and V rows of every layer's KV heads. */
export function kvCacheBytes(hp: HyperParameters, contextSize: number, kvCacheType: 'f16' | 'f32'): number {
  const kvHeads = hp.kvHeads ?? [];
  const perToken = kvHeads.reduce((sum, h) => sum + h * ((hp.headSizeK ?? 0) + (hp.headSizeV ?? 0)), 0);
  return contextSize * perToken * (kvCacheType === 'f32' ? 4 : 2);
}

/** Throws ERR_OUT_OF_MEMORY when the KV cache alone would not fit in the machine's memory. */
export function checkContextMemory(model: string, hp: HyperParameters, contextSize: number, kvCacheType: 'f16' | 'f32', memoryBytes = os.totalmem()): void {
  const bytes = kvCacheBytes(hp, contextSize, kvCacheType);
  if (bytes > memoryBytes) {
    throw new PersianLoraError('ERR_OUT_OF_MEMORY', `contextSize ${contextSize} needs a ${kvCacheType} KV cache of ${size(bytes)} for ${model} (${hp.blockCount} layers) but this machine has ${size(memoryBytes)}: lower contextSize`);
  }
}
