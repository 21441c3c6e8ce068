// Small llama-shaped adapters and base GGUFs (F32, written in TS) for the LoRA format tests.
import path from 'node:path';
import { writeLoraAdapter, type LoraAdapterFile, type LoraPair } from '../../../lib/lora/adapter-file.js';
import { writeGguf } from '../../../lib/gguf/writer.js';
import { tempDir } from '../../helpers/temp-dir.js';

const dir = tempDir('pl-lora-unit-');
export const tmp = (name: string): string => path.join(dir, name);

/** width 16, 4 heads of 4, 2 kv heads (k and v out = 8), FFN 24, 2 layers */
export const DIMS = { dim: 16, heads: 4, kvHeads: 2, ffn: 24, layers: 2 } as const;

function values(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return (s / 2 ** 32) * 2 - 1; });
}

/** [in, out] of each adapted weight */
export function shapes(): Map<string, [number, number]> {
  const { dim, kvHeads, heads, ffn, layers } = DIMS;
  const kv = (dim / heads) * kvHeads;
  const m = new Map<string, [number, number]>();
  for (let l = 0; l < layers; l++) {
    m.set(`blk.${l}.attn_q.weight`, [dim, dim]);
    m.set(`blk.${l}.attn_k.weight`, [dim, kv]);
    m.set(`blk.${l}.attn_v.weight`, [dim, kv]);
    m.set(`blk.${l}.attn_output.weight`, [dim, dim]);
    m.set(`blk.${l}.ffn_gate.weight`, [dim, ffn]);
    m.set(`blk.${l}.ffn_up.weight`, [dim, ffn]);
    m.set(`blk.${l}.ffn_down.weight`, [ffn, dim]);
  }
  return m;
}

export function makeAdapter(rank = 2, alpha = 4, only?: (target: string) => boolean): LoraAdapterFile {
  const pairs: LoraPair[] = [];
  let seed = 1;
  for (const [target, [inF, outF]] of shapes()) {
    if (only && !only(target)) continue;
    pairs.push({ target, rank, inFeatures: inF, outFeatures: outF, a: values(rank * inF, seed++), b: values(outF * rank, seed++) });
  }
  return { architecture: 'llama', alpha, pairs, name: 'unit adapter' };
}

export function writeAdapter(name: string, adapter = makeAdapter()): string {
  const file = tmp(name);
  writeLoraAdapter(file, adapter);
  return file;
}

/** A metadata-and-weights llama GGUF with the adapted weights' shapes (not a loadable model). */
export function writeBase(name: string, arch = 'llama', dim: number = DIMS.dim): string {
  const file = tmp(name);
  const tensors = [...shapes()].map(([n, [i, o]]) => ({ name: n, shape: [i === DIMS.dim ? dim : i, o], data: new Float32Array((i === DIMS.dim ? dim : i) * o) }));
  writeGguf(file, {
    'general.architecture': { type: 'string', value: arch },
    [`${arch}.attention.head_count`]: { type: 'u32', value: DIMS.heads },
    [`${arch}.attention.head_count_kv`]: { type: 'u32', value: DIMS.kvHeads },
  }, tensors);
  return file;
}
