// The whole native surface, typed once, and the loader that finds the built addon.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { PersianLoraError } from '../errors.js';
import { packageRoot } from '../version.js';

export interface NativeModelInfo {
  architecture: string;
  description: string;
  fileType: string;
  chatTemplate: string | null;
  parameters: number;
  sizeBytes: number;
  vocabularySize: number;
  contextLength: number;
  embeddingLength: number;
  layers: number;
  /** llama_vocab_type: 1 SPM, 2 BPE, 3 WPM, 4 UGM, 5 RWKV. */
  vocabularyType: number;
  bos: number;
  eos: number;
  addBos: boolean;
  tensorTypes: Record<string, number>;
  metadata: Record<string, string>;
}

export interface NativeGgufSummary {
  version: number;
  architecture: string;
  type: string;
  tensors: number;
  elements: number;
  dataBytes: number;
  tensorTypes: Record<string, number>;
  typeElements: Record<string, number>;
}

export interface NativeAbortToken {
  abort(): void;
  readonly aborted: boolean;
}

export interface NativeSamplerOptions {
  temperature: number;
  topK: number;
  topP: number;
  minP: number;
  repeatPenalty: number;
  repeatLastN: number;
  seed: number;
}

export interface NativeAdapter {
  info(): { alpha: number; metadata: Record<string, string> };
  dispose(): void;
}

export interface NativeBatchItem {
  prompt: Uint32Array;
  sampler: NativeSamplerOptions;
  maxTokens: number;
}

export interface NativeBatchStep {
  tokens: Uint32Array;
  finished: boolean;
  /** 'stopped': ended by batchStop; 'context': its positions or the context's shared KV cells ran out. */
  stopReason: '' | 'eog' | 'maxTokens' | 'context' | 'stopped';
}

export interface NativeContext {
  info(): { contextSize: number; sequences: number };
  logits(tokens: Uint32Array, all: boolean, abort?: NativeAbortToken): Promise<Float32Array>;
  score(prefix: Uint32Array, continuations: Uint32Array[], abort?: NativeAbortToken): Promise<{ logProbs: Float64Array; greedy: Uint8Array }>;
  generationBegin(prompt: Uint32Array, sampler: NativeSamplerOptions, abort?: NativeAbortToken): Promise<void>;
  /** Up to maxTokens tokens; returns early once budgetMs have passed (after at least one token). */
  generationNext(maxTokens: number, budgetMs: number, abort?: NativeAbortToken): Promise<{ tokens: Uint32Array; finished: boolean; stopReason: '' | 'eog' | 'context' }>;
  /** Item i generates in sequence i (at most `sequences` items); the prompts' common prefix is decoded once. */
  batchBegin(items: NativeBatchItem[], abort?: NativeAbortToken): Promise<void>;
  /** Up to maxTokens tokens per running sequence (one decode per step for all of them); one entry per item. */
  batchNext(maxTokens: number, abort?: NativeAbortToken): Promise<NativeBatchStep[]>;
  batchStop(sequence: number): void;
  setAdapters(adapters: NativeAdapter[], scales: Float32Array): void;
  dispose(): void;
}

export interface NativeContextOptions {
  contextSize: number;
  batchSize: number;
  sequences: number;
  threads: number;
  flashAttention: boolean;
  kvCacheType: 'f16' | 'f32';
}

export interface NativeModel {
  info(): NativeModelInfo;
  tokenize(text: string, addSpecial: boolean, parseSpecial: boolean): Uint32Array;
  detokenize(tokens: Uint32Array, special: boolean): string;
  tokenPiece(token: number, special: boolean): Buffer;
  applyChatTemplate(messages: { role: string; content: string }[], addAssistant: boolean, template?: string): string;
  createContext(options: NativeContextOptions): Promise<NativeContext>;
  loadAdapter(path: string): Promise<NativeAdapter>;
  dispose(): void;
}

export interface NativeTinyModelOptions {
  vocabPath: string;
  outPath: string;
  layers: number;
  dim: number;
  heads: number;
  kvHeads: number;
  ffn: number;
  context: number;
  seed: number;
  initStd: number;
  tiedEmbeddings: boolean;
  arch?: string;
  headDim?: number;
  ropeBase?: number;
  ropeFreqs?: boolean;
  attentionScale?: number;
  name?: string;
}

/** Whether the trainer can train a model; `code` and `reason` say why not. */
export interface NativeTrainerSupport {
  supported: boolean;
  code?: string;
  reason?: string;
}

