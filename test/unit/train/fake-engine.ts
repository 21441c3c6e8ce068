// A deterministic TrainEngine in plain TS (a 4-parameter quadratic model) for testing the loop without the addon.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { OptimizerHyper, LoopBatch, TrainEngine } from '../../../lib/train/engine.js';

export class FakeEngine implements TrainEngine {
  w = [0.5, -0.25, 1, 0];
  grad = [0, 0, 0, 0];
  gradTokens = 0;
  calls: string[] = [];
  failSave = false;

  #loss(batch: LoopBatch, accumulate: boolean): { loss: number; tokens: number } {
    let sum = 0;
    let tokens = 0;
    for (let i = 0; i < batch.tokens.length; i++) {
      const wt = batch.weights[i]!;
      if (wt === 0) continue;
      const t = batch.tokens[i]!;
      const d = this.w[t % 4]! - (t % 7) / 7;
      sum += wt * d * d;
      tokens += 1;
      if (accumulate) this.grad[t % 4]! += 2 * wt * d;
    }
    return { loss: tokens > 0 ? sum / tokens : 0, tokens };
  }

  async step(batches: LoopBatch[], h: OptimizerHyper) {
    this.calls.push('opt');
    let sum = 0;
    for (const b of batches) {
      this.calls.push('fb');
      const r = this.#loss(b, true);
      sum += r.loss * r.tokens;
      this.gradTokens += r.tokens;
    }
    const tokens = this.gradTokens;
    const g = this.grad.map((x) => x / Math.max(1, this.gradTokens));
    const norm = Math.hypot(...g);
    const scale = h.clip > 0 && norm > h.clip ? h.clip / norm : 1;
    this.w = this.w.map((w, i) => w * (1 - h.lr * h.weightDecay) - h.lr * scale * g[i]!);
    this.grad = [0, 0, 0, 0];
    this.gradTokens = 0;
    return { loss: tokens > 0 ? sum / tokens : 0, tokens, gradNorm: norm };
  }

  async evaluate(batch: LoopBatch) {
    return this.#loss(batch, false);
  }

  async saveState(dir: string) {
    if (this.failSave) throw new Error('disk full');
    writeFileSync(path.join(dir, 'engine.json'), JSON.stringify({ w: this.w }));
  }

  async loadState(dir: string) {
    this.w = JSON.parse(readFileSync(path.join(dir, 'engine.json'), 'utf8')).w;
  }

  async exportAdapter(file: string) {
    writeFileSync(file, JSON.stringify(this.w));
  }
}
