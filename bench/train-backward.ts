// Measures the trainer's backward routes through the frozen base (ggml's out_prod vs transposed F32/F16 mul_mat)
// on tiny llama models: `node dist/bench/train-backward.js [--widths 256,512,1024] [--quants f32,q8_0] [--tokens 128]
// [--routes out_prod,f32,f16,cast] [--threads 2] [--repeats 3]`.
// Writes bench/results/train-backward-t<tokens>.json and prints a markdown table. Times are the minimum over repeats.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createTinyModel, type QuantType } from '../lib/tiny-model.js';
import { Trainer, type TrainBatch } from '../lib/train/trainer.js';
import { backwardModes } from '../lib/config/train.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : fallback;
}

const widths = arg('widths', '256,512,1024').split(',').map(Number);
const quants = arg('quants', 'f32,f16,q8_0,q4_0,q4_k_m').split(',') as QuantType[];
const T = Number(arg('tokens', '128'));
const threads = Number(arg('threads', '2'));
const repeats = Number(arg('repeats', '3'));
const routes = arg('routes', backwardModes.join(',')).split(',') as (typeof backwardModes)[number][];

async function minTime(fn: () => Promise<unknown>): Promise<number> {
  let best = Infinity;
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    await fn();
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

interface Row { width: number; quant: string; backward: string; forwardMs: number; gradientsMs: number; backwardMs: number; tokensPerSecond: number }

const dir = mkdtempSync(path.join(os.tmpdir(), 'pl-bench-'));
const rows: Row[] = [];
try {
  for (const width of widths) {
    for (const quant of quants) {
      const file = path.join(dir, `w${width}-${quant}.gguf`);
      await createTinyModel({ out: file, dim: width, layers: 2, heads: width / 64, quant, context: Math.max(512, T) });
      const batch: TrainBatch = { tokens: new Uint32Array(T).map((_, i) => 100 + ((i * 7919) % 20000)) };
      const trainers = await Promise.all(routes.map((backward) => Trainer.create(file, { alpha: 16, dropout: 0, rank: 8, threads, backward })));
      for (const tr of trainers) await tr.gradients(batch);  // warm-up
      for (const [i, tr] of trainers.entries()) {
        const forwardMs = await minTime(() => tr.loss(batch));
        const gradientsMs = await minTime(() => tr.gradients(batch));
        rows.push({ width, quant, backward: routes[i]!, forwardMs, gradientsMs, backwardMs: gradientsMs - forwardMs, tokensPerSecond: T / (gradientsMs / 1000) });
        process.stderr.write(`${JSON.stringify(rows.at(-1))}\n`);
      }
      for (const tr of trainers) tr.dispose();
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

mkdirSync(path.join('bench', 'results'), { recursive: true });
writeFileSync(path.join('bench', 'results', `train-backward-t${T}.json`), JSON.stringify({ tokens: T, threads, repeats, cpu: os.cpus()[0]?.model, rows }, null, 2) + '\n');
console.log(`| width | base | route | forward ms | forward+backward ms | backward ms | tokens/s |`);
console.log(`|---|---|---|---|---|---|---|`);
for (const r of rows) {
  console.log(`| ${r.width} | ${r.quant} | ${r.backward} | ${r.forwardMs.toFixed(0)} | ${r.gradientsMs.toFixed(0)} | ${r.backwardMs.toFixed(0)} | ${r.tokensPerSecond.toFixed(0)} |`);
}
