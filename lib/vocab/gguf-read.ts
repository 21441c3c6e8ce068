// Reads the metadata of a GGUF file (header, key/value pairs, tensor infos) without loading tensor data.
import { closeSync, openSync, readSync, fstatSync } from 'node:fs';
import { PersianLoraError, ioError } from '../errors.js';
import { printable } from '../gguf/printable.js';
import { validateGguf } from '../gguf/validate.js';

/** GGUF value types, numbered as in ggml/include/gguf.h. */
export const GGUF_TYPE = {
  UINT8: 0, INT8: 1, UINT16: 2, INT16: 3, UINT32: 4, INT32: 5, FLOAT32: 6, BOOL: 7,
  STRING: 8, ARRAY: 9, UINT64: 10, INT64: 11, FLOAT64: 12,
} as const;

export type GgufScalar = number | bigint | boolean | string;
/** Arrays of numbers come back as typed arrays; arrays of strings, bools, 64-bit ints or arrays as plain arrays. */
export type GgufValue = GgufScalar | GgufArray;
export type GgufArray = string[] | boolean[] | bigint[] | GgufArray[] | Uint8Array | Int8Array | Uint16Array
  | Int16Array | Uint32Array | Int32Array | Float32Array | Float64Array;

export interface GgufKv {
  readonly key: string;
  readonly type: number;
  /** element type when `type` is ARRAY */
  readonly arrayType?: number;
  readonly value: GgufValue;
  /** absolute file offsets of the pair's first byte (its key) and one past its value: the raw bytes a writer can copy */
  readonly start: number;
  readonly end: number;
}

export interface GgufTensorInfo {
  readonly name: string;
  /** ne[0..n_dims) as in ggml (ne[0] is the contiguous dimension) */
  readonly ne: number[];
  readonly ggmlType: number;
  /** offset relative to the start of the data section */
  readonly offset: bigint;
}

export interface GgufMetadata {
  readonly file: string;
  readonly version: number;
  readonly kv: ReadonlyMap<string, GgufKv>;
  readonly tensors: readonly GgufTensorInfo[];
  readonly alignment: number;
  /** absolute file offset where tensor data starts */
  readonly dataOffset: bigint;
}

const MAX_DIMS = 4;
const CHUNK = 1 << 20;

/** Sequential little-endian reader over a file descriptor or an in-memory buffer, reading only what it needs. */
class Reader {
  private buf: Buffer = Buffer.alloc(0);
  private bufStart = 0; // absolute offset of buf[0]
  pos = 0;
  // ignoreBOM: a string may begin with U+FEFF (Llama 2's token 30143 is "\ufeff"), which is data here, not a byte-order mark
  private readonly decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

  constructor(readonly file: string, private readonly fd: number | null, readonly size: number, mem?: Uint8Array) {
    if (mem) this.buf = Buffer.from(mem.buffer, mem.byteOffset, mem.byteLength);
  }

  fail(what: string, at = this.pos): never {
    throw new PersianLoraError('ERR_BAD_FORMAT', `${this.file}: ${what} at offset ${at}`);
  }

  private ensure(n: number, what: string): Buffer {
    if (this.pos + n > this.size) this.fail(`corrupt or truncated GGUF header: expected ${n} more bytes for ${what} but the file has ${this.size} bytes`);
    const rel = this.pos - this.bufStart;
    if (rel >= 0 && rel + n <= this.buf.length) return this.buf;
    if (this.fd === null) this.fail(`internal: buffer window miss for ${what}`);
    const len = Math.min(Math.max(n, CHUNK), this.size - this.pos);
    const next = Buffer.allocUnsafe(len);
    let got = 0;
    while (got < len) {
      let r: number;
      try {
        r = readSync(this.fd, next, got, len - got, this.pos + got);
      } catch (error) {
        throw ioError(error, this.file, 'read GGUF file');
      }
      if (r === 0) this.fail(`unexpected end of file while reading ${what}`);
      got += r;
    }
    this.buf = next;
    this.bufStart = this.pos;
    return this.buf;
  }

  private at(n: number, what: string): [Buffer, number] {
    const b = this.ensure(n, what);
    const off = this.pos - this.bufStart;
    this.pos += n;
    return [b, off];
  }

