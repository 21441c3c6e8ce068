// Options of the LoRA trainer and of each optimizer step: the one place their defaults live.
import { z } from 'zod';

export const loraTargets = ['q', 'k', 'v', 'o', 'gate', 'up', 'down'] as const;
export type LoraTarget = (typeof loraTargets)[number];

/**
 * How the gradient passes through a frozen base weight (see docs/training.md). `auto`: `out_prod` where OUT_PROD runs on
 * the packed GEMM (the CPU), else `f16`. The order is the native enum's.
 */
export const backwardModes = ['out_prod', 'f32', 'f16', 'cast', 'auto', 'bf16'] as const;

const probability = z.number().min(0).lt(1);

/**
 * The study's settings (Extending LLMs to New Languages, COLING 2025): the one place the training defaults live. The
 * trainer, the optimizer step, the loop (lib/train/loop.ts), the schedule and the training job (lib/train/job.ts,
 * `persian-lora train`) all default from here, under these names.
 */
export const trainDefaults = {
  rank: 8,
  alpha: 32,
  targets: loraTargets,
  dropout: 0.05,
  rsLora: false,
  seed: 42,
  lr: 2e-4,
  schedule: 'cosine',
  /** A ratio of the total steps (< 1) or a step count. */
  warmup: 0.05,
  betas: [0.9, 0.999],
  eps: 1e-8,
  weightDecay: 0.01,
  /** Global gradient-norm clip; 0 = off. */
  clip: 1,
  epochs: 1,
  seqLen: 512,
  batch: 1,
  gradAccum: 8,
  valFraction: 0.05,
  evalEvery: 0,
  saveEvery: 0,
  keepCheckpoints: 2,
  threads: 0,
  device: 'cpu',
  portable: false,
  backward: 'auto',
  trainRows: 'none',
} as const;

export const optimizerSchema = z.strictObject({
  /** Learning rate of this step (the schedule is the caller's). Default 2e-4. */
  lr: z.number().min(0).max(1000).default(trainDefaults.lr),
  /** AdamW betas. Default [0.9, 0.999]. */
  betas: z.tuple([probability, probability]).default((): [number, number] => [trainDefaults.betas[0], trainDefaults.betas[1]]),
  /** AdamW epsilon. Default 1e-8. */
  eps: z.number().positive().max(1).default(trainDefaults.eps),
  /** Decoupled weight decay (PyTorch AdamW). Default 0.01. */
  weightDecay: z.number().min(0).max(1000).default(trainDefaults.weightDecay),
  /** Global gradient-norm limit; 0 turns clipping off. Default 1. */
  clip: z.number().min(0).default(trainDefaults.clip),
  /** Learning rate of the trainable token rows (trainRows); default: the same as lr. */
  embeddingLr: z.number().min(0).max(1000).optional(),
});
export type OptimizerOptions = z.input<typeof optimizerSchema>;

/** Token rows that train as full rows: 'none', 'all' or { fromId } (see trainerSchema.trainRows). */
export const trainRowsSchema = z.union([z.enum(['none', 'all']), z.strictObject({ fromId: z.number().int().min(0).max(2 ** 31 - 1) })]);

export const trainerSchema = z.strictObject({
  /** LoRA rank r. Default 8. */
  rank: z.number().int().min(1).max(4096).default(trainDefaults.rank),
  /** LoRA alpha: the update is scaled by alpha / r (alpha / sqrt(r) with rsLora). Default 32. */
  alpha: z.number().positive().max(1e9).default(trainDefaults.alpha),
  /** Projections that get a LoRA pair. Default all seven. */
  targets: z.array(z.enum(loraTargets)).min(1).default(() => [...trainDefaults.targets]).refine((t) => new Set(t).size === t.length, 'no repeated target'),
  /** LoRA dropout on the input of A in training steps (PEFT's lora_dropout, the study's 0.05). Default 0.05. */
  dropout: probability.default(trainDefaults.dropout),
  /** Rank-stabilised scaling alpha / sqrt(r). Default false. */
  rsLora: z.boolean().default(trainDefaults.rsLora),
  /** Seed of the LoRA initialisation (A Kaiming-uniform, B zero). Default 42. */
  seed: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(trainDefaults.seed),
  /** CPU threads; 0 = all cores. Default 0. */
  threads: z.number().int().min(0).max(1024).default(trainDefaults.threads),
  /**
   * Compute device: 'cpu', 'gpu' (the first GPU of this build's ggml backends) or a ggml device name such as
   * 'CUDA0' or 'MTL0'. Default 'cpu'.
   */
  device: z.string().min(1).default(trainDefaults.device),
  /**
   * Apply every portable graph rewrite (docs/training.md, Backends), so that any device, the CPU included, runs the
   * graph that CUDA and Metal run. Default false: only the ops the device lacks are rewritten.
   */
  portable: z.boolean().default(trainDefaults.portable),
  /**
   * Backward through the frozen base weights (docs/training.md): 'auto' (default) is 'out_prod' on the CPU kernels, else
   * 'f16'. 'bf16' runs it on the CPU GEMM with W and dy rounded to BF16 (AVX512_BF16 CPUs only): faster, not ggml's numbers.
   */
  backward: z.enum(backwardModes).default(trainDefaults.backward),
  /**
   * On the CPU, the trainer's own kernels run with ggml's arithmetic (same numbers, bit for bit): every OUT_PROD (all
   * gradients of products) on a packed GEMM, LoRA's short-K products, Q8_0 products on AVX-512 VNNI
   * (docs/training.md, CPU kernels); false keeps ggml's kernels everywhere (for comparison). Ignored on other devices
   * and with portable. Default true.
   */
  cpuKernels: z.boolean().default(true),
  /**
   * Token rows of token_embd and of the output head that train as full F32 rows (with tied embeddings, the one
   * shared matrix): 'none'; 'all' (the study's modules_to_save); or { fromId } for a vocabulary extension (ids >=
   * fromId train, lower ids stay frozen in their stored type). Default 'none'.
   */
  trainRows: trainRowsSchema.default(trainDefaults.trainRows),
  /** Optimizer settings used by step() unless a step overrides them. */
  optimizer: optimizerSchema.default(() => optimizerSchema.parse({})),
});
export type TrainerOptions = z.input<typeof trainerSchema>;
