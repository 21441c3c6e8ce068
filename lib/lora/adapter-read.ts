// Reads a llama.cpp LoRA adapter GGUF (<weight>.lora_a / .lora_b pairs, F32 or F16) back into LoRA pairs, and checks
// an adapter's values before llama.cpp loads it: NaN or infinite values are refused, in quantized tensors too.
import { closeSync, openSync, readSync } from 'node:fs';
import { PersianLoraError, ioError } from '../errors.js';
import { printable } from '../gguf/printable.js';
import { dequantizeRows, ggmlTypeInfo, tensorBytes } from '../gguf/quant.js';
import { readGgufMetadata, type GgufMetadata, type GgufTensorInfo } from '../vocab/gguf-read.js';
import type { LoraAdapterFile, LoraPair } from './adapter-file.js';
import { decode16 } from './float16.js';

export interface LoraAdapter extends LoraAdapterFile {
  /** The rank shared by every pair; undefined when pairs differ in rank (llama.cpp allows it). */
  rank: number | undefined;
}

const GGML_F32 = 0;
const GGML_F16 = 1;
const GGML_BF16 = 30;

const isFloat = (t: GgufTensorInfo) => t.ggmlType === GGML_F32 || t.ggmlType === GGML_F16 || t.ggmlType === GGML_BF16;

/** The stored bytes of a tensor. */
function tensorRaw(fd: number, file: string, dataOffset: bigint, t: GgufTensorInfo, size: number): Buffer {
  const buf = Buffer.alloc(size);
  let got: number;
  try {
    got = readSync(fd, buf, 0, buf.length, Number(dataOffset + t.offset));
  } catch (error) {
    throw ioError(error, file, 'read adapter');
  }
  if (got !== buf.length) throw new PersianLoraError('ERR_BAD_FORMAT', `${file}: tensor ${printable(t.name)} is truncated (${got} of ${buf.length} bytes)`);
  return buf;
}

/** ERR_ADAPTER naming the first NaN or infinite value of a tensor. */
function checkFinite(file: string, t: GgufTensorInfo, values: Float32Array): Float32Array {
  const bad = values.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new PersianLoraError('ERR_ADAPTER', `${file}: tensor ${printable(t.name)} holds ${values[bad]} at index ${bad} of ${values.length}; an adapter must hold finite numbers`);
  return values;
}

/** The values of an F32, F16 or BF16 tensor; ERR_ADAPTER when one is NaN or infinite. */
function tensorData(fd: number, file: string, dataOffset: bigint, t: GgufTensorInfo): Float32Array {
  const n = t.ne.reduce((a, b) => a * b, 1);
  if (!isFloat(t)) throw new PersianLoraError('ERR_ADAPTER', `${file}: tensor ${printable(t.name)} has ggml type ${t.ggmlType}; expected F32, F16 or BF16`);
  const width = t.ggmlType === GGML_F32 ? 4 : 2;
  const buf = tensorRaw(fd, file, dataOffset, t, n * width);
  return checkFinite(file, t, width === 4 ? new Float32Array(buf.buffer, buf.byteOffset, n) : decode16(buf, n, t.ggmlType === GGML_BF16));
}

/** The dequantized values of a quantized tensor (NaN and infinities come from its blocks' F16 scales). */
async function quantizedData(fd: number, file: string, dataOffset: bigint, t: GgufTensorInfo): Promise<Float32Array> {
  const info = ggmlTypeInfo(t.ggmlType);
  if (!info.canDequantize) throw new PersianLoraError('ERR_ADAPTER', `${file}: tensor ${printable(t.name)} has ggml type ${info.name}, which ggml cannot read back`);
  const raw = tensorRaw(fd, file, dataOffset, t, tensorBytes(t.ggmlType, t.ne));
  return checkFinite(file, t, await dequantizeRows(t.ggmlType, raw, t.ne[0]!));
}

function openAdapter(file: string): number {
  try {
    return openSync(file, 'r');
  } catch (error) {
    throw ioError(error, file, 'open adapter');
  }
}

