// Seeded mutations of valid files: truncation, byte flips, and crafted GGUF header fields (hyper-parameters, counts,
// lengths, tensor shapes, types and offsets), located with a minimal GGUF header walk.

/** The project's seeded generator (mulberry32), so every case is the same on every run. */
export { seededRandom as random } from '../../lib/eval/metrics/bootstrap.js';

export interface Mutation {
  /** What was done, to name the case. */
  name: string;
  bytes: Uint8Array;
}

/** The file cut at a seeded length (never whole). */
export function truncate(bytes: Uint8Array, rand: () => number, within = bytes.length): Mutation {
  const at = Math.floor(rand() * Math.min(within, bytes.length - 1));
  return { name: `truncated at ${at}`, bytes: bytes.slice(0, at) };
}

/** `count` bytes set to seeded values, at seeded places below `within` (the header, say). */
export function flipBytes(bytes: Uint8Array, rand: () => number, count: number, within = bytes.length): Mutation {
  const out = bytes.slice();
  const at: number[] = [];
  for (let i = 0; i < count; i++) {
    const p = Math.floor(rand() * Math.min(within, out.length));
    out[p] = Math.floor(rand() * 256);
    at.push(p);
  }
  return { name: `bytes changed at ${at.join(',')}`, bytes: out };
}

// GGUF value types (gguf.h)
const FIXED: Record<number, number> = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8 };
const STRING = 8;
const ARRAY = 9;

export interface GgufKv { key: string; type: number; at: number }
export interface GgufTensorInfo { name: string; dims: number; dimsAt: number; typeAt: number; offsetAt: number }
export interface GgufLayout { tensorCountAt: number; kvCountAt: number; kvs: GgufKv[]; tensors: GgufTensorInfo[]; headerEnd: number }

/** Where each key/value and tensor description of a valid GGUF sits (byte offsets of their fields). */
export function ggufLayout(bytes: Uint8Array): GgufLayout {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let p = 8;
  const u64 = () => { const v = Number(view.getBigUint64(p, true)); p += 8; return v; };
  const u32 = () => { const v = view.getUint32(p, true); p += 4; return v; };
  const str = () => { const n = u64(); const s = new TextDecoder().decode(bytes.subarray(p, p + n)); p += n; return s; };
  const skip = (type: number): void => {
    if (type === STRING) { str(); return; }
    if (type === ARRAY) { const t = u32(); const n = u64(); for (let i = 0; i < n; i++) skip(t); return; }
    p += FIXED[type]!;
  };
  const tensorCountAt = p;
  const tensorCount = u64();
  const kvCountAt = p;
  const kvCount = u64();
  const kvs: GgufKv[] = [];
  for (let i = 0; i < kvCount; i++) {
    const key = str();
    const type = u32();
    kvs.push({ key, type, at: p });
    skip(type);
  }
  const tensors: GgufTensorInfo[] = [];
  for (let i = 0; i < tensorCount; i++) {
    const name = str();
    const dims = u32();
    const dimsAt = p;
    p += 8 * dims;
    const typeAt = p;
    p += 4;
    tensors.push({ name, dims, dimsAt, typeAt, offsetAt: p });
    p += 8;
  }
  return { tensorCountAt, kvCountAt, kvs, tensors, headerEnd: p };
}

/** A copy with a little-endian number written at `at` (`size` 4 or 8 bytes; float32 when `float`). */
export function patched(bytes: Uint8Array, at: number, value: number | bigint, size: 4 | 8, float = false): Uint8Array {
  const out = bytes.slice();
  const view = new DataView(out.buffer);
  if (float) view.setFloat32(at, Number(value), true);
  else if (size === 4) view.setUint32(at, Number(value) >>> 0, true);
  else view.setBigUint64(at, BigInt.asUintN(64, BigInt(value)), true);
  return out;
}

