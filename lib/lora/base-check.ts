// Checks that a LoRA adapter fits a base model GGUF (architecture, targets, shapes) and reads the base's head counts.
import { PersianLoraError } from '../errors.js';
import type { GgufMetadata } from '../vocab/gguf-read.js';
import type { LoraAdapterFile } from './adapter-file.js';

export interface AttentionHeads {
  heads: number;
  kvHeads: number;
}

/** `<arch>.attention.head_count` and `.head_count_kv` (which defaults to head_count, as in llama.cpp). */
export function attentionHeads(meta: GgufMetadata): AttentionHeads {
  const arch = meta.kv.get('general.architecture')?.value;
  const num = (key: string): number | undefined => {
    const v = meta.kv.get(`${String(arch)}.${key}`)?.value;
    return typeof v === 'number' || typeof v === 'bigint' ? Number(v) : undefined;
  };
  const heads = num('attention.head_count');
  if (heads === undefined || heads < 1) throw new PersianLoraError('ERR_BAD_FORMAT', `${meta.file}: expected a positive integer for ${String(arch)}.attention.head_count but found ${String(heads)}`);
  return { heads, kvHeads: num('attention.head_count_kv') ?? heads };
}

/** Throws ERR_ADAPTER naming the first mismatch when the adapter was not made for this base. */
export function checkAdapterFits(adapter: LoraAdapterFile, adapterFile: string, meta: GgufMetadata): void {
  const arch = meta.kv.get('general.architecture')?.value;
  if (adapter.architecture !== arch) {
    throw new PersianLoraError('ERR_ADAPTER', `${adapterFile}: adapter for architecture ${JSON.stringify(adapter.architecture)} cannot apply to ${meta.file} (architecture ${JSON.stringify(arch)})`);
  }
  const tensors = new Map(meta.tensors.map((t) => [t.name, t]));
  for (const p of adapter.pairs) {
    const w = tensors.get(p.target);
    if (!w) throw new PersianLoraError('ERR_ADAPTER', `${adapterFile}: adapts ${p.target}, which ${meta.file} does not have`);
    if (w.ne.length !== 2 || w.ne[0] !== p.inFeatures || w.ne[1] !== p.outFeatures) {
      throw new PersianLoraError('ERR_ADAPTER', `${adapterFile}: ${p.target} is adapted as [in ${p.inFeatures}, out ${p.outFeatures}] but ${meta.file} has ne [${w.ne.join(', ')}]`);
    }
  }
}
