// The tokenizer vocabulary of a GGUF model (tokenizer.ggml.*), as the TS tokenizers and the vocabulary trainers use it.
import { PersianLoraError } from '../errors.js';
import { GGUF_TYPE, readGgufMetadata, type GgufMetadata } from './gguf-read.js';

/** llama.cpp token types (tokenizer.ggml.token_type). */
export const TOKEN_TYPE = { UNDEFINED: 0, NORMAL: 1, UNKNOWN: 2, CONTROL: 3, USER_DEFINED: 4, UNUSED: 5, BYTE: 6 } as const;

export interface Vocab {
  /** tokenizer.ggml.model: "llama" (SentencePiece) or "gpt2" (byte-level BPE) */
  readonly model: string;
  /** tokenizer.ggml.pre (BPE pre-tokenizer name), empty when absent */
  readonly pre: string;
  readonly tokens: readonly string[];
  readonly scores: Float32Array;
  readonly types: Int32Array;
  /** BPE merges "left right", in rank order; empty for SPM */
  readonly merges: readonly string[];
  /** tokenizer.ggml.add_space_prefix, defaulting as llama.cpp does (true for SPM, false for BPE) */
  readonly addSpacePrefix: boolean;
  /** tokenizer.ggml.bos_token_id, when present and in range */
  readonly bosId?: number;
  /** tokenizer.ggml.add_bos_token, when present (else the tokenizer family's default applies) */
  readonly addBos?: boolean;
}

function arrayOf(meta: GgufMetadata, key: string, elementType: number, required: boolean): unknown {
  const kv = meta.kv.get(key);
  if (!kv) {
    if (required) throw new PersianLoraError('ERR_BAD_FORMAT', `${meta.file}: missing key ${key}`);
    return undefined;
  }
  if (kv.type !== GGUF_TYPE.ARRAY || kv.arrayType !== elementType) {
    throw new PersianLoraError('ERR_BAD_FORMAT',
      `${meta.file}: expected ${key} to be an array of GGUF type ${elementType} but found type ${kv.type}/${kv.arrayType ?? '-'}`);
  }
  return kv.value;
}

function stringOf(meta: GgufMetadata, key: string): string | undefined {
  const kv = meta.kv.get(key);
  if (!kv) return undefined;
  if (kv.type !== GGUF_TYPE.STRING) throw new PersianLoraError('ERR_BAD_FORMAT', `${meta.file}: expected ${key} to be a string but found type ${kv.type}`);
  return kv.value as string;
}

/** Extract the tokenizer vocabulary from parsed GGUF metadata. */
export function vocabFromMetadata(meta: GgufMetadata): Vocab {
  const model = stringOf(meta, 'tokenizer.ggml.model');
  if (model === undefined) throw new PersianLoraError('ERR_BAD_FORMAT', `${meta.file}: missing key tokenizer.ggml.model`);
  const tokens = arrayOf(meta, 'tokenizer.ggml.tokens', GGUF_TYPE.STRING, true) as string[];
  const n = tokens.length;
  const scores = (arrayOf(meta, 'tokenizer.ggml.scores', GGUF_TYPE.FLOAT32, false) as Float32Array | undefined) ?? new Float32Array(n);
  const types = (arrayOf(meta, 'tokenizer.ggml.token_type', GGUF_TYPE.INT32, false) as Int32Array | undefined)
    ?? new Int32Array(n).fill(TOKEN_TYPE.NORMAL);
  for (const [key, len] of [['tokenizer.ggml.scores', scores.length], ['tokenizer.ggml.token_type', types.length]] as const) {
    if (len !== n) throw new PersianLoraError('ERR_BAD_FORMAT', `${meta.file}: ${key} has ${len} entries but tokenizer.ggml.tokens has ${n}`);
  }
  const merges = (arrayOf(meta, 'tokenizer.ggml.merges', GGUF_TYPE.STRING, false) as string[] | undefined) ?? [];
  const prefixKv = meta.kv.get('tokenizer.ggml.add_space_prefix');
  const addSpacePrefix = prefixKv ? prefixKv.value === true : model === 'llama';
  const bosKv = meta.kv.get('tokenizer.ggml.bos_token_id');
  const bos = bosKv === undefined ? undefined : Number(bosKv.value);
  const addBosKv = meta.kv.get('tokenizer.ggml.add_bos_token');
  return {
    model, pre: stringOf(meta, 'tokenizer.ggml.pre') ?? '', tokens, scores, types, merges, addSpacePrefix,
    ...(bos !== undefined && Number.isInteger(bos) && bos >= 0 && bos < n ? { bosId: bos } : {}),
    ...(addBosKv ? { addBos: addBosKv.value === true } : {}),
  };
}

/** Read the tokenizer vocabulary of a GGUF file. */
export function readVocab(file: string): Vocab {
  return vocabFromMetadata(readGgufMetadata(file));
}

/** Pieces to append to a vocabulary (and, for BPE, merges to append after the existing ones). */
export interface VocabAddition {
  pieces: string[];
  scores: number[];
  types: number[];
  merges: string[];
}

/** The vocabulary with pieces (and merges) appended. */
export function appendToVocab(base: Vocab, add: VocabAddition): Vocab {
  const n = base.tokens.length;
  const scores = new Float32Array(n + add.pieces.length);
  scores.set(base.scores);
  scores.set(add.scores, n);
  const types = new Int32Array(n + add.pieces.length);
  types.set(base.types);
  types.set(add.types, n);
  return { ...base, tokens: [...base.tokens, ...add.pieces], scores, types, merges: [...base.merges, ...add.merges] };
}
