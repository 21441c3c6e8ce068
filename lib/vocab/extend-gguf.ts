// Writes a model GGUF with an extended vocabulary: tokenizer arrays grown, token_embd / output grown by mean-initialised rows.
//
// Every other key and tensor is copied byte for byte from the base file, which is streamed (never loaded whole). A new
// token's row is the mean of the base rows of the tokens its text splits into under the base vocabulary, dequantized,
// averaged in double precision and quantized back to the tensor's own type, so a quantized model stays quantized.
// New rows start at the base vocabulary size, the id a trainer's "trainable rows from id N" option takes; the file records it
// under persian_lora.vocab.first_new_id.
import { open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { parseOptions } from '../config/validate.js';
import { PersianLoraError } from '../errors.js';
import { readLines } from '../data/loaders/text.js';
import { createNormalizer } from '../data/normalize/persian.js';
import { dequantizeRows, ggmlTypeInfo, quantizeRows, tensorBytes } from '../gguf/quant.js';
import { encodeKv, fileRange, writeGgufStream, type GgufKvValue, type StreamTensor } from '../gguf/stream-writer.js';
import { extendPlanSchema, extendedVocab, planExtension, type ExtensionPlan, type PlannedToken } from './extend-plan.js';
import { GGUF_TYPE, readGgufMetadata, type GgufKv, type GgufMetadata, type GgufTensorInfo } from './gguf-read.js';
import { vocabFromMetadata } from './vocab.js';

/** Tensors with one row per token, grown by the extension (output is absent when tied to token_embd). */
export const VOCAB_TENSORS = ['token_embd.weight', 'output.weight'] as const;
/** Metadata key recording the id of the first new token, for a trainer's "trainable rows from id N" option. */
export const FIRST_NEW_ID_KEY = 'persian_lora.vocab.first_new_id';
/** New tokens whose rows are computed per native call. */
const ROW_BATCH = 512;

export interface ExtendedGguf {
  path: string;
  /** id of the first new token (= the base vocabulary size) */
  firstNewId: number;
  newTokens: number;
  /** tensors grown by new rows, with their ggml type names */
  grownTensors: { name: string; type: string }[];
  copiedTensors: number;
  bytes: number;
}

/** Rows of `tensor` for `tokens`, each the mean of its base ids' rows, in the tensor's own type, in batches. */
async function* meanRows(fh: FileHandle, dataOffset: number, tensor: GgufTensorInfo, tokens: readonly PlannedToken[], nBase: number): AsyncGenerator<Uint8Array> {
  const [width] = tensor.ne as [number];
  const rowBytes = tensorBytes(tensor.ggmlType, [width]);
  const start = dataOffset + Number(tensor.offset);
  for (let b = 0; b < tokens.length; b += ROW_BATCH) {
    const batch = tokens.slice(b, b + ROW_BATCH);
    const ids = [...new Set(batch.flatMap((t) => t.baseIds))];
    const slot = new Map(ids.map((id, i) => [id, i]));
    const raw = Buffer.allocUnsafe(ids.length * rowBytes);
    for (const [i, id] of ids.entries()) {
      if (!Number.isInteger(id) || id < 0 || id >= nBase) {
        throw new PersianLoraError('ERR_INVALID_OPTION', `Expected base token ids in [0, ${nBase}) but a planned token uses ${id}`);
      }
      const { bytesRead } = await fh.read(raw, i * rowBytes, rowBytes, start + id * rowBytes);
      if (bytesRead !== rowBytes) throw new PersianLoraError('ERR_BAD_FORMAT', `${tensor.name}: row ${id} is truncated`);
    }
    const rows = await dequantizeRows(tensor.ggmlType, raw, width);
    const means = new Float32Array(batch.length * width);
    const acc = new Float64Array(width);
    batch.forEach((t, k) => {
      if (t.baseIds.length === 0) throw new PersianLoraError('ERR_INVALID_OPTION', `Planned token ${JSON.stringify(t.text)} has no base ids to initialise its row from`);
      acc.fill(0);
      for (const id of t.baseIds) {
        const o = slot.get(id)! * width;
        for (let j = 0; j < width; j++) acc[j]! += rows[o + j]!;
      }
      for (let j = 0; j < width; j++) means[k * width + j] = acc[j]! / t.baseIds.length;
    });
    yield await quantizeRows(tensor.ggmlType, means, width);
  }
}

function scalarKind(kv: GgufKv): 'u32' | 'i32' | 'u64' | 'i64' {
  switch (kv.type) {
    case GGUF_TYPE.UINT32: return 'u32';
    case GGUF_TYPE.INT32: return 'i32';
    case GGUF_TYPE.UINT64: return 'u64';
    case GGUF_TYPE.INT64: return 'i64';
    default: throw new PersianLoraError('ERR_BAD_FORMAT', `Expected ${kv.key} to be an integer but it has GGUF type ${kv.type}`);
  }
}

/** Writes `out`: the base GGUF with the plan's tokens appended to its vocabulary and rows. */
export async function writeExtendedGguf(base: string, plan: ExtensionPlan, out: string, signal?: AbortSignal): Promise<ExtendedGguf> {
  const meta: GgufMetadata = readGgufMetadata(base);
  const vocab = extendedVocab(vocabFromMetadata(meta), plan);
  const nBase = plan.baseTokenCount, nNew = plan.tokens.length, nTotal = nBase + nNew;
  const arch = meta.kv.get('general.architecture')?.value;
  const replaced = new Map<string, GgufKvValue>([
    ['tokenizer.ggml.tokens', { type: 'string[]', value: vocab.tokens }],
    ['tokenizer.ggml.scores', { type: 'f32[]', value: vocab.scores }],
    ['tokenizer.ggml.token_type', { type: 'i32[]', value: vocab.types }],
  ]);
  if (vocab.model !== 'llama' && !meta.kv.has('tokenizer.ggml.scores')) replaced.delete('tokenizer.ggml.scores');
  if (!meta.kv.has('tokenizer.ggml.token_type')) replaced.delete('tokenizer.ggml.token_type');
  if (meta.kv.has('tokenizer.ggml.merges') || plan.merges.length > 0) replaced.set('tokenizer.ggml.merges', { type: 'string[]', value: vocab.merges });
  const sizeKv = typeof arch === 'string' ? meta.kv.get(`${arch}.vocab_size`) : undefined;
  if (sizeKv) replaced.set(sizeKv.key, { type: scalarKind(sizeKv), value: nTotal } as GgufKvValue);
  replaced.set(FIRST_NEW_ID_KEY, { type: 'u32', value: nBase });

  const tensorNames = new Set(meta.tensors.map((t) => t.name));
  if (meta.tensors.length > 0 && !tensorNames.has('token_embd.weight')) {
    throw new PersianLoraError('ERR_BAD_FORMAT', `${base}: has tensors but no token_embd.weight to grow`);
  }
  for (const t of meta.tensors) {
    const perToken = (VOCAB_TENSORS as readonly string[]).includes(t.name);
    if (perToken && (t.ne.length !== 2 || t.ne[1] !== nBase)) {
      throw new PersianLoraError('ERR_BAD_FORMAT', `${base}: expected ${t.name} to have shape [width, ${nBase}] but it has [${t.ne.join(', ')}]`);
    }
    if (!perToken && t.ne.length >= 2 && t.ne.at(-1) === nBase && t.ne[0] !== nBase) {
      throw new PersianLoraError('ERR_BAD_FORMAT', `${base}: tensor ${t.name} [${t.ne.join(', ')}] looks per-token (last dimension = vocabulary size ${nBase}); only ${VOCAB_TENSORS.join(' and ')} can be grown`);
    }
  }

  const fh = await open(base, 'r');
  try {
    const kvs: Uint8Array[] = [];
    for (const kv of meta.kv.values()) {
      const v = replaced.get(kv.key);
      if (v) { kvs.push(encodeKv(kv.key, v)); replaced.delete(kv.key); continue; }
      const raw = Buffer.allocUnsafe(kv.end - kv.start);
      await fh.read(raw, 0, raw.length, kv.start);
      kvs.push(raw);
    }
    for (const [key, v] of replaced) kvs.push(encodeKv(key, v));  // the first-new-id key; scores of an SPM vocabulary that had none

    const dataOffset = Number(meta.dataOffset);
    const grown: { name: string; type: string }[] = [];
    const tensors: StreamTensor[] = meta.tensors.map((t) => {
      const bytes = tensorBytes(t.ggmlType, t.ne);
      const from = dataOffset + Number(t.offset);
      if (!(VOCAB_TENSORS as readonly string[]).includes(t.name) || nNew === 0) {
        return { name: t.name, ne: t.ne, ggmlType: t.ggmlType, bytes, data: () => fileRange(fh, from, bytes) };
      }
      const info = ggmlTypeInfo(t.ggmlType);
      if (!info.canDequantize || !info.canQuantize) {
        throw new PersianLoraError('ERR_BAD_FORMAT', `${base}: ${t.name} is stored as ${info.name}, which cannot be ${info.canDequantize ? 'quantized to' : 'read as f32'} here`);
      }
      grown.push({ name: t.name, type: info.name });
      const rowBytes = tensorBytes(t.ggmlType, [t.ne[0]!]);
      return {
        name: t.name, ne: [t.ne[0]!, nTotal], ggmlType: t.ggmlType, bytes: bytes + nNew * rowBytes,
        data: async function* () {
          yield* fileRange(fh, from, bytes);
          yield* meanRows(fh, dataOffset, t, plan.tokens, nBase);
        },
      };
    });
    const { bytes } = await writeGgufStream(out, kvs, tensors, meta.alignment, signal);
    return { path: out, firstNewId: nBase, newTokens: nNew, grownTensors: grown, copiedTensors: tensors.length - grown.length, bytes };
  } finally {
    await fh.close();
  }
}

export const extendGgufSchema = z.strictObject({
  /** base model GGUF */
  base: z.string().min(1),
  /** corpus: a UTF-8 text file, a document per line */
  corpus: z.string().min(1),
  /** output GGUF (written atomically) */
  out: z.string().min(1),
  newPieces: extendPlanSchema.shape.newPieces,
  minCount: extendPlanSchema.shape.minCount,
  /** run the corpus (and held-out text) through the Persian normaliser first. Default false. */
  normalize: z.boolean().default(false),
  /** held-out text file for a fertility report before/after (a document per line) */
  heldOut: z.string().min(1).optional(),
  signal: z.custom<AbortSignal>((v) => v instanceof AbortSignal, 'an AbortSignal').optional(),
});
export type ExtendGgufOptions = z.input<typeof extendGgufSchema>;

async function* lines(file: string, normalize: ((s: string) => string) | undefined): AsyncGenerator<string> {
  for await (const { text } of readLines(file)) {
    const t = normalize ? normalize(text) : text;
    if (t.trim() !== '') yield t;
  }
}

/** Learns new pieces on a corpus file and writes the extended model: `vocab extend`. */
export async function extendGguf(options: ExtendGgufOptions): Promise<{ plan: ExtensionPlan; written: ExtendedGguf }> {
  const o = parseOptions(extendGgufSchema, options, 'extendGguf options');
  if (path.resolve(o.base) === path.resolve(o.out)) throw new PersianLoraError('ERR_INVALID_OPTION', `Expected an output path other than the base model but received ${o.out}`);
  const normalize = o.normalize ? createNormalizer() : undefined;
  const base = vocabFromMetadata(readGgufMetadata(o.base));
  let heldOut: string[] | undefined;
  if (o.heldOut) {
    heldOut = [];
    for await (const line of lines(o.heldOut, normalize)) heldOut.push(line);
  }
  const plan = await planExtension(base, lines(o.corpus, normalize), { newPieces: o.newPieces, minCount: o.minCount }, heldOut, o.signal);
  if (plan.unreachable.length > 0) {
    throw new PersianLoraError('ERR_NATIVE', `${plan.unreachable.length} learned pieces would not tokenize to themselves (first: ${JSON.stringify(plan.unreachable[0])})`);
  }
  const written = await writeExtendedGguf(o.base, plan, o.out, o.signal);
  return { plan, written };
}
