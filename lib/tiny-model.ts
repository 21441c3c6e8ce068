// Tiny-model factory: random-weight GGUF models (llama, qwen2, qwen3, gemma2, gemma3) with a real vocabulary, optionally
// quantized.
import { existsSync, mkdtempSync, rmSync, renameSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { parseOptions } from './config/validate.js';
import { PersianLoraError, fromNativeError } from './errors.js';
import { native } from './native/addon.js';
import { packageRoot } from './version.js';

export const quantTypes = ['f32', 'f16', 'bf16', 'q8_0', 'q4_0', 'q4_1', 'q5_0', 'q5_1', 'q4_k_m', 'q4_k_s', 'q5_k_m', 'q6_k', 'iq4_nl'] as const;
export type QuantType = (typeof quantTypes)[number];

/** Architectures the tiny-model writer knows (the trainer trains llama, qwen2 and qwen3; see docs/training.md). */
export const tinyArchitectures = ['llama', 'qwen2', 'qwen3', 'gemma2', 'gemma3'] as const;
export type TinyArchitecture = (typeof tinyArchitectures)[number];

export const tinyModelSchema = z.strictObject({
  /** Output GGUF path. */
  out: z.string().min(1),
  /** general.architecture: llama, qwen2 (q/k/v biases), qwen3 (q/k norms), gemma2, gemma3. Default llama. */
  arch: z.enum(tinyArchitectures).default('llama'),
  /** A vocabulary name from llama.cpp's models/ (`llama-spm`, `llama-bpe`, …) or a path to a GGUF with tokenizer keys. Default `llama-spm`. */
  vocab: z.string().min(1).default('llama-spm'),
  /** Transformer blocks. Default 2. */
  layers: z.number().int().min(1).max(256).default(2),
  /** Embedding width. Default 64. */
  dim: z.number().int().min(8).max(65536).default(64),
  /** Attention heads. Default 4. */
  heads: z.number().int().min(1).max(1024).default(4),
  /** Key/value heads (grouped-query attention). Default = heads. */
  kvHeads: z.number().int().min(1).max(1024).optional(),
  /** Feed-forward width. Default 2 × dim. */
  ffn: z.number().int().min(1).max(1 << 20).optional(),
  /** Training context length written to the model. Default 512. */
  context: z.number().int().min(8).max(1 << 22).default(512),
  /** Seed of the random weights. Default 42. */
  seed: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(42),
  /** Standard deviation of the random projections. Default 0.02. */
  initStd: z.number().min(0).max(10).default(0.02),
  /** No output.weight: the output head reuses token_embd (tied embeddings, as Llama 3.2 1B/3B). Default false; always
   *  for gemma2, whose llama.cpp loader has no output.weight. */
  tiedEmbeddings: z.boolean().default(false),
  /** Head size (attention.key_length, as Qwen3's 128 with a narrower model); default dim / heads. */
  headDim: z.number().int().min(2).max(4096).optional(),
  /** rope.freq_base. Default 10000 (Llama 3: 500000, Qwen2: 1000000). */
  ropeBase: z.number().positive().max(1e9).default(10000),
  /** llama only: rope_freqs.weight with Llama 3.1's RoPE scaling factors (over `context` original positions). Default false. */
  ropeFreqs: z.boolean().default(false),
  /** llama only: writes llama.attention.scale (llama.cpp's llama graph ignores it). Default: not written. */
  attentionScale: z.number().positive().max(1000).optional(),
  /** Weight type of the written model. Default f32. */
  quant: z.enum(quantTypes).default('f32'),
  /** Threads for quantization (0 = all). Default 0. */
  threads: z.number().int().min(0).max(1024).default(0),
});
export type TinyModelOptions = z.input<typeof tinyModelSchema>;

/**
 * Directory of llama.cpp's vocabulary files: LLAMA_CPP_DIR's models/, else the vendored tree's (all of them), else
 * the package's own copy of the ones tiny-model and the demo use (third_party/llama.cpp-vocab, made by
 * `npm run prebuild`), which is all an install from the prebuilt addon has: it fetches no llama.cpp tree.
 */
export function vocabDir(): string {
  if (process.env.LLAMA_CPP_DIR) return path.join(process.env.LLAMA_CPP_DIR, 'models');
  const tree = path.join(packageRoot, 'third_party', 'llama.cpp', 'models');
  const shipped = path.join(packageRoot, 'third_party', 'llama.cpp-vocab');
  return existsSync(tree) || !existsSync(shipped) ? tree : shipped;
}

/** Resolves `llama-spm` to …/models/ggml-vocab-llama-spm.gguf; paths are returned as they are. */
export function resolveVocab(vocab: string): string {
  if (vocab.endsWith('.gguf') || vocab.includes('/') || vocab.includes(path.sep)) return vocab;
  const file = path.join(vocabDir(), `ggml-vocab-${vocab}.gguf`);
  if (!existsSync(file)) {
    throw new PersianLoraError('ERR_INVALID_OPTION', `Unknown vocabulary "${vocab}": ${file} does not exist (use a name such as llama-spm or llama-bpe, or a path to a GGUF)`);
  }
  return file;
}

export interface TinyModelResult {
  path: string;
  parameters: number;
}

/** Writes a random-weight model; deterministic for a seed. */
export async function createTinyModel(options: TinyModelOptions): Promise<TinyModelResult> {
  const o = parseOptions(tinyModelSchema, options, 'createTinyModel options');
  const addon = native();
  const vocabPath = resolveVocab(o.vocab);
  mkdirSync(path.dirname(path.resolve(o.out)), { recursive: true });
  const work = mkdtempSync(path.join(os.tmpdir(), 'pl-tiny-'));
  try {
    const f32 = path.join(work, 'f32.gguf');
    const parameters = await addon.writeTinyModel({
      vocabPath, outPath: f32, layers: o.layers, dim: o.dim, heads: o.heads, kvHeads: o.kvHeads ?? o.heads,
      ffn: o.ffn ?? 2 * o.dim, context: o.context, seed: o.seed, initStd: o.initStd, tiedEmbeddings: o.tiedEmbeddings || o.arch === 'gemma2',
      arch: o.arch, headDim: o.headDim ?? 0, ropeBase: o.ropeBase, ropeFreqs: o.ropeFreqs, attentionScale: o.attentionScale ?? 0,
      name: `persian-lora tiny ${o.arch} ${o.layers}x${o.dim} ${o.quant}`,
    });
    const tmp = path.join(work, 'out.gguf');
    if (o.quant === 'f32') renameSync(f32, tmp);
    else await addon.quantizeModel(f32, tmp, o.quant, o.threads);
    try { renameSync(tmp, o.out); } catch { (await import('node:fs')).copyFileSync(tmp, o.out); }
    return { path: o.out, parameters };
  } catch (error) {
    throw fromNativeError(error);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Quantizes (or converts) a GGUF model through llama.cpp's quantizer. */
export async function quantizeModel(input: string, output: string, type: QuantType, threads = 0): Promise<void> {
  if (!quantTypes.includes(type)) throw new PersianLoraError('ERR_INVALID_OPTION', `Expected one of ${quantTypes.join(', ')} for quantize type but received ${JSON.stringify(type)}`);
  try {
    await native().quantizeModel(input, output, type, threads);
  } catch (error) {
    throw fromNativeError(error);
  }
}
