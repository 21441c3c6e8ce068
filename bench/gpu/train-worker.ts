// Runs in a fresh process (bench/gpu/run.sh): LoRA training tokens/s and peak memory of the trainer on one base and device.
// Usage: node dist/bench/gpu/train-worker.js <base.gguf> <device> <seqLen> <steps> <rank> [threads]; prints one JSON line.
// One sequence of seqLen tokens per step, every token a target, LoRA on q,k,v,o,gate,up,down, AdamW, no dropout (as
// bench/gpu/train_peft.py). Peak memory: the GPU's memory in use at the end minus before the trainer existed (ggml's
// buffers and CUDA pool never shrink during the run, so the end is the peak), and the process's peak RSS.
import os from 'node:os';
import { Trainer } from '../../lib/train/trainer.js';
import { gpuUsedMiB } from './device-memory.js';

const [basePath, device, seqArg, stepsArg, rankArg, threadsArg] = process.argv.slice(2);
const seq = Number(seqArg), steps = Number(stepsArg), rank = Number(rankArg), threads = Number(threadsArg ?? os.availableParallelism());
const usedBefore = gpuUsedMiB();
const trainer = await Trainer.create(basePath!, { dropout: 0, rank, alpha: 2 * rank, threads, device: device! });
const tokens = Uint32Array.from({ length: seq }, (_, i) => 100 + ((i * 7919) % 20000));
const opt = { lr: 1e-4, weightDecay: 0.01, clip: 1 };
const t0 = performance.now();
await trainer.step({ tokens }, opt);  // warm-up: allocations, graph, first upload
const warmupMs = performance.now() - t0;
const times: number[] = [];
let loss = 0;
for (let s = 0; s < steps; s++) {
  const t = performance.now();
  loss = (await trainer.step({ tokens }, opt)).loss;
  times.push(performance.now() - t);
}
const usedAfter = gpuUsedMiB();
const info = { device: trainer.device.name, description: trainer.device.description, backward: trainer.backward };
trainer.dispose();
const meanMs = times.reduce((a, b) => a + b, 0) / times.length;
process.stdout.write(JSON.stringify({
  ...info, tokensPerSecond: seq / (meanMs / 1000), meanStepMs: meanMs, minStepMs: Math.min(...times), warmupMs, loss,
  deviceMiB: usedBefore !== undefined && usedAfter !== undefined ? usedAfter - usedBefore : null,
  peakRssMiB: process.resourceUsage().maxRSS / 1024,
}) + '\n');
