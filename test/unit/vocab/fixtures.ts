// Test helpers for the vocabulary tests: llama.cpp's vocabulary files and tokenizer test vectors, and a tiny GGUF encoder.
export { LLAMA_CPP_DIR, missingMessage, readVectors, vocabFile } from '../../helpers/llama-vocab.js';

/** Minimal GGUF v3 encoder for fixtures: kv values as [type, value], arrays as [9, elementType, values]. */
export type FixtureKv = [string, number, unknown] | [string, 9, number, unknown[]];
export function encodeGguf(kvs: FixtureKv[], tensors: Array<{ name: string; ne: number[]; type: number; offset: number }> = []): Uint8Array {
  const parts: Buffer[] = [];
  const u32 = (v: number): void => { const b = Buffer.alloc(4); b.writeUInt32LE(v); parts.push(b); };
  const u64 = (v: number | bigint): void => { const b = Buffer.alloc(8); b.writeBigUInt64LE(BigInt(v)); parts.push(b); };
  const str = (s: string): void => { const b = Buffer.from(s, 'utf8'); u64(b.length); parts.push(b); };
  const scalar = (t: number, v: unknown): void => {
    const b = Buffer.alloc(8);
    switch (t) {
      case 0: case 7: b.writeUInt8(Number(v)); parts.push(b.subarray(0, 1)); break;
      case 4: b.writeUInt32LE(v as number); parts.push(b.subarray(0, 4)); break;
      case 5: b.writeInt32LE(v as number); parts.push(b.subarray(0, 4)); break;
      case 6: b.writeFloatLE(v as number); parts.push(b.subarray(0, 4)); break;
      case 8: str(v as string); break;
      case 10: u64(v as bigint); break;
      default: throw new Error(`fixture encoder: type ${t} unsupported`);
    }
  };
  parts.push(Buffer.from('GGUF'));
  u32(3);
  u64(tensors.length);
  u64(kvs.length);
  for (const kv of kvs) {
    str(kv[0]);
    u32(kv[1]);
    if (kv[1] === 9) {
      const [, , et, values] = kv as [string, 9, number, unknown[]];
      u32(et);
      u64(values.length);
      for (const v of values) scalar(et, v);
    } else {
      scalar(kv[1], kv[2]);
    }
  }
  for (const t of tensors) {
    str(t.name);
    u32(t.ne.length);
    for (const n of t.ne) u64(n);
    u32(t.type);
    u64(t.offset);
  }
  return new Uint8Array(Buffer.concat(parts));
}