/** Traits of a ggml tensor type (ggml_get_type_traits). */
export interface NativeGgmlTypeInfo {
  type: number;
  /** ggml_type_name, e.g. `q8_0` */
  name: string;
  /** elements per block */
  blockSize: number;
  /** bytes per block */
  typeSize: number;
  isQuantized: boolean;
  /** rows convert to F32 */
  canDequantize: boolean;
  /** F32 rows convert to this type without an importance matrix */
  canQuantize: boolean;
}

export interface NativeTrainerOptions {
  rank: number;
  alpha: number;
  rsLora: boolean;
  dropout: number;
  targets: string[];
  seed: number;
  threads: number;
  /** Backward through the frozen base: 0 out_prod, 1 transposed F32 mul_mat, 2 transposed F16 mul_mat, 3 F32 cast then out_prod, 4 auto, 5 BF16 GEMM (CPU, AVX512_BF16). */
  backward: number;
  /** On the CPU, run the trainer's own kernels with ggml's arithmetic: every OUT_PROD on the packed GEMM
   * (native/core/pl_out_prod.h), short-K products on native/core/pl_short_k_matmul.h. */
  cpuKernels: boolean;
  /** First token id whose embedding and output rows train (F32); 0 = all rows, -1 = none. */
  rowsFrom: number;
  /** 'cpu', 'gpu' or a ggml device name ('CUDA0', 'MTL0'). */
  device: string;
  /** Apply every portable graph rewrite, whatever the device supports. */
  portable: boolean;
}

export interface NativeDeviceInfo {
  /** ggml's device name, e.g. 'CPU', 'CUDA0', 'MTL0'. */
  name: string;
  description: string;
  type: 'cpu' | 'gpu' | 'igpu' | 'accel';
  /** Bytes free and in all on the device when the trainer was created (ggml_backend_dev_memory; the CPU: system RAM). */
  memoryFree: number;
  memoryTotal: number;
}

/** One line of a training graph's op inventory: nodes with the same op, result type and sources. */
export interface NativeGraphOp {
  /** ggml_op_desc: 'MUL_MAT', 'NEG' (a unary op), 'SWIGLU' (a GLU op), ... */
  op: string;
  /** Result type, e.g. 'f32'. */
  type: string;
  /** Each source's type and layout: 'contiguous', 'rows' (contiguous rows only) or 'strided'. */
  sources: { type: string; layout: 'contiguous' | 'rows' | 'strided' }[];
  count: number;
  /** Whether the trainer's device runs it (ggml_backend_dev_supports_op). */
  supported: boolean;
}

export interface NativeStepResult {
  loss: number;
  gradNorm: number;
  targets: number;
}

export interface NativeOptimizerOptions {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  clip: number;
  /** Learning rate of the trainable token rows; -1 = lr. */
  embeddingLr: number;
}

export interface NativeTrainer {
  info(): {
    vocabularySize: number; contextLength: number; layers: number; scale: number; steps: number;
    parameters: { name: string; shape: [number, number] }[];
    /** The first loraParameters entries of `parameters` are LoRA A/B; then token_embd.rows and output.rows. */
    loraParameters: number; rowsFrom: number; tiedEmbeddings: boolean;
    device: NativeDeviceInfo; portable: boolean;
    /** The backward route taken, as an index of backwardModes ('auto' resolved), and whether the CPU kernels run. */
    backward: number; cpuKernels: boolean;
    /** Whether the bf16 route runs on AMX tiles (the OS granted them) rather than AVX512_BF16 dot products. */
    amx: boolean;
    /** How many nodes of the last graph built run on each CPU kernel. */
    cpuKernelNodes: { outProd: number; shortK: number; q8_0: number; kQuant: number; f16: number; crossEntropy: number; attention: number };
    /** Gradient graphs built so far (a micro-batch of the last one's shape reuses it). */
    gradientGraphsBuilt: number;
  };
  /** The op inventory of the probe gradient graphs built at creation (1 and 2 sequences of 2 tokens). */
  graphOps(): NativeGraphOp[];
  logits(tokens: Uint32Array, sequences: number, docStarts?: Uint8Array): Promise<Float32Array>;
  loss(tokens: Uint32Array, sequences: number, weights?: Float32Array, docStarts?: Uint8Array): Promise<number>;
  gradients(tokens: Uint32Array, sequences: number, weights?: Float32Array, docStarts?: Uint8Array): Promise<NativeStepResult>;
  /** microSequences cuts the sequences into micro-batches whose gradients are accumulated (one graph at a time). */
  step(tokens: Uint32Array, sequences: number, weights: Float32Array | undefined, docStarts: Uint8Array | undefined, optimizer: NativeOptimizerOptions,
    microSequences?: Uint32Array): Promise<NativeStepResult>;
  getGradient(index: number): Float32Array;
  getParameter(index: number): Float32Array;
  setParameter(index: number, values: Float32Array): void;
  /** AdamW moment of parameter `index`: which 0 = first (m), 1 = second (v). */
  getMoment(index: number, which: 0 | 1): Float32Array;
  setMoment(index: number, which: 0 | 1, values: Float32Array): void;
  /** Sets the optimizer step count (bias correction and dropout masks follow it). */
  setSteps(steps: number): void;
  exportAdapter(path: string, name: string): Promise<void>;
  /** The base GGUF with the trained token rows written in (F32 tensors, or the stored type with keepType). */
  exportBase(path: string, keepType: boolean): Promise<void>;
  dispose(): void;
}

