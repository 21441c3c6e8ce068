// Writes a GGUF file whose tensor data streams from other files or generators (never the whole model in memory).
import type { FileHandle } from 'node:fs/promises';
import { writeFileAtomically } from '../atomic-file.js';
import { PersianLoraError } from '../errors.js';
import { GGUF_TYPE } from '../vocab/gguf-read.js';

/** Little-endian byte builder for GGUF header parts. */
export class GgufBytes {
  private readonly parts: Buffer[] = [];
  size = 0;
  push(b: Uint8Array): this { const buf = Buffer.from(b.buffer, b.byteOffset, b.byteLength); this.parts.push(buf); this.size += buf.length; return this; }
  u32(v: number): this { const b = Buffer.alloc(4); b.writeUInt32LE(v); return this.push(b); }
  i32(v: number): this { const b = Buffer.alloc(4); b.writeInt32LE(v); return this.push(b); }
  u64(v: number | bigint): this { const b = Buffer.alloc(8); b.writeBigUInt64LE(BigInt(v)); return this.push(b); }
  i64(v: number | bigint): this { const b = Buffer.alloc(8); b.writeBigInt64LE(BigInt(v)); return this.push(b); }
  f32(v: number): this { const b = Buffer.alloc(4); b.writeFloatLE(v); return this.push(b); }
  str(s: string): this { const b = Buffer.from(s, 'utf8'); return this.u64(b.length).push(b); }
  bytes(): Buffer { return Buffer.concat(this.parts, this.size); }
}

/** A replaced or added key/value pair, encoded with its type. Only the types a vocabulary rewrite needs. */
export type GgufKvValue =
  | { type: 'u32' | 'i32' | 'u64' | 'i64'; value: number | bigint }
  | { type: 'string[]'; value: readonly string[] }
  | { type: 'f32[]'; value: ArrayLike<number> }
  | { type: 'i32[]'; value: ArrayLike<number> };

export function encodeKv(key: string, v: GgufKvValue): Buffer {
  const b = new GgufBytes().str(key);
  switch (v.type) {
    case 'u32': b.u32(GGUF_TYPE.UINT32).u32(Number(v.value)); break;
    case 'i32': b.u32(GGUF_TYPE.INT32).i32(Number(v.value)); break;
    case 'u64': b.u32(GGUF_TYPE.UINT64).u64(v.value); break;
    case 'i64': b.u32(GGUF_TYPE.INT64).i64(v.value); break;
    case 'string[]': b.u32(GGUF_TYPE.ARRAY).u32(GGUF_TYPE.STRING).u64(v.value.length); for (const s of v.value) b.str(s); break;
    case 'f32[]': {
      const a = Float32Array.from(v.value);
      b.u32(GGUF_TYPE.ARRAY).u32(GGUF_TYPE.FLOAT32).u64(a.length).push(new Uint8Array(a.buffer, 0, a.byteLength));
      break;
    }
    case 'i32[]': {
      const a = Int32Array.from(v.value);
      b.u32(GGUF_TYPE.ARRAY).u32(GGUF_TYPE.INT32).u64(a.length).push(new Uint8Array(a.buffer, 0, a.byteLength));
      break;
    }
  }
  return b.bytes();
}

/** One tensor of the output: its info, then its data as byte chunks (exactly `bytes` of them, in order). */
export interface StreamTensor {
  name: string;
  ne: readonly number[];
  ggmlType: number;
  bytes: number;
  data: () => AsyncIterable<Uint8Array>;
}

const COPY_CHUNK = 8 << 20;

/** Bytes [offset, offset + length) of an open file, in chunks of at most 8 MiB (the chunk buffer is reused). */
export async function* fileRange(fh: FileHandle, offset: number, length: number): AsyncGenerator<Uint8Array> {
  const buf = Buffer.allocUnsafe(Math.min(COPY_CHUNK, Math.max(1, length)));
  let done = 0;
  while (done < length) {
    const want = Math.min(buf.length, length - done);
    const { bytesRead } = await fh.read(buf, 0, want, offset + done);
    if (bytesRead === 0) throw new PersianLoraError('ERR_BAD_FORMAT', `Unexpected end of file at offset ${offset + done} while copying ${length} bytes from offset ${offset}`);
    yield buf.subarray(0, bytesRead);
    done += bytesRead;
  }
}

const padTo = (n: number, alignment: number): number => (alignment - (n % alignment)) % alignment;

/**
 * Writes GGUF v3 to `path` atomically (temp file + rename): `kvs` are encoded key/value pairs (see encodeKv, or raw
 * bytes copied from another GGUF), tensors are laid out in order, each at an offset aligned to `alignment`.
 */
export async function writeGgufStream(path: string, kvs: readonly Uint8Array[], tensors: readonly StreamTensor[], alignment: number,
  signal?: AbortSignal): Promise<{ bytes: number }> {
  if (!Number.isInteger(alignment) || alignment < 1 || (alignment & (alignment - 1)) !== 0) {
    throw new PersianLoraError('ERR_INVALID_OPTION', `Expected a power of two for the GGUF alignment but received ${alignment}`);
  }
  const head = new GgufBytes().push(Buffer.from('GGUF', 'ascii')).u32(3).u64(tensors.length).u64(kvs.length);
  for (const kv of kvs) head.push(kv);
  let offset = 0;
  for (const t of tensors) {
    head.str(t.name).u32(t.ne.length);
    for (const d of t.ne) head.i64(d);
    head.u32(t.ggmlType).u64(offset);
    offset += t.bytes + padTo(t.bytes, alignment);
  }
  if (tensors.length > 0) head.push(Buffer.alloc(padTo(head.size, alignment)));
  let total = 0;
  await writeFileAtomically(path, async (fh) => {
    const write = async (b: Uint8Array): Promise<void> => {
      let done = 0;
      while (done < b.byteLength) done += (await fh.write(b, done, b.byteLength - done)).bytesWritten;
      total += b.byteLength;
    };
    await write(head.bytes());
    for (const t of tensors) {
      let got = 0;
      for await (const chunk of t.data()) {
        signal?.throwIfAborted();
        got += chunk.byteLength;
        if (got > t.bytes) break;
        await write(chunk);
      }
      if (got !== t.bytes) {
        throw new PersianLoraError('ERR_NATIVE', `GGUF tensor ${t.name}: expected ${t.bytes} bytes of data but its source gave ${got}`);
      }
      const p = padTo(t.bytes, alignment);
      if (p > 0) await write(Buffer.alloc(p));
    }
  });
  return { bytes: total };
}
