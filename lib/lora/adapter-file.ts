// Writes a LoRA adapter as the GGUF llama.cpp loads (general.type = adapter, <weight>.lora_a / .lora_b tensors).
import { writeGguf, type GgufTensor } from '../gguf/writer.js';
import { PersianLoraError } from '../errors.js';

export interface LoraPair {
  /** The base weight this pair adapts, e.g. `blk.3.attn_q.weight`. */
  target: string;
  rank: number;
  inFeatures: number;
  outFeatures: number;
  /** A as PEFT stores it: [rank, inFeatures], row-major (= ggml ne [inFeatures, rank]). */
  a: Float32Array;
  /** B as PEFT stores it: [outFeatures, rank], row-major (= ggml ne [rank, outFeatures]). */
  b: Float32Array;
}

export interface LoraAdapterFile {
  architecture: string;
  alpha: number;
  pairs: LoraPair[];
  name?: string;
}

/** Applied by llama.cpp as W·x + scale · (alpha / rank) · B·(A·x). */
export function writeLoraAdapter(path: string, adapter: LoraAdapterFile): void {
  const tensors: GgufTensor[] = [];
  for (const p of adapter.pairs) {
    if (p.a.length !== p.rank * p.inFeatures || p.b.length !== p.outFeatures * p.rank) {
      throw new PersianLoraError('ERR_ADAPTER', `LoRA pair ${p.target}: A must hold rank×in = ${p.rank * p.inFeatures} values and B out×rank = ${p.outFeatures * p.rank}`);
    }
    tensors.push({ name: `${p.target}.lora_a`, shape: [p.inFeatures, p.rank], data: p.a });
    tensors.push({ name: `${p.target}.lora_b`, shape: [p.rank, p.outFeatures], data: p.b });
  }
  writeGguf(path, {
    'general.architecture': { type: 'string', value: adapter.architecture },
    'general.type': { type: 'string', value: 'adapter' },
    'general.name': { type: 'string', value: adapter.name ?? 'persian-lora adapter' },
    'adapter.type': { type: 'string', value: 'lora' },
    'adapter.lora.alpha': { type: 'f32', value: adapter.alpha },
  }, tensors);
}
