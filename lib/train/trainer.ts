// Trainer: LoRA on a frozen GGUF base (any stored type) through the native training graph, one step at a time.
import os from 'node:os';
import { parseOptions } from '../config/validate.js';
import { optimizerSchema, trainerSchema, backwardModes, type OptimizerOptions, type TrainerOptions } from '../config/train.js';
import { PersianLoraError, fromNativeError, invalidOption } from '../errors.js';
import { native, type NativeDeviceInfo, type NativeGraphOp, type NativeTrainer } from '../native/addon.js';
import { readModelGguf } from '../gguf/model-file.js';

export type TrainerDevice = NativeDeviceInfo;
export type GraphOp = NativeGraphOp;

/** A batch: `sequences` rows of equal length laid out one after the other in `tokens`. */
export interface TrainBatch {
  tokens: Uint32Array;
  /** Number of sequences B; tokens.length must be a multiple. Default 1. */
  sequences?: number;
  /** Loss weight of each token as a target (predicted from the token before it); 0 masks it. Default all 1. */
  weights?: Float32Array;
  /** 1 where a packed document begins: attention and positions restart there, and its first token is no target. */
  docStarts?: Uint8Array;
}

export interface StepResult {
  /** Weighted mean cross-entropy of the batch before the update (nats). */
  loss: number;
  /** Global L2 norm of the LoRA gradients before clipping. */
  gradNorm: number;
  /** Tokens with a non-zero weight. */
  targets: number;
}

export interface TrainerParameter {
  /** e.g. `blk.0.attn_q.weight.lora_a`. */
  name: string;
  /** ggml order: A is [in, r], B is [r, out]. */
  shape: [number, number];
}

export interface TrainerState {
  steps: number;
  /** In `parameters` order. */
  parameters: Float32Array[];
  /** AdamW first and second moments, in `parameters` order. */
  moment1: Float32Array[];
  moment2: Float32Array[];
}

export class Trainer {
  readonly basePath: string;
  readonly options: ReturnType<typeof trainerSchema.parse>;
  readonly parameters: readonly TrainerParameter[];
  /** Multiplier of B·A: alpha / r, or alpha / sqrt(r) with rsLora. */
  readonly scale: number;
  readonly contextLength: number;
  readonly vocabularySize: number;
  /** How many leading entries of `parameters` are LoRA A/B pairs; the rest are token rows. */
  readonly loraParameterCount: number;
  /** First token id whose rows train (0 = all), or -1 when no rows train. */
  readonly rowsFrom: number;
  /** True when the base has no output.weight (the head reuses token_embd, and so do its trainable rows). */
  readonly tiedEmbeddings: boolean;
  /** The device the graphs run on (ggml's name, description and type). */
  readonly device: TrainerDevice;
  /** The backward route through the frozen base that runs ('auto' resolved for the device). */
  readonly backward: Exclude<(typeof backwardModes)[number], 'auto'>;
  /** Whether the trainer's own CPU kernels run (packed GEMM for OUT_PROD, short-K products), with ggml's arithmetic. */
  readonly cpuKernels: boolean;
  #handle: NativeTrainer | undefined;
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(basePath: string, options: ReturnType<typeof trainerSchema.parse>, handle: NativeTrainer) {
    this.basePath = basePath;
    this.options = options;
    this.#handle = handle;
    const info = handle.info();
    this.parameters = info.parameters;
    this.scale = info.scale;
    this.contextLength = info.contextLength;
    this.vocabularySize = info.vocabularySize;
    this.loraParameterCount = info.loraParameters;
    this.rowsFrom = info.rowsFrom;
    this.tiedEmbeddings = info.tiedEmbeddings;
    this.device = info.device;
    this.backward = backwardModes[info.backward] as Trainer['backward'];
    this.cpuKernels = info.cpuKernels;
  }

  /** Loads `basePath` (weights stay in their stored type) and creates freshly initialised LoRA pairs. */
  static async create(basePath: string, options: TrainerOptions = {}): Promise<Trainer> {
    if (typeof basePath !== 'string' || basePath.length === 0) throw invalidOption('a GGUF path', 'Trainer.create basePath', basePath);
    const o = parseOptions(trainerSchema, options, 'trainer options');
    readModelGguf(basePath); // the validation layer: the training graph trusts the hyper-parameters and shapes
    try {
      const handle = await native().createTrainer(basePath, {
        rank: o.rank, alpha: o.alpha, rsLora: o.rsLora, dropout: o.dropout, targets: o.targets, seed: o.seed,
        threads: o.threads === 0 ? os.availableParallelism() : o.threads, backward: backwardModes.indexOf(o.backward),
        rowsFrom: o.trainRows === 'none' ? -1 : o.trainRows === 'all' ? 0 : o.trainRows.fromId,
        device: o.device, portable: o.portable, cpuKernels: o.cpuKernels,
      });
      return new Trainer(basePath, o, handle);
    } catch (error) {
      throw fromNativeError(error);
    }
  }

  get #native(): NativeTrainer {
    if (!this.#handle) throw new PersianLoraError('ERR_DISPOSED', 'The trainer has been disposed');
    return this.#handle;
  }

