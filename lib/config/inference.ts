// Options of model loading, contexts and generation: the one place their defaults live.
import { z } from 'zod';

const signal = z.custom<AbortSignal>((v) => v instanceof AbortSignal, { message: 'an AbortSignal' });

export const loadModelSchema = z.strictObject({
  /** Layers to offload to the GPU: a count, 'all', or 'auto' (all when the build has a GPU backend, else 0). Default 'auto'. */
  gpuLayers: z.union([z.number().int().min(0), z.literal('all'), z.literal('auto')]).default('auto'),
  /**
   * Devices the offloaded layers go to, by ggml name ('CUDA0', 'RPC0' after addRpcServers; layers split across several
   * as llama.cpp's --device does), or ['cpu'] for none. Default: every GPU device ggml has. With devices, 'auto' is all.
   */
  devices: z.array(z.string().min(1)).min(1).optional(),
  /** Load only the vocabulary (tokenizer), not the weights. Default false. */
  vocabOnly: z.boolean().default(false),
  /** Memory-map the file instead of reading it. Default true. */
  useMmap: z.boolean().default(true),
  /** llama.cpp's runtime repacking of CPU weights (e.g. Q4_0, IQ4_NL, Q6_K) for its faster kernels; false = `--no-repack`. Default true. */
  repack: z.boolean().default(true),
  /** Called with the load progress in [0, 1]. */
  onProgress: z.function().optional(),
  signal: signal.optional(),
});
export type LoadModelOptions = z.input<typeof loadModelSchema>;

export const contextSchema = z.strictObject({
  /** Tokens the context holds (all sequences together). Default 2048. */
  contextSize: z.number().int().min(8).max(1 << 22).default(2048),
  /** Largest number of tokens decoded in one step. Default 512. */
  batchSize: z.number().int().min(1).max(1 << 20).default(512),
  /** Parallel sequences, used to score several continuations at once and by completeBatch. Default 8. */
  sequences: z.number().int().min(1).max(256).default(8),
  /** CPU threads; 0 = all cores. Default 0. */
  threads: z.number().int().min(0).max(1024).default(0),
  /** Use flash attention. Default false. */
  flashAttention: z.boolean().default(false),
  /** Type of the KV cache: llama.cpp's default 'f16', or 'f32' (exact attention, twice the memory). Default 'f16'. */
  kvCacheType: z.enum(['f16', 'f32']).default('f16'),
});
export type ContextOptions = z.input<typeof contextSchema>;

export const generateSchema = z.strictObject({
  /** Most tokens to generate. Default 256. */
  maxTokens: z.number().int().min(1).max(1 << 20).default(256),
  /** Sampling temperature; 0 means greedy. Default 0. */
  temperature: z.number().min(0).max(100).default(0),
  /** Keep the k most likely tokens (0 = off). Default 40. */
  topK: z.number().int().min(0).default(40),
  /** Nucleus sampling threshold. Default 0.95. */
  topP: z.number().min(0).max(1).default(0.95),
  /** Drop tokens below minP times the top probability. Default 0.05. */
  minP: z.number().min(0).max(1).default(0.05),
  /** Repetition penalty as in HF transformers (1 = off). Default 1. */
  repeatPenalty: z.number().min(0.01).max(100).default(1),
  /** Tokens the penalty looks back over; -1 = the whole context (prompt included). Default -1. */
  repeatLastN: z.number().int().min(-1).default(-1),
  /** Seed of the sampler. Default 0. */
  seed: z.number().int().min(0).max(0xffffffff).default(0),
  /** Generation stops before the first occurrence of any of these strings. Default none. */
  stop: z.array(z.string().min(1)).default([]),
  signal: signal.optional(),
});
export type GenerateOptions = z.input<typeof generateSchema>;

export const tokenizeSchema = z.strictObject({
  /** Add the model's BOS token (when the model asks for one). Default: true. */
  addBos: z.boolean().default(true),
  /** Parse special-token text such as `<s>` into special tokens. Default false. */
  special: z.boolean().default(false),
});
export type TokenizeOptions = z.input<typeof tokenizeSchema>;

export const callSchema = z.strictObject({ signal: signal.optional() });
export type CallOptions = z.input<typeof callSchema>;
