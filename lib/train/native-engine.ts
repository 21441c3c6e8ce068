// TrainEngine over the native Trainer: micro-batches accumulated natively (one graph at a time), state files for checkpoints.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PersianLoraError } from '../errors.js';
import type { LoopBatch, OptimizerHyper, TrainEngine } from './engine.js';
import type { Trainer, TrainerState } from './trainer.js';

const STATE_JSON = 'trainer-state.json';
const STATE_BIN = 'trainer-state.bin';

/** Packs B × T batches into the trainer's layout (document starts as per-token flags). */
export function toTrainerBatch(batches: LoopBatch[]): { tokens: Uint32Array; sequences: number; weights: Float32Array; docStarts: Uint8Array } {
  const T = batches[0]!.length;
  const sequences = batches.reduce((n, b) => n + b.sequences, 0);
  const tokens = new Uint32Array(sequences * T);
  const weights = new Float32Array(sequences * T);
  const docStarts = new Uint8Array(sequences * T);
  let row = 0;
  for (const b of batches) {
    if (b.length !== T) throw new PersianLoraError('ERR_DATA', `Micro-batches of one step must share a length (${T} vs ${b.length})`);
    tokens.set(b.tokens, row * T);
    weights.set(b.weights, row * T);
    for (let s = 0; s < b.sequences; s++) {
      for (const start of b.documentStarts?.[s] ?? [0]) if (start < T) docStarts[(row + s) * T + start] = 1;
    }
    row += b.sequences;
  }
  return { tokens, sequences, weights, docStarts };
}

const targets = (w: Float32Array) => w.reduce((n, x) => n + (x > 0 ? 1 : 0), 0);

export class NativeEngine implements TrainEngine {
  constructor(readonly trainer: Trainer) {}

  async step(batches: LoopBatch[], h: OptimizerHyper) {
    const r = await this.trainer.step(batches.map((b) => toTrainerBatch([b])), { lr: h.lr, betas: h.betas, eps: h.eps, weightDecay: h.weightDecay, clip: h.clip, embeddingLr: h.embeddingLr });
    return { loss: r.loss, tokens: r.targets, gradNorm: r.gradNorm };
  }

  async evaluate(batch: LoopBatch) {
    const b = toTrainerBatch([batch]);
    return { loss: await this.trainer.loss(b), tokens: targets(b.weights) };
  }

  async saveState(dir: string) {
    const s = await this.trainer.exportState();
    const arrays = [...s.parameters, ...s.moment1, ...s.moment2];
    const bin = Buffer.concat(arrays.map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength)));
    writeFileSync(path.join(dir, STATE_BIN), bin);
    writeFileSync(path.join(dir, STATE_JSON), JSON.stringify({
      format: 'f32le: parameters, then first moments, then second moments, each in this order',
      steps: s.steps,
      parameters: this.trainer.parameters,
    }, null, 2));
  }

  async loadState(dir: string) {
    const file = path.join(dir, STATE_JSON);
    let meta: { steps: number; parameters: { name: string; shape: [number, number] }[] };
    try {
      meta = JSON.parse(readFileSync(file, 'utf8'));
    } catch (error) {
      throw new PersianLoraError('ERR_DATA', `Corrupt checkpoint ${file}: ${(error as Error).message}`);
    }
    const mine = this.trainer.parameters;
    if (!Array.isArray(meta.parameters) || meta.parameters.length !== mine.length || meta.parameters.some((p, i) => p.name !== mine[i]!.name || p.shape[0] !== mine[i]!.shape[0] || p.shape[1] !== mine[i]!.shape[1])) {
      throw new PersianLoraError('ERR_DATA', `Checkpoint ${dir} was made for other LoRA parameters (rank, targets or base model differ)`);
    }
    const bin = readFileSync(path.join(dir, STATE_BIN));
    const sizes = mine.map((p) => p.shape[0] * p.shape[1]);
    const total = sizes.reduce((a, b) => a + b, 0);
    if (bin.length !== total * 3 * 4) throw new PersianLoraError('ERR_DATA', `Corrupt checkpoint ${path.join(dir, STATE_BIN)}: ${bin.length} bytes, expected ${total * 12}`);
    const floats = new Float32Array(bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.length));
    let offset = 0;
    const take = () => sizes.map((n) => { const a = floats.slice(offset, offset + n); offset += n; return a; });
    const state: TrainerState = { steps: meta.steps, parameters: take(), moment1: take(), moment2: take() };
    await this.trainer.importState(state);
  }

  async exportAdapter(file: string) {
    await this.trainer.exportAdapter(file);
  }
}
