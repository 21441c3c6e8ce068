// A model GGUF's hyper-parameters (`<arch>.block_count`, …): types and ranges checked, and checked against each other
// and against the tensors present, so that llama.cpp's loader (which aborts the process on some bad values: GGML_ASSERT
// on block_count, a NaN epsilon, an odd rope dimension count) and our own readers only ever see sane ones.
import { PersianLoraError } from '../errors.js';
import type { GgufMetadata } from '../vocab/gguf-read.js';
import { printable } from './printable.js';

/** llama.cpp's LLAMA_MAX_LAYERS and LLAMA_MAX_EXPERTS (src/llama-hparams.h). */
const MAX_LAYERS = 512;
const MAX_EXPERTS = 1024;
const MAX_INT32 = 2 ** 31 - 1;
const MAX_HEADS = 1 << 16;

/** Architectures whose blocks are llama's: q, k, v, o projections and a gated MLP, every block with attention. */
export const LLAMA_LAYOUT = new Set(['llama', 'qwen2', 'qwen3', 'gemma', 'gemma2', 'gemma3']);

export interface HyperParameters {
  architecture: string;
  blockCount?: number | undefined;
  contextLength?: number | undefined;
  embeddingLength?: number | undefined;
  /** per layer (a scalar key applies to every layer) */
  heads?: number[] | undefined;
  kvHeads?: number[] | undefined;
  feedForward?: number[] | undefined;
  /** size of one K and one V head: `attention.key_length`/`value_length`, else embedding_length / head_count */
  headSizeK?: number | undefined;
  headSizeV?: number | undefined;
  /** tokenizer.ggml.tokens length */
  vocabularySize?: number | undefined;
}

function badValue(meta: GgufMetadata, key: string, value: unknown, expected: string): PersianLoraError {
  const shown = typeof value === 'string' ? `"${printable(value)}"` : String(value);
  return new PersianLoraError('ERR_BAD_FORMAT', `${meta.file}: ${key} is ${shown}; expected ${expected}`);
}

/** An integer-valued key in [min, max], or undefined when absent. */
function integer(meta: GgufMetadata, key: string, min: number, max: number): number | undefined {
  const kv = meta.kv.get(key);
  if (kv === undefined) return undefined;
  const v = typeof kv.value === 'bigint' && kv.value <= BigInt(Number.MAX_SAFE_INTEGER) && kv.value >= -BigInt(Number.MAX_SAFE_INTEGER) ? Number(kv.value) : kv.value;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw badValue(meta, key, Array.isArray(v) || ArrayBuffer.isView(v) ? 'an array' : v, `an integer from ${min} to ${max}`);
  return v;
}

/** A per-layer integer key (a scalar, or an array with one value per block), or undefined when absent. */
function perLayer(meta: GgufMetadata, key: string, min: number, max: number, blocks: number | undefined): number[] | undefined {
  const kv = meta.kv.get(key);
  if (kv === undefined) return undefined;
  if (!ArrayBuffer.isView(kv.value)) {
    const v = integer(meta, key, min, max)!;
    return Array.from({ length: blocks ?? 1 }, () => v);
  }
  const values = Array.from(kv.value as ArrayLike<number>);
  if (blocks !== undefined && values.length !== blocks) throw badValue(meta, key, `an array of ${values.length} values`, `one value per block (${blocks})`);
  const wrong = values.findIndex((v) => !Number.isInteger(v) || v < min || v > max);
  if (wrong >= 0) throw badValue(meta, `${key}[${wrong}]`, values[wrong], `an integer from ${min} to ${max}`);
  return values;
}

/** A real-valued key in [min, max] (finite: the reader refuses NaN and infinities), or undefined when absent. */
function real(meta: GgufMetadata, key: string, min: number, max: number, minExclusive = false): number | undefined {
  const kv = meta.kv.get(key);
  if (kv === undefined) return undefined;
  const v = kv.value;
  if (typeof v !== 'number' || v < min || v > max || (minExclusive && v === min)) throw badValue(meta, key, v, `a number ${minExclusive ? 'above' : 'from'} ${min}${minExclusive ? ' and at most' : ' to'} ${max}`);
  return v;
}

function arrayLength(meta: GgufMetadata, key: string): number | undefined {
  const v = meta.kv.get(key)?.value;
  if (v === undefined) return undefined;
  if (!Array.isArray(v) && !ArrayBuffer.isView(v)) throw badValue(meta, key, typeof v === 'string' ? v : String(v), 'an array');
  return (v as ArrayLike<unknown>).length;
}

