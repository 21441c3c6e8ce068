// Writes GGUF v3 files (metadata + F32/F16 tensors) — used for LoRA adapters and test fixtures.
import { openSync, writeSync, closeSync, renameSync, fsyncSync, rmSync } from 'node:fs';
import { ioError } from '../errors.js';

export type GgufValue =
  | { type: 'string'; value: string }
  | { type: 'u32'; value: number }
  | { type: 'i32'; value: number }
  | { type: 'f32'; value: number }
  | { type: 'bool'; value: boolean }
  | { type: 'string[]'; value: string[] }
  | { type: 'f32[]'; value: ArrayLike<number> }
  | { type: 'i32[]'; value: ArrayLike<number> };

/** An F32 tensor, or one already encoded as another ggml type (`bytes` in that type's block layout). */
export type GgufTensor = {
  name: string;
  /** ggml order: ne[0] is the contiguous (row) dimension. */
  shape: number[];
} & ({ data: Float32Array } | { ggmlType: number; bytes: Uint8Array });

const tensorType = (t: GgufTensor) => ('data' in t ? GGML_TYPE_F32 : t.ggmlType);
const tensorBuffer = (t: GgufTensor) => ('data' in t ? Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength) : Buffer.from(t.bytes.buffer, t.bytes.byteOffset, t.bytes.byteLength));

const GGUF_TYPE = { u32: 4, i32: 5, f32: 6, bool: 7, string: 8, array: 9 } as const;
const GGML_TYPE_F32 = 0;
const ALIGNMENT = 32;

class ByteSink {
  chunks: Buffer[] = [];
  size = 0;
  push(b: Buffer) { this.chunks.push(b); this.size += b.length; }
  u32(v: number) { const b = Buffer.alloc(4); b.writeUInt32LE(v); this.push(b); }
  i32(v: number) { const b = Buffer.alloc(4); b.writeInt32LE(v); this.push(b); }
  u64(v: number | bigint) { const b = Buffer.alloc(8); b.writeBigUInt64LE(BigInt(v)); this.push(b); }
  f32(v: number) { const b = Buffer.alloc(4); b.writeFloatLE(v); this.push(b); }
  str(s: string) { const b = Buffer.from(s, 'utf8'); this.u64(b.length); this.push(b); }
}

function writeValue(sink: ByteSink, v: GgufValue): void {
  switch (v.type) {
    case 'string': sink.u32(GGUF_TYPE.string); sink.str(v.value); break;
    case 'u32': sink.u32(GGUF_TYPE.u32); sink.u32(v.value); break;
    case 'i32': sink.u32(GGUF_TYPE.i32); sink.i32(v.value); break;
    case 'f32': sink.u32(GGUF_TYPE.f32); sink.f32(v.value); break;
    case 'bool': sink.u32(GGUF_TYPE.bool); sink.push(Buffer.from([v.value ? 1 : 0])); break;
    case 'string[]': sink.u32(GGUF_TYPE.array); sink.u32(GGUF_TYPE.string); sink.u64(v.value.length); v.value.forEach((s) => sink.str(s)); break;
    case 'f32[]': sink.u32(GGUF_TYPE.array); sink.u32(GGUF_TYPE.f32); sink.u64(v.value.length); Array.from(v.value).forEach((x) => sink.f32(x)); break;
    case 'i32[]': sink.u32(GGUF_TYPE.array); sink.u32(GGUF_TYPE.i32); sink.u64(v.value.length); Array.from(v.value).forEach((x) => sink.i32(x)); break;
  }
}

const pad = (n: number) => (ALIGNMENT - (n % ALIGNMENT)) % ALIGNMENT;

/**
 * Writes `path` atomically (temp file + rename), so a crash never leaves a half-written file; a failed write removes the
 * temporary file and throws a PersianLoraError naming the path (ERR_NO_SPACE for a full disk, ERR_IO otherwise).
 */
export function writeGguf(path: string, metadata: Record<string, GgufValue>, tensors: GgufTensor[]): void {
  const head = new ByteSink();
  head.push(Buffer.from('GGUF', 'ascii'));
  head.u32(3);
  head.u64(tensors.length);
  head.u64(Object.keys(metadata).length);
  for (const [key, value] of Object.entries(metadata)) {
    head.str(key);
    writeValue(head, value);
  }
  let offset = 0;
  for (const t of tensors) {
    const n = t.shape.reduce((a, b) => a * b, 1);
    if ('data' in t && n !== t.data.length) throw new Error(`GGUF tensor ${t.name}: shape [${t.shape}] holds ${n} values but data has ${t.data.length}`);
    head.str(t.name);
    head.u32(t.shape.length);
    t.shape.forEach((d) => head.u64(d));
    head.u32(tensorType(t));
    head.u64(offset);
    const size = tensorBuffer(t).length;
    offset += size + pad(size);
  }
  head.push(Buffer.alloc(pad(head.size)));
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    const fd = openSync(tmp, 'w');
    try {
      for (const c of head.chunks) writeSync(fd, c);
      for (const t of tensors) {
        const bytes = tensorBuffer(t);
        writeSync(fd, bytes);
        const p = pad(bytes.length);
        if (p) writeSync(fd, Buffer.alloc(p));
      }
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (error) {
    rmSync(tmp, { force: true });
    throw ioError(error, path, 'write');
  }
}
