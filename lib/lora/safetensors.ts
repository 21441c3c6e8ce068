// Reads and writes the safetensors format: u64 little-endian header length, a JSON header, then the tensor bytes.
import { readFileSync } from 'node:fs';
import { writeFileAtomically } from '../atomic-file.js';
import { PersianLoraError, ioError } from '../errors.js';
import { printable } from '../gguf/printable.js';
import { decode16 } from './float16.js';

export interface SafeTensor {
  /** row-major shape, outermost first (PyTorch order) */
  shape: number[];
  data: Float32Array;
}

const BYTES: Record<string, number> = { F32: 4, F16: 2, BF16: 2 };

/** Writes F32 tensors (in the order given) and string metadata, atomically (temporary file, then rename). */
export async function writeSafetensors(path: string, tensors: ReadonlyMap<string, SafeTensor>, metadata: Record<string, string> = {}): Promise<void> {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const [name, t] of tensors) {
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (n !== t.data.length) throw new PersianLoraError('ERR_ADAPTER', `safetensors tensor ${name}: shape [${t.shape.join(', ')}] holds ${n} values but the data has ${t.data.length}`);
    header[name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + 4 * n] };
    offset += 4 * n;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8); // keep the data 8-byte aligned, as the reference writer does
  const head = Buffer.alloc(8 + json.length);
  head.writeBigUInt64LE(BigInt(json.length), 0);
  head.write(json, 8, 'utf8');
  await writeFileAtomically(path, async (fh) => {
    await fh.write(head);
    for (const t of tensors.values()) await fh.write(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  });
}

function bad(path: string, what: string): never {
  throw new PersianLoraError('ERR_BAD_FORMAT', `${path}: ${what}`);
}

/** Every tensor of a safetensors file as F32 (F32, F16 and BF16 tensors are read), and the header's metadata. */
export function readSafetensors(path: string): { tensors: Map<string, SafeTensor>; metadata: Record<string, string> } {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw ioError(err, path, 'read safetensors file');
  }
  if (bytes.length < 8) bad(path, `${bytes.length} bytes, too short for the 8-byte header length`);
  const len = bytes.readBigUInt64LE(0);
  if (len > BigInt(bytes.length - 8)) bad(path, `header length ${len} exceeds the file size ${bytes.length}`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(bytes.toString('utf8', 8, 8 + Number(len))) as Record<string, unknown>;
  } catch (err) {
    return bad(path, `the header is not valid JSON (${printable((err as Error).message, 120)})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) bad(path, 'the header is not a JSON object');
  const dataStart = 8 + Number(len);
  const dataSize = bytes.length - dataStart;
  const tensors = new Map<string, SafeTensor>();
  let metadata: Record<string, string> = {};
  for (const [key, info] of Object.entries(header)) {
    if (key === '__metadata__') { metadata = info as Record<string, string>; continue; }
    const name = printable(key);
    const { dtype, shape, data_offsets: offsets } = (info ?? {}) as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof dtype !== 'string' || !(dtype in BYTES)) bad(path, `tensor ${name} has dtype ${JSON.stringify(dtype)}; expected F32, F16 or BF16`);
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) bad(path, `tensor ${name} has an invalid shape ${printable(String(JSON.stringify(shape)))}`);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((d) => Number.isInteger(d) && d >= 0)) bad(path, `tensor ${name} has invalid data_offsets ${printable(String(JSON.stringify(offsets)))}`);
    const n = (shape as number[]).reduce((a, b) => a * b, 1);
    const [begin, end] = offsets as [number, number];
    if (end - begin !== n * BYTES[dtype]! || end > dataSize) {
      bad(path, `tensor ${name}: data_offsets [${begin}, ${end}] do not hold ${n} ${dtype} values within the ${dataSize} data bytes`);
    }
    const raw = bytes.subarray(dataStart + begin, dataStart + end);
    const data = dtype === 'F32'
      ? new Float32Array(Uint8Array.from(raw).buffer)
      : decode16(raw, n, dtype === 'BF16');
    const wrong = data.findIndex((v) => !Number.isFinite(v));
    if (wrong >= 0) bad(path, `tensor ${name} holds ${data[wrong]} at index ${wrong} of ${n}; expected finite numbers`);
    tensors.set(key, { shape: shape as number[], data });
  }
  return { tensors, metadata };
}
