// Row conversion between F32 and ggml tensor types (quantized included), and tensor byte sizes, through the addon.
import { PersianLoraError, fromNativeError, invalidOption } from '../errors.js';
import { native, type NativeGgmlTypeInfo } from '../native/addon.js';

export type GgmlTypeInfo = NativeGgmlTypeInfo;

/** ggml type numbers used by name in this package (enum ggml_type). */
export const GGML_TYPE = { F32: 0, F16: 1, Q4_0: 2, Q8_0: 8, Q4_K: 12, Q6_K: 14, BF16: 30 } as const;

function call<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    throw fromNativeError(error);
  }
}

/** Traits of a ggml type: name, block size and bytes, and which conversions it supports. */
export function ggmlTypeInfo(type: number): GgmlTypeInfo {
  if (!Number.isInteger(type) || type < 0) throw invalidOption('a ggml type number', 'ggmlTypeInfo type', type);
  return call(() => native().ggmlTypeInfo(type));
}

/** Bytes of a tensor of `type` with dimensions `ne` (ne[0] contiguous, a multiple of the block size). */
export function tensorBytes(type: number, ne: readonly number[]): number {
  const t = ggmlTypeInfo(type);
  const n0 = ne[0] ?? 1;
  if (n0 % t.blockSize !== 0) {
    throw new PersianLoraError('ERR_BAD_FORMAT', `Expected a row length that is a multiple of the ${t.name} block size ${t.blockSize} but received ${n0}`);
  }
  return (n0 / t.blockSize) * t.typeSize * ne.slice(1).reduce((a, b) => a * b, 1);
}

/** F32 values of whole rows of `rowLength` elements stored as `type`. */
export async function dequantizeRows(type: number, data: Uint8Array, rowLength: number): Promise<Float32Array> {
  if (!(data instanceof Uint8Array)) throw invalidOption('a Uint8Array', 'dequantizeRows data', data);
  if (!Number.isInteger(rowLength) || rowLength < 1) throw invalidOption('a positive integer', 'dequantizeRows rowLength', rowLength);
  try {
    return await call(() => native().dequantizeRows(type, data, rowLength));
  } catch (error) {
    throw fromNativeError(error);
  }
}

/** Whole rows of `rowLength` F32 values stored as `type` (each row quantized on its own, as llama.cpp's quantizer does). */
export async function quantizeRows(type: number, data: Float32Array, rowLength: number): Promise<Uint8Array> {
  if (!(data instanceof Float32Array)) throw invalidOption('a Float32Array', 'quantizeRows data', data);
  if (!Number.isInteger(rowLength) || rowLength < 1) throw invalidOption('a positive integer', 'quantizeRows rowLength', rowLength);
  try {
    return await call(() => native().quantizeRows(type, data, rowLength));
  } catch (error) {
    throw fromNativeError(error);
  }
}