  u8(what: string): number { const [b, o] = this.at(1, what); return b.readUInt8(o); }
  i8(what: string): number { const [b, o] = this.at(1, what); return b.readInt8(o); }
  u16(what: string): number { const [b, o] = this.at(2, what); return b.readUInt16LE(o); }
  i16(what: string): number { const [b, o] = this.at(2, what); return b.readInt16LE(o); }
  u32(what: string): number { const [b, o] = this.at(4, what); return b.readUInt32LE(o); }
  i32(what: string): number { const [b, o] = this.at(4, what); return b.readInt32LE(o); }
  f32(what: string): number { const [b, o] = this.at(4, what); return b.readFloatLE(o); }
  f64(what: string): number { const [b, o] = this.at(8, what); return b.readDoubleLE(o); }
  u64(what: string): bigint { const [b, o] = this.at(8, what); return b.readBigUInt64LE(o); }
  i64(what: string): bigint { const [b, o] = this.at(8, what); return b.readBigInt64LE(o); }

  /** A u64 that must fit comfortably in memory-sized counts. */
  count(what: string, limit: number): number {
    const start = this.pos;
    const v = this.u64(what);
    if (v > BigInt(limit)) this.fail(`corrupt or truncated GGUF header: ${what} ${v} exceeds the remaining file size`, start);
    return Number(v);
  }

  str(what: string): string {
    const start = this.pos;
    const n = this.count(`length of ${what}`, this.size - this.pos);
    const [b, o] = this.at(n, what);
    try {
      return this.decoder.decode(b.subarray(o, o + n));
    } catch {
      return this.fail(`${what} is not valid UTF-8`, start);
    }
  }
}

function readArray(r: Reader, what: string): { arrayType: number; value: GgufArray } {
  const typeAt = r.pos;
  const t = r.u32(`element type of ${what}`);
  // every element takes at least one byte, so a count beyond the rest of the file is corrupt
  const n = r.count(`element count of ${what}`, r.size - r.pos - 8);
  const typed = <T extends { [i: number]: number }>(arr: T, get: () => number): T => {
    for (let i = 0; i < n; i++) arr[i] = get();
    return arr;
  };
  const el = `element of ${what}`;
  switch (t) {
    case GGUF_TYPE.UINT8: return { arrayType: t, value: typed(new Uint8Array(n), () => r.u8(el)) };
    case GGUF_TYPE.INT8: return { arrayType: t, value: typed(new Int8Array(n), () => r.i8(el)) };
    case GGUF_TYPE.UINT16: return { arrayType: t, value: typed(new Uint16Array(n), () => r.u16(el)) };
    case GGUF_TYPE.INT16: return { arrayType: t, value: typed(new Int16Array(n), () => r.i16(el)) };
    case GGUF_TYPE.UINT32: return { arrayType: t, value: typed(new Uint32Array(n), () => r.u32(el)) };
    case GGUF_TYPE.INT32: return { arrayType: t, value: typed(new Int32Array(n), () => r.i32(el)) };
    case GGUF_TYPE.FLOAT32: return { arrayType: t, value: typed(new Float32Array(n), () => r.f32(el)) };
    case GGUF_TYPE.FLOAT64: return { arrayType: t, value: typed(new Float64Array(n), () => r.f64(el)) };
    case GGUF_TYPE.BOOL: return { arrayType: t, value: Array.from({ length: n }, () => r.u8(el) !== 0) };
    case GGUF_TYPE.UINT64: return { arrayType: t, value: Array.from({ length: n }, () => r.u64(el)) };
    case GGUF_TYPE.INT64: return { arrayType: t, value: Array.from({ length: n }, () => r.i64(el)) };
    case GGUF_TYPE.STRING: {
      const out = new Array<string>(n);
      for (let i = 0; i < n; i++) out[i] = r.str(el);
      return { arrayType: t, value: out };
    }
    case GGUF_TYPE.ARRAY: return { arrayType: t, value: Array.from({ length: n }, () => readArray(r, el).value) as GgufArray[] };
    default: return r.fail(`unknown array element type ${t} for ${what}`, typeAt);
  }
}

function readValue(r: Reader, type: number, what: string, typeAt: number): Omit<GgufKv, 'key' | 'type' | 'start' | 'end'> {
  switch (type) {
    case GGUF_TYPE.UINT8: return { value: r.u8(what) };
    case GGUF_TYPE.INT8: return { value: r.i8(what) };
    case GGUF_TYPE.UINT16: return { value: r.u16(what) };
    case GGUF_TYPE.INT16: return { value: r.i16(what) };
    case GGUF_TYPE.UINT32: return { value: r.u32(what) };
    case GGUF_TYPE.INT32: return { value: r.i32(what) };
    case GGUF_TYPE.FLOAT32: return { value: r.f32(what) };
    case GGUF_TYPE.FLOAT64: return { value: r.f64(what) };
    case GGUF_TYPE.BOOL: return { value: r.u8(what) !== 0 };
    case GGUF_TYPE.UINT64: return { value: r.u64(what) };
    case GGUF_TYPE.INT64: return { value: r.i64(what) };
    case GGUF_TYPE.STRING: return { value: r.str(what) };
    case GGUF_TYPE.ARRAY: return readArray(r, what);
    default: return r.fail(`unknown value type ${type} for ${what}`, typeAt);
  }
}