/** Crafted header values: each key/value of the given numeric keys set to hostile values, and counts and lengths. */
export function craftedGguf(bytes: Uint8Array, hostile: Record<string, readonly number[]>): Mutation[] {
  const layout = ggufLayout(bytes);
  const out: Mutation[] = [];
  for (const kv of layout.kvs) {
    const values = Object.entries(hostile).find(([suffix]) => kv.key.endsWith(suffix))?.[1];
    if (!values) continue;
    const float = kv.type === 6;
    if (!float && kv.type !== 4 && kv.type !== 5) continue;
    for (const v of values) out.push({ name: `${kv.key} = ${v}`, bytes: patched(bytes, kv.at, v, 4, float) });
  }
  const big = 2n ** 62n;
  out.push({ name: 'tensor count 2^62', bytes: patched(bytes, layout.tensorCountAt, big, 8) });
  out.push({ name: 'key/value count 2^62', bytes: patched(bytes, layout.kvCountAt, big, 8) });
  out.push({ name: 'first key length 2^62', bytes: patched(bytes, layout.kvCountAt + 8, big, 8) });
  const strings = layout.kvs.filter((kv) => kv.type === STRING);
  if (strings.length > 0) out.push({ name: `${strings[0]!.key} string length 2^40`, bytes: patched(bytes, strings[0]!.at, 2n ** 40n, 8) });
  const arrays = layout.kvs.filter((kv) => kv.type === ARRAY);
  if (arrays.length > 0) {
    out.push({ name: `${arrays[0]!.key} array length 2^61`, bytes: patched(bytes, arrays[0]!.at + 4, 2n ** 61n, 8) });
    out.push({ name: `${arrays[0]!.key} array item type 99`, bytes: patched(bytes, arrays[0]!.at, 99, 4) });
  }
  out.push({ name: 'version 99', bytes: patched(bytes, 4, 99, 4) });
  for (const t of [layout.tensors[0]!, layout.tensors.at(-1)!]) {
    out.push({ name: `${t.name} offset 2^64-32`, bytes: patched(bytes, t.offsetAt, 2n ** 64n - 32n, 8) });
    out.push({ name: `${t.name} offset 1 (misaligned)`, bytes: patched(bytes, t.offsetAt, 1, 8) });
    out.push({ name: `${t.name} dimension 0 = 2^40`, bytes: patched(bytes, t.dimsAt, 2n ** 40n, 8) });
    out.push({ name: `${t.name} dimension 0 = 0`, bytes: patched(bytes, t.dimsAt, 0, 8) });
    out.push({ name: `${t.name} type 200`, bytes: patched(bytes, t.typeAt, 200, 4) });
    out.push({ name: `${t.name} dimension count 9`, bytes: patched(bytes, t.dimsAt - 4, 9, 4) });
  }
  return out;
}

/** A copy with the first float32 of a GGUF's first tensor (F32 data) set to `value` (NaN, Infinity). */
export function ggufTensorValue(bytes: Uint8Array, value: number, alignment = 32): Mutation {
  const layout = ggufLayout(bytes);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const first = layout.tensors[0]!;
  const dataStart = Math.ceil(layout.headerEnd / alignment) * alignment;
  return { name: `${first.name}[0] = ${value}`, bytes: patched(bytes, dataStart + Number(view.getBigUint64(first.offsetAt, true)), value, 4, true) };
}

/** A safetensors file's parts: its JSON header and the data after it. */
export function safetensorsParts(bytes: Uint8Array): { header: Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>; data: Uint8Array } {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return { header: JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))), data: bytes.subarray(8 + n) };
}

/** A safetensors file from a header (any JSON) and data. */
export function safetensorsFile(header: unknown, data: Uint8Array): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

/** Crafted safetensors: the header length, dtypes, shapes and offsets of the first tensor, and a NaN in its data. */
export function craftedSafetensors(bytes: Uint8Array): Mutation[] {
  const { header, data } = safetensorsParts(bytes);
  const first = Object.keys(header).find((k) => k !== '__metadata__')!;
  const edit = (name: string, change: (t: (typeof header)[string]) => void): Mutation => {
    const h = structuredClone(header);
    change(h[first]!);
    return { name: `${first} ${name}`, bytes: safetensorsFile(h, data) };
  };
  const [start] = header[first]!.data_offsets;
  const nan = data.slice();
  new DataView(nan.buffer).setFloat32(start, NaN, true);
  return [
    { name: 'header length 2^62', bytes: patched(bytes, 0, 2n ** 62n, 8) },
    { name: 'header length 0', bytes: patched(bytes, 0, 0, 8) },
    { name: 'header length past the end', bytes: patched(bytes, 0, bytes.length, 8) },
    { name: 'header not JSON', bytes: safetensorsFile('x', data).map((b, i) => (i === 8 ? 0x7b : b)) },
    edit('dtype F64', (t) => { t.dtype = 'F64'; }),
    edit('dtype I8', (t) => { t.dtype = 'I8'; }),
    edit('dtype "x"', (t) => { t.dtype = 'x'; }),
    edit('shape [2^40, 2]', (t) => { t.shape = [2 ** 40, 2]; }),
    edit('shape []', (t) => { t.shape = []; }),
    edit('shape [-1, 2]', (t) => { t.shape = [-1, 2]; }),
    edit('offsets past the data', (t) => { t.data_offsets = [data.length, data.length + 1024]; }),
    edit('offsets reversed', (t) => { t.data_offsets = [t.data_offsets[1], t.data_offsets[0]]; }),
    edit('offsets too short for the shape', (t) => { t.data_offsets = [t.data_offsets[0], t.data_offsets[0] + 4]; }),
    { name: `${first}[0] = NaN`, bytes: safetensorsFile(header, nan) },
  ];
}

/** Text mutations: a seeded cut, and seeded bytes changed anywhere (which may leave invalid UTF-8). */
export function textMutations(text: string, rand: () => number, cuts: number, flips: number): Mutation[] {
  const bytes = new TextEncoder().encode(text);
  return [
    ...Array.from({ length: cuts }, () => truncate(bytes, rand)),
    ...Array.from({ length: flips }, () => flipBytes(bytes, rand, 1 + Math.floor(rand() * 4))),
  ];
}
