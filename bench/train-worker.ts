// Runs in a fresh process: training tokens/s and peak RSS of the native trainer on one base (bench/train.ts).
// Usage: node dist/bench/train-worker.js <base.gguf> <threads> <seqLen> <steps> <rank> [trainer options as JSON]; prints one JSON line.
import { Trainer } from '../lib/train/trainer.js';
import { benchTokens, timeSteps } from './train-steps.js';

const [basePath, threadsArg, seqArg, stepsArg, rankArg, optionsArg] = process.argv.slice(2);
const threads = Number(threadsArg), seq = Number(seqArg), steps = Number(stepsArg), rank = Number(rankArg);
const trainer = await Trainer.create(basePath!, { dropout: 0, rank, alpha: 2 * rank, threads, ...JSON.parse(optionsArg ?? '{}') });
const timed = await timeSteps(trainer, seq, steps);
const f0 = performance.now();
await trainer.loss({ tokens: benchTokens(seq) });  // the forward pass alone, to split a step's time
const forwardMs = performance.now() - f0;
const amx = trainer.amx;
trainer.dispose();
process.stdout.write(JSON.stringify({ ...timed, forwardMs, peakRssMiB: process.resourceUsage().maxRSS / 1024, amx }) + '\n');
