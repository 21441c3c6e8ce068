// Merges a LoRA adapter into its base model: W' = W + scale·(alpha/r)·B·A, streamed tensor by tensor into a new GGUF.
//
// Each adapted weight is read a chunk of rows at a time, dequantized, added to, and stored in the chosen type; other
// tensors are copied byte for byte, or converted when the chosen type differs. The base is never loaded whole.
import { open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { parseOptions } from '../config/validate.js';
import { PersianLoraError, ioError } from '../errors.js';
import { dequantizeRows, ggmlTypeInfo, quantizeRows, tensorBytes } from '../gguf/quant.js';
import { encodeKv, fileRange, writeGgufStream, type StreamTensor } from '../gguf/stream-writer.js';
import { misparsedScale } from '../adapter.js';
import { readModelGguf } from '../gguf/model-file.js';
import type { GgufTensorInfo } from '../vocab/gguf-read.js';
import type { LoraPair } from './adapter-file.js';
import { readLoraAdapter } from './adapter-read.js';
import { checkAdapterFits } from './base-check.js';

/** Output types by name: ggml type number and the llama_ftype recorded as general.file_type. */
export const MERGE_TYPES = {
  f32: { ggml: 0, ftype: 0 }, f16: { ggml: 1, ftype: 1 }, bf16: { ggml: 30, ftype: 32 },
  q4_0: { ggml: 2, ftype: 2 }, q4_1: { ggml: 3, ftype: 3 }, q5_0: { ggml: 6, ftype: 8 }, q5_1: { ggml: 7, ftype: 9 },
  q8_0: { ggml: 8, ftype: 7 }, q2_k: { ggml: 10, ftype: 10 }, q3_k: { ggml: 11, ftype: 11 }, q4_k: { ggml: 12, ftype: 14 },
  q5_k: { ggml: 13, ftype: 16 }, q6_k: { ggml: 14, ftype: 18 }, iq4_nl: { ggml: 20, ftype: 25 },
} as const;
export type MergeType = keyof typeof MERGE_TYPES | 'keep';

/** llama.cpp's fallback when a row length is not a multiple of the type's block size (llama_tensor_get_type). */
const FALLBACK: Record<number, number> = { 10: 20, 11: 20, 12: 6, 13: 7, 14: 8 };
/** Values dequantized per native call. */
const CHUNK_VALUES = 1 << 22;

export const mergeSchema = z.strictObject({
  /** output storage: 'keep' = each weight's own type; 'f32' = every tensor F32; another type = every 2-D weight in
   * that type (1-D tensors stay as they are), as llama.cpp's quantizer without its per-tensor mixtures. Default 'keep'. */
  type: z.enum([...Object.keys(MERGE_TYPES) as (keyof typeof MERGE_TYPES)[], 'keep']).default('keep'),
  /** multiplier of the adapter, as llama.cpp's `--lora-scaled`. Default 1. */
  scale: z.number().finite().default(1),
  signal: z.custom<AbortSignal>((v) => v instanceof AbortSignal, 'an AbortSignal').optional(),
});
export type MergeOptions = z.input<typeof mergeSchema>;

export interface MergeResult {
  path: string;
  merged: number;
  converted: number;
  copied: number;
  /** general.file_type written (undefined: the base's was kept) */
  fileType: number | undefined;
  bytes: number;
}

/** The type a tensor is stored in by the merge. */
function outputType(t: GgufTensorInfo, type: MergeType): number {
  if (type === 'keep') return t.ggmlType;
  const want: number = MERGE_TYPES[type].ggml;
  if (type === 'f32') return want;
  if (t.ne.length < 2 || !t.name.endsWith('weight')) return t.ggmlType;
  let chosen = want;
  if (t.ne[0]! % ggmlTypeInfo(chosen).blockSize !== 0) chosen = FALLBACK[chosen] ?? MERGE_TYPES.f16.ggml;
  if (t.ne[0]! % ggmlTypeInfo(chosen).blockSize !== 0) chosen = MERGE_TYPES.f16.ggml;
  return chosen;
}

/** Adds s·B·A to rows [row0, row0 + n) of `w` (n × in values), accumulating in double precision. */
function addDelta(w: Float32Array, p: LoraPair, row0: number, n: number, s: number): void {
  const { inFeatures: inF, rank: r, a, b } = p;
  const acc = new Float64Array(inF);
  for (let i = 0; i < n; i++) {
    const o = i * inF;
    for (let j = 0; j < inF; j++) acc[j] = w[o + j]!;
    for (let k = 0; k < r; k++) {
      const c = s * b[(row0 + i) * r + k]!;
      if (c === 0) continue;
      const ak = k * inF;
      for (let j = 0; j < inF; j++) acc[j]! += c * a[ak + j]!;
    }
    for (let j = 0; j < inF; j++) w[o + j] = acc[j]!;
  }
}

/** Rows of `t` from the base, converted to `type` with the pair's delta added (when `pair` is given), in chunks. */
async function* convertRows(fh: FileHandle, start: number, t: GgufTensorInfo, type: number, pair: LoraPair | undefined, s: number): AsyncGenerator<Uint8Array> {
  const width = t.ne[0]!;
  const rows = t.ne.slice(1).reduce((x, y) => x * y, 1);
  const rowBytes = tensorBytes(t.ggmlType, [width]);
  const per = Math.max(1, Math.floor(CHUNK_VALUES / width));
  const buf = Buffer.allocUnsafe(Math.min(per, rows) * rowBytes);
  for (let row0 = 0; row0 < rows; row0 += per) {
    const n = Math.min(per, rows - row0);
    const want = n * rowBytes;
    const { bytesRead } = await fh.read(buf, 0, want, start + row0 * rowBytes);
    if (bytesRead !== want) throw new PersianLoraError('ERR_BAD_FORMAT', `${t.name}: rows ${row0}..${row0 + n - 1} are truncated`);
    const w = await dequantizeRows(t.ggmlType, buf.subarray(0, want), width);
    if (pair) addDelta(w, pair, row0, n, s);
    yield await quantizeRows(type, w, width);
  }
}

/** Writes `out`: `base` with `adapter` merged into its weights, stored as `options.type` says. */
export async function mergeAdapter(base: string, adapter: string, out: string, options: MergeOptions = {}): Promise<MergeResult> {
  const o = parseOptions(mergeSchema, options, 'mergeAdapter options');
  if (path.resolve(base) === path.resolve(out)) throw new PersianLoraError('ERR_INVALID_OPTION', `Expected an output path other than the base model but received ${out}`);
  const { meta } = readModelGguf(base);
  const scale = misparsedScale(adapter);
  if (scale) throw scale;
  const lora = readLoraAdapter(adapter);
  checkAdapterFits(lora, adapter, meta);
  const pairs = new Map(lora.pairs.map((p) => [p.target, p]));
  const fileType = o.type === 'keep' ? undefined : MERGE_TYPES[o.type].ftype;
  const quantized = o.type !== 'keep' && ggmlTypeInfo(MERGE_TYPES[o.type].ggml).isQuantized;

  let fh: FileHandle;
  try {
    fh = await open(base, 'r');
  } catch (error) {
    throw ioError(error, base, 'open base model');
  }
  try {
    const kvs: Uint8Array[] = [];
    for (const kv of meta.kv.values()) {
      if (kv.key === 'general.file_type' && fileType !== undefined) continue;
      const raw = Buffer.allocUnsafe(kv.end - kv.start);
      await fh.read(raw, 0, raw.length, kv.start);
      kvs.push(raw);
    }
    if (fileType !== undefined) kvs.push(encodeKv('general.file_type', { type: 'u32', value: fileType }));
    if (quantized && !meta.kv.has('general.quantization_version')) kvs.push(encodeKv('general.quantization_version', { type: 'u32', value: 2 }));

    const dataOffset = Number(meta.dataOffset);
    const count = { merged: 0, converted: 0, copied: 0 };
    const tensors: StreamTensor[] = meta.tensors.map((t) => {
      const from = dataOffset + Number(t.offset);
      const pair = pairs.get(t.name);
      const type = outputType(t, o.type);
      if (!pair && type === t.ggmlType) {
        count.copied++;
        const bytes = tensorBytes(t.ggmlType, t.ne);
        return { name: t.name, ne: t.ne, ggmlType: t.ggmlType, bytes, data: () => fileRange(fh, from, bytes) };
      }
      const src = ggmlTypeInfo(t.ggmlType), dst = ggmlTypeInfo(type);
      if (!src.canDequantize) throw new PersianLoraError('ERR_BAD_FORMAT', `${base}: ${t.name} is stored as ${src.name}, which cannot be read as f32`);
      if (!dst.canQuantize) throw new PersianLoraError('ERR_INVALID_OPTION', `Expected an output type that F32 rows convert to for ${t.name} but received ${dst.name} (it needs an importance matrix); choose --type`);
      if (pair) count.merged++;
      else count.converted++;
      const s = o.scale * lora.alpha / (pair?.rank ?? 1);
      return { name: t.name, ne: t.ne, ggmlType: type, bytes: tensorBytes(type, t.ne), data: () => convertRows(fh, from, t, type, pair, s) };
    });
    const { bytes } = await writeGgufStream(out, kvs, tensors, meta.alignment, o.signal);
    return { path: out, ...count, fileType, bytes };
  } finally {
    await fh.close();
  }
}
