// Crafting hostile GGUFs for the validation tests: a tiny F32 llama model written by our own writer, and byte patches
// of a valid file (a key's value, a tensor's name or data offset) found by walking its header.
import { readFileSync, writeFileSync } from 'node:fs';
import { writeGguf, type GgufValue } from '../../../lib/gguf/writer.js';
import { readGgufMetadata, type GgufMetadata } from '../../../lib/vocab/gguf-read.js';

export interface TinyLlama { dim: number; heads: number; kvHeads: number; ff: number; blocks: number; tokens: string[] }
export const TINY: TinyLlama = { dim: 8, heads: 2, kvHeads: 1, ff: 16, blocks: 2, tokens: ['<unk>', '<s>', '</s>', 'a', '\ufeff'] };

/** Writes a valid F32 llama model (random-free: small ramps) and returns its path. */
export function writeTinyLlama(file: string, p: TinyLlama = TINY, extra: Record<string, GgufValue> = {}): string {
  const headDim = p.dim / p.heads;
  const t = (name: string, shape: number[]) => ({ name, shape, data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => ((i % 7) - 3) / 10) });
  const tensors = [t('token_embd.weight', [p.dim, p.tokens.length]), t('output_norm.weight', [p.dim])];
  for (let b = 0; b < p.blocks; b++) {
    const k = `blk.${b}.`;
    tensors.push(t(`${k}attn_norm.weight`, [p.dim]), t(`${k}attn_q.weight`, [p.dim, p.dim]), t(`${k}attn_k.weight`, [p.dim, p.kvHeads * headDim]),
      t(`${k}attn_v.weight`, [p.dim, p.kvHeads * headDim]), t(`${k}attn_output.weight`, [p.dim, p.dim]), t(`${k}ffn_norm.weight`, [p.dim]),
      t(`${k}ffn_gate.weight`, [p.dim, p.ff]), t(`${k}ffn_up.weight`, [p.dim, p.ff]), t(`${k}ffn_down.weight`, [p.ff, p.dim]));
  }
  tensors.push(t('output.weight', [p.dim, p.tokens.length]));
  writeGguf(file, {
    'general.architecture': { type: 'string', value: 'llama' },
    'llama.block_count': { type: 'u32', value: p.blocks },
    'llama.context_length': { type: 'u32', value: 256 },
    'llama.embedding_length': { type: 'u32', value: p.dim },
    'llama.feed_forward_length': { type: 'u32', value: p.ff },
    'llama.attention.head_count': { type: 'u32', value: p.heads },
    'llama.attention.head_count_kv': { type: 'u32', value: p.kvHeads },
    'llama.rope.dimension_count': { type: 'u32', value: headDim },
    'llama.attention.layer_norm_rms_epsilon': { type: 'f32', value: 1e-5 },
    'tokenizer.ggml.model': { type: 'string', value: 'llama' },
    'tokenizer.ggml.tokens': { type: 'string[]', value: p.tokens },
    'tokenizer.ggml.scores': { type: 'f32[]', value: p.tokens.map((_, i) => -i) },
    'tokenizer.ggml.token_type': { type: 'i32[]', value: p.tokens.map((_, i) => (i < 3 ? 3 : 1)) },
    ...extra,
  }, tensors);
  return file;
}

/** Where each tensor info's name and data offset sit in the file (the infos follow the last key/value pair). */
export function tensorInfoPositions(bytes: Buffer, meta: GgufMetadata): Map<string, { nameAt: number; offsetAt: number }> {
  let at = Math.max(24, ...[...meta.kv.values()].map((kv) => kv.end));
  const out = new Map<string, { nameAt: number; offsetAt: number }>();
  for (const t of meta.tensors) {
    const nameLength = Number(bytes.readBigUInt64LE(at));
    const nameAt = at + 8;
    at = nameAt + nameLength;
    const nDims = bytes.readUInt32LE(at);
    at += 4 + 8 * nDims + 4;
    out.set(t.name, { nameAt, offsetAt: at });
    at += 8;
  }
  return out;
}

/** A copy of `source` with `patch` applied to its bytes (given the valid file's metadata), written to `target`. */
export function patched(source: string, target: string, patch: (bytes: Buffer, meta: GgufMetadata) => void): string {
  const bytes = readFileSync(source);
  patch(bytes, readGgufMetadata(source));
  writeFileSync(target, bytes);
  return target;
}

/** The last `size` bytes of a scalar key's value (its whole value for u32, i32, f32). */
export function valueAt(meta: GgufMetadata, key: string, size = 4): number {
  const kv = meta.kv.get(key);
  if (!kv) throw new Error(`fixture: no key ${key}`);
  return kv.end - size;
}

export const setU32 = (key: string, value: number) => (b: Buffer, m: GgufMetadata) => { b.writeUInt32LE(value, valueAt(m, key)); };
export const setF32 = (key: string, value: number) => (b: Buffer, m: GgufMetadata) => { b.writeFloatLE(value, valueAt(m, key)); };
export const setOffset = (tensor: string, value: bigint) => (b: Buffer, m: GgufMetadata) => { b.writeBigUInt64LE(value, tensorInfoPositions(b, m).get(tensor)!.offsetAt); };
/** A tensor's ggml type: the u32 just before its data offset. */
export const setType = (tensor: string, type: number) => (b: Buffer, m: GgufMetadata) => { b.writeUInt32LE(type, tensorInfoPositions(b, m).get(tensor)!.offsetAt - 4); };
/** Renames a tensor in place (same byte length). */
export const rename = (from: string, to: string) => (b: Buffer, m: GgufMetadata) => {
  if (Buffer.byteLength(from) !== Buffer.byteLength(to)) throw new Error('fixture: rename keeps the length');
  b.write(to, tensorInfoPositions(b, m).get(from)!.nameAt, 'utf8');
};