function parse(r: Reader, size: number): GgufMetadata {
  const magicAt = r.pos;
  if (size < 4) r.fail(`not a GGUF file: ${size} bytes, too short for the magic "GGUF"`, 0);
  const magic = r.u32('magic');
  if (magic !== 0x46554747) r.fail(`not a GGUF file: expected magic "GGUF" but found 0x${magic.toString(16).padStart(8, '0')}`, magicAt);
  const versionAt = r.pos;
  const version = r.u32('version');
  if (version < 2 || version > 3) r.fail(`unsupported GGUF version ${version} (expected 2 or 3)`, versionAt);
  const nTensors = r.count('tensor count', size);
  const nKv = r.count('key/value count', size);
  const kv = new Map<string, GgufKv>();
  for (let i = 0; i < nKv; i++) {
    const keyAt = r.pos;
    const key = r.str(`key of key/value pair ${i}`);
    const shown = `"${printable(key)}"`;
    if (kv.has(key)) r.fail(`duplicate key ${shown}`, keyAt);
    const typeAt = r.pos;
    const type = r.u32(`type of ${shown}`);
    const value = readValue(r, type, `value of ${shown}`, typeAt);
    kv.set(key, { key, type, ...value, start: keyAt, end: r.pos });
  }
  const tensors: GgufTensorInfo[] = [];
  for (let i = 0; i < nTensors; i++) {
    const name = r.str(`name of tensor ${i}`);
    const shown = `"${printable(name)}"`;
    const dimsAt = r.pos;
    const nDims = r.u32(`n_dims of tensor ${shown}`);
    if (nDims > MAX_DIMS) r.fail(`tensor ${shown} has ${nDims} dimensions (at most ${MAX_DIMS})`, dimsAt);
    const ne: number[] = [];
    for (let d = 0; d < nDims; d++) {
      const at = r.pos;
      const v = r.i64(`ne[${d}] of tensor ${shown}`);
      if (v < 0n || v > BigInt(Number.MAX_SAFE_INTEGER)) r.fail(`tensor ${shown} has invalid ne[${d}] = ${v}`, at);
      ne.push(Number(v));
    }
    const ggmlType = r.u32(`type of tensor ${shown}`);
    const offset = r.u64(`offset of tensor ${shown}`);
    tensors.push({ name, ne, ggmlType, offset });
  }
  const alignKv = kv.get('general.alignment');
  let alignment = 32;
  if (alignKv) {
    if (alignKv.type !== GGUF_TYPE.UINT32) r.fail(`general.alignment must be uint32 but has type ${alignKv.type}`, 0);
    alignment = alignKv.value as number;
    if (alignment === 0 || (alignment & (alignment - 1)) !== 0) r.fail(`general.alignment ${alignment} is not a power of 2`, 0);
  }
  const end = r.pos;
  const dataOffset = BigInt(nTensors > 0 ? Math.ceil(end / alignment) * alignment : end);
  const meta = { file: r.file, version, kv, tensors, alignment, dataOffset };
  validateGguf(meta, size);
  return meta;
}

/**
 * Parse GGUF metadata from a file path (reads only the metadata section), checked by the validation layer
 * (lib/gguf/validate.ts) against the file's size.
 */
export function readGgufMetadata(file: string): GgufMetadata {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (err) {
    throw ioError(err, file, 'open GGUF file');
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new PersianLoraError('ERR_IO', `Cannot read GGUF file ${file}: not a regular file`);
    const size = stat.size;
    return parse(new Reader(file, fd, size), size);
  } finally {
    closeSync(fd);
  }
}

/** Parse GGUF metadata from a whole file's bytes already in memory, checked as readGgufMetadata; `name` is used in error messages. */
export function parseGgufMetadata(bytes: Uint8Array, name = '<buffer>'): GgufMetadata {
  return parse(new Reader(name, null, bytes.byteLength, bytes), bytes.byteLength);
}
