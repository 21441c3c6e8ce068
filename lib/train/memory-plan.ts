// Memory plan of a training run: what the trainer's device holds at the peak of a step (weights in their stored type,
// LoRA parameters with their gradients and AdamW moments, the activations the backward reads, the backward's working
// set and scratch), from the model's hyper-parameters and the run's options alone, and the refusal of a run that
// cannot fit the device with the options that would make it fit.
//
// The count follows the graph of native/core/pl_train_graph.cpp under ggml's allocator: a forward tensor stays
// allocated until the backward has read it, so what stays is what the backward ops read (the inputs of MUL_MAT, MUL,
// RMS_NORM, SWIGLU and CROSS_ENTROPY_LOSS, the output of SOFT_MAX), not the sums, scalings and views in between.
import { statSync } from 'node:fs';
import { PersianLoraError } from '../errors.js';
import { readGgufMetadata, type GgufMetadata } from '../vocab/gguf-read.js';
import type { Trainer } from './trainer.js';
import type { LoraTarget } from '../config/train.js';

const F32 = 4;
const GiB = 1024 ** 3;

/** The hyper-parameters the plan needs (a llama-family model as the trainer builds it). */
export interface ModelShape {
  layers: number;
  /** Width C (n_embd). */
  embedding: number;
  /** Feed-forward width F. */
  feedForward: number;
  heads: number;
  kvHeads: number;
  vocabulary: number;
  /** No output.weight: the head reuses token_embd. */
  tiedEmbeddings: boolean;
  /** Bytes of every tensor in its stored type (what the device holds of the base). */
  weightBytes: number;
  /** Elements of the largest frozen matrix the backward passes through (the output head: C × V). */
  largestMatrix: number;
  /** Whether that matrix is stored quantized (its F16 transpose is made from an F32 dequantization). */
  largestQuantized: boolean;
}

export interface MemoryPlanOptions {
  rank: number;
  targets: readonly LoraTarget[];
  /** Tokens per sequence. */
  seqLen: number;
  /** Sequences per micro-batch (one graph). Default 1. */
  sequences?: number;
  /** LoRA dropout: > 0 puts an F32 mask and the masked input of every adapted projection in the graph. */
  dropout: number;
  /** Token rows trained as full F32 rows: 'none', 'all' or from an id. Default 'none'. */
  trainRows?: 'none' | 'all' | { fromId: number };
  /** The backward through frozen weights: 'out_prod' (the CPU's GEMM, no scratch) or a transposed copy ('f16', 'f32'). */
  frozenBackward?: 'out_prod' | 'f16' | 'f32';
  /** Labels as an F32 one-hot per target (the CPU's default graph) or as token ids (other devices, `portable`). Default 'onehot'. */
  labels?: 'onehot' | 'ids';
  /** Where micro-batches' gradients are summed: on the host (the CPU) or in F32 accumulators on the device. Default 'host'. */
  accumulators?: 'host' | 'device';
}

/** Bytes of each part at the peak of a step. */
export interface MemoryPlan {
  weights: number;
  /** LoRA A/B and trainable rows (F32). */
  parameters: number;
  /** Their gradients, one graph's outputs (F32). */
  gradients: number;
  /** AdamW's two moments (F32). */
  optimizer: number;
  /** Forward tensors kept for the backward, all layers, at seqLen × sequences tokens. */
  activations: number;
  /** The output head and loss: logits, labels and their gradient for every target token. */
  head: number;
  /** The backward's working set at its peak: one layer's gradients and the transposed copy of the largest frozen matrix. */
  scratch: number;
  total: number;
}

export const loraTargetShapes = (s: ModelShape): Record<LoraTarget, [inputs: number, outputs: number]> => {
  const kv = (s.embedding / s.heads) * s.kvHeads;
  return {
    q: [s.embedding, s.embedding], k: [s.embedding, kv], v: [s.embedding, kv], o: [s.embedding, s.embedding],
    gate: [s.embedding, s.feedForward], up: [s.embedding, s.feedForward], down: [s.feedForward, s.embedding],
  };
};

/** Elements per token of one layer's forward tensors that the backward reads. */
function keptPerToken(s: ModelShape, o: Required<MemoryPlanOptions>): number {
  const C = s.embedding, F = s.feedForward, kv = (C / s.heads) * s.kvHeads;
  const gqaRepeat = s.kvHeads !== s.heads && o.sequences > 1;
  // attention: x, its norm, h; q (contiguous), k (roped), vᵀ; the probabilities; the heads' output o
  const attention = 3 * C + C + 2 * kv + o.seqLen * s.heads + C + (gqaRepeat ? 2 * C : 0);
  // feed-forward: x, its norm, h; gate, up and their SwiGLU
  const ffn = 3 * C + 3 * F;
  const shapes = loraTargetShapes(s);
  // each adapted projection: A·x (r) for B's product; with dropout the mask and the masked input of A's product
  const lora = o.targets.reduce((n, t) => n + o.rank + (o.dropout > 0 ? 2 * shapes[t][0] : 0), 0);
  return attention + ffn + lora;
}