/** Reads and checks the hyper-parameters present in a model GGUF; throws ERR_BAD_FORMAT naming the file and the key. */
export function hyperParameters(meta: GgufMetadata): HyperParameters | undefined {
  const arch = meta.kv.get('general.architecture')?.value;
  if (arch === undefined) return undefined;
  if (typeof arch !== 'string' || !/^[a-z0-9_.-]{1,64}$/i.test(arch)) throw badValue(meta, 'general.architecture', typeof arch === 'string' ? arch : String(arch), 'an architecture name');
  const k = (name: string) => `${arch}.${name}`;
  const blockCount = integer(meta, k('block_count'), 1, MAX_LAYERS);
  const hp: HyperParameters = {
    architecture: arch,
    blockCount,
    contextLength: integer(meta, k('context_length'), 1, MAX_INT32),
    embeddingLength: integer(meta, k('embedding_length'), 1, 1 << 20),
    heads: perLayer(meta, k('attention.head_count'), 0, MAX_HEADS, blockCount),
    feedForward: perLayer(meta, k('feed_forward_length'), 0, 1 << 24, blockCount),
  };
  hp.kvHeads = perLayer(meta, k('attention.head_count_kv'), 0, MAX_HEADS, blockCount) ?? hp.heads;
  hp.heads?.forEach((h, i) => {
    const kv = hp.kvHeads![i]!;
    if (kv > h || (kv > 0 && h % kv !== 0)) throw badValue(meta, k('attention.head_count_kv'), kv, `at most and a divisor of ${k('attention.head_count')} ${h}${hp.heads!.length > 1 ? ` (block ${i})` : ''}`);
  });
  if (LLAMA_LAYOUT.has(arch)) {
    const none = hp.heads?.findIndex((h, i) => h < 1 || hp.kvHeads![i]! < 1) ?? -1;
    if (none >= 0) {
      throw new PersianLoraError('ERR_BAD_FORMAT', `${meta.file}: ${k('attention.head_count')} is ${hp.heads![none]} and ${k('attention.head_count_kv')} ${hp.kvHeads![none]} (block ${none}); expected at least 1 of each (every ${arch} block has attention)`);
    }
  }
  const heads0 = hp.heads?.[0] ?? 0;
  const keyLength = integer(meta, k('attention.key_length'), 1, MAX_HEADS);
  if (keyLength === undefined && hp.embeddingLength !== undefined && heads0 > 0 && hp.embeddingLength % heads0 !== 0) {
    throw badValue(meta, k('embedding_length'), hp.embeddingLength, `a multiple of ${k('attention.head_count')} ${heads0} (or ${k('attention.key_length')} set)`);
  }
  hp.headSizeK = keyLength ?? (hp.embeddingLength !== undefined && heads0 > 0 ? hp.embeddingLength / heads0 : undefined);
  hp.headSizeV = integer(meta, k('attention.value_length'), 1, MAX_HEADS) ?? hp.headSizeK;

  const rope = integer(meta, k('rope.dimension_count'), 1, MAX_HEADS);
  if (rope !== undefined && rope % 2 !== 0) throw badValue(meta, k('rope.dimension_count'), rope, 'an even number (rotary dimensions come in pairs)');
  if (rope !== undefined && hp.headSizeK !== undefined && rope > hp.headSizeK) throw badValue(meta, k('rope.dimension_count'), rope, `at most the head size ${hp.headSizeK}`);
  real(meta, k('rope.freq_base'), 0, Number.MAX_VALUE, true);
  real(meta, k('attention.layer_norm_rms_epsilon'), 0, 1);
  real(meta, k('attention.layer_norm_epsilon'), 0, 1);
  const experts = integer(meta, k('expert_count'), 0, MAX_EXPERTS);
  integer(meta, k('expert_used_count'), 0, experts ?? MAX_EXPERTS);

  hp.vocabularySize = arrayLength(meta, 'tokenizer.ggml.tokens');
  if (hp.vocabularySize === 0) throw badValue(meta, 'tokenizer.ggml.tokens', 'an empty array', 'at least one token');
  for (const key of ['tokenizer.ggml.scores', 'tokenizer.ggml.token_type']) {
    const n = arrayLength(meta, key);
    if (n !== undefined && n !== hp.vocabularySize) throw badValue(meta, key, `an array of ${n} values`, `one per token (${hp.vocabularySize ?? 'no tokenizer.ggml.tokens'})`);
  }
  checkAgainstTensors(meta, hp);
  return hp;
}

/** The tensors present agree with the hyper-parameters: block indices, the embedding matrix's width and rows. */
function checkAgainstTensors(meta: GgufMetadata, hp: HyperParameters): void {
  const k = (name: string) => `${hp.architecture}.${name}`;
  for (const t of meta.tensors) {
    const block = /^blk\.(\d+)\./.exec(t.name);
    if (block && hp.blockCount !== undefined && Number(block[1]) >= hp.blockCount) {
      throw new PersianLoraError('ERR_BAD_FORMAT', `${meta.file}: tensor ${printable(t.name)} belongs to block ${block[1]} but ${k('block_count')} is ${hp.blockCount}`);
    }
  }
  const embd = meta.tensors.find((t) => t.name === 'token_embd.weight');
  if (!embd) return;
  if (hp.embeddingLength !== undefined && embd.ne[0] !== hp.embeddingLength) {
    throw new PersianLoraError('ERR_BAD_FORMAT', `${meta.file}: token_embd.weight has ne [${embd.ne.join(', ')}] but ${k('embedding_length')} is ${hp.embeddingLength}`);
  }
  if (hp.vocabularySize !== undefined && embd.ne[1] !== hp.vocabularySize) {
    throw new PersianLoraError('ERR_BAD_FORMAT', `${meta.file}: token_embd.weight has ${embd.ne[1]} rows but the vocabulary (tokenizer.ggml.tokens) has ${hp.vocabularySize} tokens`);
  }
}
