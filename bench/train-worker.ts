// Runs in a fresh process: training tokens/s and peak RSS of the native trainer on one base (bench/train.ts).
// Usage: node dist/bench/train-worker.js <base.gguf> <threads> <seqLen> <steps> <rank> [trainer options as JSON]; prints one JSON line.
import { Trainer } from '../lib/train/trainer.js';

const [basePath, threadsArg, seqArg, stepsArg, rankArg, optionsArg] = process.argv.slice(2);
const threads = Number(threadsArg), seq = Number(seqArg), steps = Number(stepsArg), rank = Number(rankArg);
const trainer = await Trainer.create(basePath!, { dropout: 0, rank, alpha: 2 * rank, threads, ...JSON.parse(optionsArg ?? '{}') });
// A fixed pseudo-random sequence of ordinary token ids; one sequence of `seq` tokens per step, every token a target.
const tokens = Uint32Array.from({ length: seq }, (_, i) => 100 + ((i * 7919) % 20000));
const opt = { lr: 1e-4, weightDecay: 0.01, clip: 1 };
const t0 = performance.now();
await trainer.step({ tokens }, opt);  // warm-up: allocations, first-touch of the weights
const warmupMs = performance.now() - t0;
const times: number[] = [];
let loss = 0;
for (let s = 0; s < steps; s++) {
  const t = performance.now();
  loss = (await trainer.step({ tokens }, opt)).loss;
  times.push(performance.now() - t);
}
const f0 = performance.now();
await trainer.loss({ tokens });  // the forward pass alone, to split a step's time
const forwardMs = performance.now() - f0;
const amx = trainer.amx;
trainer.dispose();
const meanMs = times.reduce((a, b) => a + b, 0) / times.length;
process.stdout.write(JSON.stringify({
  tokensPerSecond: seq / (meanMs / 1000), meanStepMs: meanMs, minStepMs: Math.min(...times), warmupMs, forwardMs,
  peakRssMiB: process.resourceUsage().maxRSS / 1024, loss, amx,
}) + '\n');