/** Elements of the LoRA parameters (A [in, r] and B [r, out] per adapted projection) and trainable rows. */
export function parameterCount(s: ModelShape, o: Pick<MemoryPlanOptions, 'rank' | 'targets' | 'trainRows'>): number {
  const shapes = loraTargetShapes(s);
  const lora = s.layers * o.targets.reduce((n, t) => n + o.rank * (shapes[t][0] + shapes[t][1]), 0);
  const rows = o.trainRows === undefined || o.trainRows === 'none' ? 0 : s.vocabulary - (o.trainRows === 'all' ? 0 : Math.min(o.trainRows.fromId, s.vocabulary));
  return lora + rows * s.embedding * (s.tiedEmbeddings ? 1 : 2);
}

/** The plan of one micro-batch's step: a pure function of the model's shape and the options. */
export function planMemory(s: ModelShape, options: MemoryPlanOptions): MemoryPlan {
  const o: Required<MemoryPlanOptions> = { sequences: 1, trainRows: 'none', frozenBackward: 'f16', labels: 'onehot', accumulators: 'host', ...options };
  const N = o.seqLen * o.sequences;
  const P = parameterCount(s, o);
  const perToken = keptPerToken(s, o);
  const activations = s.layers * perToken * N * F32;
  // final norm input, its output and the hidden states; per target: its hidden row, logits, one-hot labels (or one id),
  // their gradient
  const rowsHead = o.trainRows !== 'none' && o.trainRows !== 'all' ? 2 : 0;   // frozen and trainable logits, then their set
  const labelRows = o.labels === 'onehot' ? 1 : 0;
  const head = (3 * s.embedding + s.embedding + (2 + labelRows + rowsHead) * s.vocabulary) * N * F32 + (o.labels === 'ids' ? N * 4 : 0);
  const transposed = o.frozenBackward === 'out_prod' ? 0 : s.largestMatrix * ((o.frozenBackward === 'f16' ? 2 : 4) + (s.largestQuantized ? F32 : 0));
  const scratch = 2 * perToken * N * F32 + transposed;
  const gradients = (o.accumulators === 'device' ? 2 : 1) * P * F32;   // one graph's outputs, plus the device's running sums
  const plan = { weights: s.weightBytes, parameters: P * F32, gradients, optimizer: 2 * P * F32, activations, head, scratch };
  return { ...plan, total: Object.values(plan).reduce((a, b) => a + b, 0) };
}

const intKey = (meta: GgufMetadata, key: string): number | undefined => {
  const v = meta.kv.get(key)?.value;
  return typeof v === 'number' || typeof v === 'bigint' ? Number(v) : undefined;
};

/**
 * The shape of a llama-family GGUF from its metadata and tensor list (no tensor data read); `fileBytes` is the file's
 * size, so the weights' bytes are the data section's (each tensor in its stored type, with its alignment padding).
 */
export function modelShapeFromGguf(meta: GgufMetadata, fileBytes: number): ModelShape {
  const arch = String(meta.kv.get('general.architecture')?.value ?? '');
  const need = (key: string): number => {
    const v = intKey(meta, `${arch}.${key}`);
    if (v === undefined || !(v > 0)) throw new PersianLoraError('ERR_BAD_FORMAT', `${meta.file}: expected a positive integer for ${arch}.${key} but found ${String(v)}`);
    return v;
  };
  const tensors = new Map(meta.tensors.map((t) => [t.name, t]));
  const embd = tensors.get('token_embd.weight');
  if (!embd || embd.ne.length < 2) throw new PersianLoraError('ERR_BAD_FORMAT', `${meta.file}: expected a 2-D tensor token_embd.weight but found ${embd ? `shape [${embd.ne.join(', ')}]` : 'none'}`);
  const output = tensors.get('output.weight');
  const head = output ?? embd;
  const heads = need('attention.head_count');
  return {
    layers: need('block_count'), embedding: need('embedding_length'), feedForward: need('feed_forward_length'),
    heads, kvHeads: intKey(meta, `${arch}.attention.head_count_kv`) ?? heads, vocabulary: embd.ne[1]!,
    tiedEmbeddings: !output,
    weightBytes: fileBytes - Number(meta.dataOffset),
    largestMatrix: head.ne[0]! * head.ne[1]!, largestQuantized: head.ggmlType !== 0 && head.ggmlType !== 1,
  };
}

