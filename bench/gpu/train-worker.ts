// Runs in a fresh process (bench/gpu/run.sh): LoRA training tokens/s and peak memory of the trainer on one base and device.
// Usage: node dist/bench/gpu/train-worker.js <base.gguf> <device> <seqLen> <steps> <rank> [threads]; prints one JSON line.
// One sequence of seqLen tokens per step, every token a target, LoRA on q,k,v,o,gate,up,down, AdamW, no dropout (as
// bench/gpu/train_peft.py). Peak memory: the GPU's memory in use at the end minus before the trainer existed (ggml's
// buffers and CUDA pool never shrink during the run, so the end is the peak), and the process's peak RSS.
import os from 'node:os';
import { Trainer } from '../../lib/train/trainer.js';
import { timeSteps } from '../train-steps.js';
import { gpuUsedMiB } from './device-memory.js';

const [basePath, device, seqArg, stepsArg, rankArg, threadsArg] = process.argv.slice(2);
const seq = Number(seqArg), steps = Number(stepsArg), rank = Number(rankArg), threads = Number(threadsArg ?? os.availableParallelism());
const usedBefore = gpuUsedMiB();
const trainer = await Trainer.create(basePath!, { dropout: 0, rank, alpha: 2 * rank, threads, device: device! });
const timed = await timeSteps(trainer, seq, steps);
const usedAfter = gpuUsedMiB();
const info = { device: trainer.device.name, description: trainer.device.description, backward: trainer.backward };
trainer.dispose();
process.stdout.write(JSON.stringify({
  ...info, ...timed,
  deviceMiB: usedBefore !== undefined && usedAfter !== undefined ? usedAfter - usedBefore : null,
  peakRssMiB: process.resourceUsage().maxRSS / 1024,
}) + '\n');
