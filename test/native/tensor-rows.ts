// Rows of a tensor as a GGUF file stores them, read straight from the file (for tests that check what a write left).
import { closeSync, openSync, readSync } from 'node:fs';
import { native } from '../../lib/native/addon.js';
import { readGgufMetadata } from '../../lib/vocab/gguf-read.js';

/** Bytes of tensor `name` (rows [r0, r1)) as stored in `file`, with its ggml type and width. */
export function tensorRows(file: string, name: string, r0: number, r1: number): { type: number; bytes: Uint8Array; rowBytes: number; width: number } {
  const meta = readGgufMetadata(file);
  const info = meta.tensors.find((x) => x.name === name);
  if (!info) throw new Error(`${file} has no tensor ${name}`);
  const ti = native().ggmlTypeInfo(info.ggmlType);
  const rowBytes = (info.ne[0]! / ti.blockSize) * ti.typeSize;
  const bytes = new Uint8Array((r1 - r0) * rowBytes);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, bytes, 0, bytes.length, Number(meta.dataOffset + info.offset) + r0 * rowBytes);
  } finally {
    closeSync(fd);
  }
  return { type: info.ggmlType, bytes, rowBytes, width: info.ne[0]! };
}

/** The same rows as F32 values (dequantized by ggml). */
export function tensorRowValues(file: string, name: string, r0: number, r1: number): Promise<Float32Array> {
  const { type, bytes, width } = tensorRows(file, name, r0, r1);
  return native().dequantizeRows(type, bytes, width);
}