export const gib = (bytes: number): string => `${(bytes / GiB).toFixed(2)} GiB`;

/** One line per part, for messages and logs. */
export function describeMemoryPlan(p: MemoryPlan): string {
  return `weights ${gib(p.weights)}, LoRA parameters ${gib(p.parameters)} + gradients ${gib(p.gradients)} + AdamW ${gib(p.optimizer)}, ` +
    `activations ${gib(p.activations)}, head and loss ${gib(p.head)}, backward scratch ${gib(p.scratch)}: total ${gib(p.total)}`;
}

/** The device's memory as ggml reports it when the trainer was created (weights and LoRA parameters already in place). */
export interface DeviceMemory {
  name: string;
  memoryFree: number;
  memoryTotal: number;
}

/**
 * What the step needs beyond what the trainer already holds must fit the free memory (and the whole plan the device);
 * else ERR_OUT_OF_MEMORY with the figures and the options that would fit (shorter sequences, fewer sequences per
 * micro-batch with more accumulation, no dropout, fewer targets). A device that reports no memory is not checked.
 */
export function checkMemoryPlan(shape: ModelShape, options: MemoryPlanOptions, device: DeviceMemory): MemoryPlan {
  const plan = planMemory(shape, options);
  if (!(device.memoryTotal > 0)) return plan;
  const resident = plan.weights + plan.parameters;
  const needed = plan.total - resident;
  if (needed <= device.memoryFree && plan.total <= device.memoryTotal) return plan;
  const fits = (o: MemoryPlanOptions): boolean => {
    const p = planMemory(shape, o);
    return p.total - resident <= device.memoryFree && p.total <= device.memoryTotal;
  };
  const hints: string[] = [];
  const sequences = options.sequences ?? 1;
  for (let s = sequences >> 1; s >= 1; s >>= 1) {
    if (fits({ ...options, sequences: s })) { hints.push(`${s} sequence${s > 1 ? 's' : ''} per micro-batch (batch ${s}, raise gradAccum to keep the tokens per step)`); break; }
  }
  for (let len = options.seqLen >> 1; len >= 16; len >>= 1) {
    if (fits({ ...options, sequences: 1, seqLen: len })) { hints.push(`seqLen ${len} with batch 1`); break; }
  }
  if (options.dropout > 0 && fits({ ...options, dropout: 0 })) hints.push('dropout 0 (its masks are kept per adapted projection)');
  const attentionOnly = options.targets.filter((t) => t === 'q' || t === 'v');
  if (attentionOnly.length > 0 && attentionOnly.length < options.targets.length && fits({ ...options, targets: attentionOnly })) {
    hints.push(`targets ${attentionOnly.join(',')}`);
  }
  throw new PersianLoraError('ERR_OUT_OF_MEMORY', [
    `The training step does not fit device ${device.name}: it needs ${gib(plan.total)} (${describeMemoryPlan(plan)}) at seqLen ` +
      `${options.seqLen} × ${sequences} sequence${sequences > 1 ? 's' : ''}; the device has ${gib(device.memoryTotal)} in all and ` +
      `${gib(device.memoryFree)} free with the weights and LoRA parameters loaded (${gib(needed)} more needed).`,
    hints.length > 0 ? `Options that fit: ${hints.join('; or ')}.` : 'No shorter sequence, smaller micro-batch or dropout 0 fits: use a device with more memory or a smaller base.',
  ].join(' '));
}

/** The frozen-weight backward the plan counts for a trainer's route (backward modes of lib/config/train.ts). */
export function frozenBackwardOf(backward: string): NonNullable<MemoryPlanOptions['frozenBackward']> {
  return backward === 'f16' ? 'f16' : backward === 'f32' || backward === 'cast' ? 'f32' : 'out_prod';
}

/** checkMemoryPlan for a created trainer on `basePath` at seqLen × sequences tokens per micro-batch. */
export function checkTrainerMemory(trainer: Trainer, basePath: string, run: { seqLen: number; sequences: number }): MemoryPlan {
  const shape = modelShapeFromGguf(readGgufMetadata(basePath), statSync(basePath).size);
  const o = trainer.options;
  return checkMemoryPlan(shape, {
    rank: o.rank, targets: o.targets, dropout: o.dropout, trainRows: o.trainRows, seqLen: run.seqLen, sequences: run.sequences,
    frozenBackward: frozenBackwardOf(trainer.backward), labels: o.portable || trainer.device.type !== 'cpu' ? 'ids' : 'onehot',
    accumulators: trainer.device.type !== 'cpu' ? 'device' : 'host',
  }, trainer.device);
}