export interface NativeAddon {
  AbortToken: new () => NativeAbortToken;
  /** devices: offload devices by ggml name ('RPC0', 'CUDA0'; ['cpu'] = none); absent: every GPU ggml has. */
  loadModel(path: string, options: { gpuLayers: number; vocabOnly: boolean; useMmap: boolean; repack: boolean; devices?: string[] }, onProgress?: (p: number) => void, abort?: NativeAbortToken): Promise<NativeModel>;
  /** Registers RPC servers' devices after a bounded probe of each endpoint (native/core/pl_rpc.h). */
  addRpcServers(endpoints: string[], timeoutMs: number): Promise<{ endpoint: string; devices: string[] }[]>;
  inspectGguf(path: string): Promise<NativeGgufSummary>;
  writeTinyModel(options: NativeTinyModelOptions): Promise<number>;
  /** Reads the model's metadata and tensor list only; rejects for a missing or unreadable file. */
  trainerSupport(path: string): Promise<NativeTrainerSupport>;
  quantizeModel(inPath: string, outPath: string, type: string, threads: number): Promise<void>;
  systemInfo(): { devices: string; gpuOffload: boolean; llamaSystemInfo: string; /** built with ggml's RPC backend */ rpc: boolean };
  /**
   * The LoRA dropout masks a training graph computes on `device` for `projections` projections of input width `width`
   * over `tokens` tokens, its inputs drawn from `seed` (native/core/pl_dropout.h): [projections][tokens][width] of 0/1.
   */
  dropoutMasks(device: string, width: number, tokens: number, projections: number, p: number, seed: number): Promise<Float32Array>;
  /** Throws ERR_INVALID_OPTION for a number that is not a supported ggml type. */
  ggmlTypeInfo(type: number): NativeGgmlTypeInfo;
  /** `data` holds whole rows of `rowLength` elements (a multiple of the block size) of `type`. */
  dequantizeRows(type: number, data: Uint8Array, rowLength: number): Promise<Float32Array>;
  /** `data` holds whole rows of `rowLength` values; each row is quantized on its own. */
  quantizeRows(type: number, data: Float32Array, rowLength: number): Promise<Uint8Array>;
  createTrainer(path: string, options: NativeTrainerOptions): Promise<NativeTrainer>;
}

let cached: NativeAddon | undefined;

/**
 * Path of the addon: PERSIAN_LORA_ADDON when set, else build/Release/persian_lora.node (where the install or
 * `persian-lora build` puts it), else a prebuild shipped in the package (prebuilds/<platform>-<arch>/persian_lora.node).
 */
export function addonPath(): string {
  if (process.env.PERSIAN_LORA_ADDON) return process.env.PERSIAN_LORA_ADDON;
  const built = path.join(packageRoot, 'build', 'Release', 'persian_lora.node');
  if (existsSync(built)) return built;
  const prebuild = path.join(packageRoot, 'prebuilds', `${process.platform}-${process.arch}`, 'persian_lora.node');
  return existsSync(prebuild) ? prebuild : built;
}

/** Loads the native addon once; a clear error says how to build it when it is missing. */
export function native(): NativeAddon {
  if (cached) return cached;
  const file = addonPath();
  if (!existsSync(file)) {
    throw new PersianLoraError('ERR_NATIVE', `The native addon is not built (${file} is missing). Run \`npx persian-lora build\` (or \`npm install\`) first.`);
  }
  cached = createRequire(import.meta.url)(file) as NativeAddon;
  return cached;
}