  /** Runs native calls one at a time, in call order. */
  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #call<T>(fn: (h: NativeTrainer) => Promise<T>): Promise<T> {
    const h = this.#native;
    return this.#serial(async () => {
      try {
        return await fn(h);
      } catch (error) {
        throw fromNativeError(error);
      }
    });
  }

  #batch(batch: TrainBatch, label: string): Required<Pick<TrainBatch, 'tokens' | 'sequences'>> & TrainBatch {
    if (batch === null || typeof batch !== 'object') throw invalidOption('a batch object', label, batch);
    const { tokens, sequences = 1, weights, docStarts } = batch;
    if (!(tokens instanceof Uint32Array) || tokens.length === 0) throw invalidOption('a non-empty Uint32Array', `${label}.tokens`, tokens);
    if (!Number.isInteger(sequences) || sequences < 1 || tokens.length % sequences !== 0) {
      throw invalidOption(`a positive integer dividing the token count ${tokens.length}`, `${label}.sequences`, sequences);
    }
    if (tokens.length / sequences > this.contextLength) {
      throw new PersianLoraError('ERR_CONTEXT_OVERFLOW', `Expected at most ${this.contextLength} tokens per sequence (the model's context) for ${label}.tokens but received ${tokens.length / sequences}`);
    }
    if (weights !== undefined && (!(weights instanceof Float32Array) || weights.length !== tokens.length)) {
      throw invalidOption(`a Float32Array of length ${tokens.length}`, `${label}.weights`, weights);
    }
    if (docStarts !== undefined && (!(docStarts instanceof Uint8Array) || docStarts.length !== tokens.length)) {
      throw invalidOption(`a Uint8Array of length ${tokens.length}`, `${label}.docStarts`, docStarts);
    }
    return { tokens, sequences, weights, docStarts };
  }

  /** Logits of every position as the training forward computes them: row-major [tokens][vocabulary]. */
  logits(batch: TrainBatch): Promise<Float32Array> {
    const b = this.#batch(batch, 'logits batch');
    return this.#call((h) => h.logits(b.tokens, b.sequences, b.docStarts));
  }

  /** Weighted mean cross-entropy of the batch, without a backward pass or dropout. */
  loss(batch: TrainBatch): Promise<number> {
    const b = this.#batch(batch, 'loss batch');
    return this.#call((h) => h.loss(b.tokens, b.sequences, b.weights, b.docStarts));
  }

  /** Loss and the gradient of every LoRA parameter (in `parameters` order), without an update; dropout applies. */
  gradients(batch: TrainBatch): Promise<StepResult & { gradients: Float32Array[] }> {
    const b = this.#batch(batch, 'gradients batch');
    return this.#call(async (h) => {
      const r = await h.gradients(b.tokens, b.sequences, b.weights, b.docStarts);
      return { ...r, gradients: this.parameters.map((_, i) => h.getGradient(i)) };
    });
  }

  /**
   * One AdamW step on the batch; `optimizer` overrides the trainer's optimizer options for this step (e.g. lr). An
   * array of batches (micro-batches of one length) accumulates their gradients, one graph at a time: the step is that
   * of the micro-batches taken as one batch (token-weighted mean loss and gradient) in the memory of one of them.
   */
  step(batch: TrainBatch | TrainBatch[], optimizer: OptimizerOptions = {}): Promise<StepResult> {
    const b = Array.isArray(batch) ? this.#microBatches(batch) : { ...this.#batch(batch, 'step batch'), micro: undefined };
    const o = parseOptions(optimizerSchema, { ...this.options.optimizer, ...optimizer }, 'step optimizer');
    return this.#call((h) => h.step(b.tokens, b.sequences, b.weights, b.docStarts, {
      lr: o.lr, beta1: o.betas[0], beta2: o.betas[1], eps: o.eps, weightDecay: o.weightDecay, clip: o.clip, embeddingLr: o.embeddingLr ?? -1,
    }, b.micro));
  }

  /** Micro-batches of one length concatenated, with their sequence counts. */
  #microBatches(batches: TrainBatch[]) {
    if (batches.length === 0) throw invalidOption('a non-empty array of batches', 'step batch', batches);
    const parts = batches.map((m, i) => this.#batch(m, `step batch[${i}]`));
    const T = parts[0]!.tokens.length / parts[0]!.sequences;
    parts.forEach((p, i) => {
      if (p.tokens.length / p.sequences !== T) throw invalidOption(`${T} tokens per sequence (as step batch[0])`, `step batch[${i}].tokens`, p.tokens.length / p.sequences);
    });
    const n = parts.reduce((k, p) => k + p.tokens.length, 0);
    const tokens = new Uint32Array(n), weights = new Float32Array(n).fill(1), docStarts = new Uint8Array(n);
    let offset = 0;
    for (const p of parts) {
      tokens.set(p.tokens, offset);
      if (p.weights) weights.set(p.weights, offset);
      if (p.docStarts) docStarts.set(p.docStarts, offset);
      else for (let s = 0; s < p.sequences; s++) docStarts[offset + s * T] = 1;
      offset += p.tokens.length;
    }
    const micro = Uint32Array.from(parts, (p) => p.sequences);
    return { tokens, sequences: micro.reduce((a, s) => a + s, 0), weights, docStarts, micro };
  }

  /** Values of parameter `index` (ggml order, see `parameters`). */
  getParameter(index: number): Promise<Float32Array> {
    this.#index(index, 'getParameter index');
    return this.#call(async (h) => h.getParameter(index));
  }

  setParameter(index: number, values: Float32Array): Promise<void> {
    this.#index(index, 'setParameter index');
    const p = this.parameters[index]!;
    if (!(values instanceof Float32Array) || values.length !== p.shape[0] * p.shape[1]) {
      throw invalidOption(`a Float32Array of length ${p.shape[0] * p.shape[1]}`, 'setParameter values', values);
    }
    return this.#call(async (h) => h.setParameter(index, values));
  }

  #index(index: number, label: string): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.parameters.length) {
      throw invalidOption(`an integer in [0, ${this.parameters.length - 1}]`, label, index);
    }
  }

  /**
   * The op inventory of the probe gradient graphs built at creation (1 and 2 sequences of 2 tokens, this trainer's
   * options), after the rewrites for the device: each op with its result and source types, and its count.
   */
  graphOps(): GraphOp[] {
    return this.#native.graphOps();
  }

  /** Whether the `bf16` backward route runs on AMX tiles (Intel CPUs since Sapphire Rapids, where the OS grants them). */
  get amx(): boolean {
    return this.#native.info().amx;
  }

  /** How many nodes of the last graph built (logits, loss or step) ran on each of the trainer's CPU kernels. */
  get cpuKernelNodes(): { outProd: number; shortK: number; q8_0: number; kQuant: number; f16: number; crossEntropy: number; attention: number } {
    return this.#native.info().cpuKernelNodes;
  }

  /**
   * Gradient graphs built so far. A micro-batch with the last one's tokens, sequences and target count per loss weight
   * reuses its graph and allocation (only the inputs are copied in), unless a loss or logits graph ran in between.
   */
  get gradientGraphsBuilt(): number {
    return this.#native.info().gradientGraphsBuilt;
  }

  /** Optimizer steps taken (restored by importState). */
  get steps(): number {
    return this.#native.info().steps;
  }

  /** Parameters, AdamW moments and the step count: everything a checkpoint needs to continue bit for bit. */
  exportState(): Promise<TrainerState> {
    return this.#call(async (h) => ({
      steps: h.info().steps,
      parameters: this.parameters.map((_, i) => h.getParameter(i)),
      moment1: this.parameters.map((_, i) => h.getMoment(i, 0)),
      moment2: this.parameters.map((_, i) => h.getMoment(i, 1)),
    }));
  }

  importState(state: TrainerState): Promise<void> {
    for (const key of ['parameters', 'moment1', 'moment2'] as const) {
      if (!Array.isArray(state[key]) || state[key].length !== this.parameters.length) {
        throw invalidOption(`${this.parameters.length} Float32Arrays (one per parameter)`, `importState state.${key}`, state[key]);
      }
    }
    return this.#call(async (h) => {
      this.parameters.forEach((_, i) => {
        h.setParameter(i, state.parameters[i]!);
        h.setMoment(i, 0, state.moment1[i]!);
        h.setMoment(i, 1, state.moment2[i]!);
      });
      h.setSteps(state.steps);
    });
  }

  /** Writes the adapter as the LoRA GGUF llama.cpp loads (atomically: a temporary file, then a rename). */
  exportAdapter(path: string, name = 'persian-lora adapter'): Promise<void> {
    if (typeof path !== 'string' || path.length === 0) throw invalidOption('a file path', 'exportAdapter path', path);
    return this.#call((h) => h.exportAdapter(path, name));
  }

  /**
   * Writes the base GGUF with the trained token rows in place (token_embd.weight, and output.weight unless tied);
   * every other tensor and key is copied. A llama.cpp LoRA adapter cannot carry full rows, so a run with trainRows
   * ships this base plus exportAdapter's adapter. By default the two tensors become F32 (exactly what the trainer
   * computes with); keepType quantizes the trained rows back into the stored type (frozen rows byte for byte).
   */
  exportBase(path: string, options: { keepType?: boolean } = {}): Promise<void> {
    if (typeof path !== 'string' || path.length === 0) throw invalidOption('a file path', 'exportBase path', path);
    if (this.rowsFrom < 0) throw invalidOption("trainRows 'all' or { fromId } (no token rows train, so the base is unchanged)", 'exportBase trainer options.trainRows', 'none');
    const keepType = options.keepType ?? false;
    if (typeof keepType !== 'boolean') throw invalidOption('a boolean', 'exportBase options.keepType', keepType);
    return this.#call((h) => h.exportBase(path, keepType));
  }

  /** Frees the trainer (after any running call ends). Idempotent. */
  dispose(): void {
    this.#handle?.dispose();
    this.#handle = undefined;
  }
}
