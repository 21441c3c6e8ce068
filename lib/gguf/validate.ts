// The GGUF validation layer every reader goes through (lib/vocab/gguf-read.ts calls validateGguf on each parse): no
// NaN or infinity in the metadata, tensor types known, tensor data laid out as llama.cpp's gguf reader requires and
// inside the file, and a model's hyper-parameters sane and consistent (lib/gguf/hparams.ts). What loads weights checks
// more with readModelGguf (lib/gguf/model-file.ts). Errors: PersianLoraError ERR_BAD_FORMAT naming the file and field.
import { PersianLoraError } from '../errors.js';
import type { GgufMetadata } from '../vocab/gguf-read.js';
import { ggmlTypeSize } from './ggml-types.js';
import { hyperParameters } from './hparams.js';
import { printable } from './printable.js';

function bad(meta: GgufMetadata, what: string): PersianLoraError {
  return new PersianLoraError('ERR_BAD_FORMAT', `${meta.file}: ${what}`);
}

/** Floats in the metadata (scalars and arrays) are finite. */
function checkFiniteValues(meta: GgufMetadata): void {
  for (const kv of meta.kv.values()) {
    const v = kv.value;
    if (typeof v === 'number' && !Number.isFinite(v)) throw bad(meta, `${printable(kv.key)} is ${v}; expected a finite number`);
    if (v instanceof Float32Array || v instanceof Float64Array) {
      const i = v.findIndex((x) => !Number.isFinite(x));
      if (i >= 0) throw bad(meta, `${printable(kv.key)}[${i}] is ${v[i]}; expected a finite number`);
    }
  }
}

/** Bytes of a tensor's data; throws when its type is unknown or its rows do not hold whole blocks. */
function tensorDataBytes(meta: GgufMetadata, t: GgufMetadata['tensors'][number]): bigint {
  const type = ggmlTypeSize(t.ggmlType);
  if (!type) throw bad(meta, `tensor ${printable(t.name)} has ggml type ${t.ggmlType}, which this ggml does not know`);
  const n0 = t.ne[0] ?? 1;
  if (n0 % type.blockSize !== 0) throw bad(meta, `tensor ${printable(t.name)} has rows of ${n0} values, not a multiple of the ${type.name} block size ${type.blockSize}`);
  const elements = t.ne.reduce((a, b) => a * BigInt(b), 1n);
  if (elements > BigInt(Number.MAX_SAFE_INTEGER)) throw bad(meta, `tensor ${printable(t.name)} has ne [${t.ne.join(', ')}]: ${elements} values, more than any file holds`);
  return (elements / BigInt(type.blockSize)) * BigInt(type.typeSize);
}

/** Tensor names unique; data packed in file order, each tensor aligned (as ggml's gguf reader requires), inside the file. */
function checkTensorLayout(meta: GgufMetadata, fileSize: number): void {
  const names = new Set<string>();
  const align = BigInt(meta.alignment);
  let next = 0n;
  let end = 0n;
  for (const t of meta.tensors) {
    if (names.has(t.name)) throw bad(meta, `tensor ${printable(t.name)} appears twice`);
    names.add(t.name);
    const bytes = tensorDataBytes(meta, t);
    if (t.offset !== next) throw bad(meta, `tensor ${printable(t.name)} has data offset ${t.offset} but the tensors before it end at ${next} (tensor data is packed in order, each aligned to ${meta.alignment} bytes)`);
    end = t.offset + bytes;
    next = ((end + align - 1n) / align) * align;
  }
  const needed = meta.dataOffset + end;
  if (meta.tensors.length > 0 && needed > BigInt(fileSize)) throw bad(meta, `truncated: its tensors need ${needed} bytes but the file has ${fileSize}`);
}

/** Checks a parsed GGUF against the size of its file; throws ERR_BAD_FORMAT naming the file and the field. */
export function validateGguf(meta: GgufMetadata, fileSize: number): void {
  checkFiniteValues(meta);
  checkTensorLayout(meta, fileSize);
  if (meta.kv.get('general.type')?.value !== 'adapter') hyperParameters(meta);
  else checkAdapterAlpha(meta);
}

/** adapter.lora.alpha, when present, a number ≥ 0 (llama.cpp reads 0 as "no alpha": scale alpha / rank = 1). */
function checkAdapterAlpha(meta: GgufMetadata): void {
  const alpha = meta.kv.get('adapter.lora.alpha')?.value;
  if (alpha !== undefined && (typeof alpha !== 'number' || alpha < 0)) throw bad(meta, `adapter.lora.alpha is ${typeof alpha === 'string' ? `"${printable(alpha)}"` : String(alpha)}; expected a number from 0`);
}
