// The interface the training loop drives: one native trainer implements it (forward/backward, optimizer, state files).

/** B sequences of T tokens, row-major; weights[i] is the loss weight for predicting tokens[i] (0 = masked). */
export interface LoopBatch {
  sequences: number;
  length: number;
  tokens: Uint32Array;
  weights: Float32Array;
  /** Per sequence, the offsets where packed documents start (attention stays inside each document). */
  documentStarts?: Uint32Array[];
}

export interface OptimizerHyper {
  lr: number;
  /** Learning rate of trainable embedding / output rows. */
  embeddingLr: number;
  weightDecay: number;
  betas: [number, number];
  eps: number;
  /** Global-norm clip; 0 = off. */
  clip: number;
}

export interface TrainEngine {
  /**
   * One optimizer step over the micro-batches (gradient accumulation): the gradient is the token-weighted mean over
   * all of them. Returns their mean loss before the update, the target tokens, and the gradient norm before clipping.
   */
  step(microBatches: LoopBatch[], hyper: OptimizerHyper): Promise<{ loss: number; tokens: number; gradNorm: number }>;
  /** Mean loss on a batch without touching gradients. */
  evaluate(batch: LoopBatch): Promise<{ loss: number; tokens: number }>;
  /** Writes trainable tensors and optimizer moments into `dir` (files named by the engine). */
  saveState(dir: string): Promise<void>;
  loadState(dir: string): Promise<void>;
  /** Writes the adapter as a llama.cpp LoRA GGUF. */
  exportAdapter(path: string): Promise<void>;
}