function withFile<T>(file: string, read: (fd: number) => T): T {
  const fd = openAdapter(file);
  try {
    return read(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Checks an adapter GGUF before llama.cpp loads it: the metadata as every read does (adapter.lora.alpha finite among
 * them), and every tensor for NaN and infinities (quantized ones dequantized through the addon).
 */
export async function checkAdapterValues(file: string): Promise<GgufMetadata> {
  const meta = readGgufMetadata(file);
  const fd = openAdapter(file);  // not withFile: the reads below are awaited before the file closes
  try {
    for (const t of meta.tensors) {
      if (isFloat(t)) tensorData(fd, file, meta.dataOffset, t);
      else await quantizedData(fd, file, meta.dataOffset, t);
    }
  } finally {
    closeSync(fd);
  }
  return meta;
}

/** Reads every pair of a LoRA adapter GGUF; A and B come back in PEFT's layout ([r, in] and [out, r], row-major). */
export function readLoraAdapter(file: string): LoraAdapter {
  const meta = readGgufMetadata(file);
  const str = (key: string): string | undefined => {
    const v = meta.kv.get(key)?.value;
    return typeof v === 'string' ? v : undefined;
  };
  const shown = (key: string) => { const v = str(key); return v === undefined ? 'undefined' : `"${printable(v)}"`; };
  if (str('general.type') !== 'adapter' || str('adapter.type') !== 'lora') {
    throw new PersianLoraError('ERR_ADAPTER', `${file}: not a LoRA adapter (expected general.type "adapter" and adapter.type "lora" but found ${shown('general.type')} and ${shown('adapter.type')})`);
  }
  const architecture = str('general.architecture');
  if (!architecture) throw new PersianLoraError('ERR_ADAPTER', `${file}: general.architecture is missing`);
  const alpha = meta.kv.get('adapter.lora.alpha')?.value;
  if (typeof alpha !== 'number' || !Number.isFinite(alpha)) throw new PersianLoraError('ERR_ADAPTER', `${file}: expected a number for adapter.lora.alpha but found ${String(alpha)}`);
  const byName = new Map(meta.tensors.map((t) => [t.name, t]));
  const pairs: LoraPair[] = [];
  withFile(file, (fd) => {
    for (const a of meta.tensors) {
      if (!a.name.endsWith('.lora_a')) {
        if (!a.name.endsWith('.lora_b')) throw new PersianLoraError('ERR_ADAPTER', `${file}: tensor ${printable(a.name)} is neither a .lora_a nor a .lora_b tensor`);
        if (!byName.has(a.name.slice(0, -7) + '.lora_a')) throw new PersianLoraError('ERR_ADAPTER', `${file}: ${printable(a.name)} has no matching .lora_a tensor`);
        continue;
      }
      const target = a.name.slice(0, -7);
      const b = byName.get(`${target}.lora_b`);
      if (!b) throw new PersianLoraError('ERR_ADAPTER', `${file}: ${printable(a.name)} has no matching .lora_b tensor`);
      if (target.endsWith('token_embd.weight')) {
        throw new PersianLoraError('ERR_ADAPTER', `${file}: LoRA on token_embd (transposed A) is not supported here`);
      }
      if (a.ne.length !== 2 || b.ne.length !== 2 || a.ne[1] !== b.ne[0]) {
        throw new PersianLoraError('ERR_ADAPTER', `${file}: ${printable(target)}: expected lora_a ne [in, r] and lora_b ne [r, out] but found [${a.ne.join(', ')}] and [${b.ne.join(', ')}]`);
      }
      const [inFeatures, rank] = a.ne as [number, number];
      pairs.push({ target, rank, inFeatures, outFeatures: b.ne[1]!, a: tensorData(fd, file, meta.dataOffset, a), b: tensorData(fd, file, meta.dataOffset, b) });
    }
  });
  const ranks = new Set(pairs.map((p) => p.rank));
  const name = str('general.name');
  return { architecture, alpha, pairs, rank: ranks.size === 1 ? pairs[0]!.rank : undefined, ...(name ? { name } : {}) };
}
