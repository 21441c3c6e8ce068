// Benchmark: items/s of the evaluation runner on paper-fa multiple choice against a naive loop (one call per option).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Bench } from 'tinybench';
import { createTinyModel } from '../lib/tiny-model.js';
import { loadModel } from '../lib/model.js';
import { resolveTasks } from '../lib/eval/tasks/resolve.js';
import type { ModelRequest } from '../lib/eval/tasks/requests.js';
import { prepareTasks } from '../lib/eval/runner/prepare.js';
import { runEvaluation } from '../lib/eval/runner/run.js';
import { markdownTable } from '../lib/eval/results/table.js';
import { packageRoot } from '../lib/version.js';
import { machineLine, writeResultsSection } from './results.js';
import { PAPER_TESTSET } from '../test/helpers/paper-testset.js';

const { values } = parseArgs({ options: {
  items: { type: 'string', default: '20' }, threads: { type: 'string', default: '2' }, iterations: { type: 'string', default: '3' },
  layers: { type: 'string', default: '4' }, dim: { type: 'string', default: '256' }, quant: { type: 'string', default: 'q8_0' },
  'data-dir': { type: 'string', default: PAPER_TESTSET },
  'no-write': { type: 'boolean', default: false },
} });
const items = Number(values.items);
const threads = Number(values.threads);
const layers = Number(values.layers);
const dim = Number(values.dim);
const quant = values.quant as 'q8_0';
const dataDir = values['data-dir']!;
if (!existsSync(dataDir)) {
  process.stdout.write(`skipped: the paper test sets are not at ${dataDir} (set PERSIAN_LORA_PAPER_TESTSET)\n`);
  process.exit(0);
}

const work = mkdtempSync(path.join(os.tmpdir(), 'pl-bench-eval-'));
const modelPath = (await createTinyModel({ out: path.join(work, 'tiny.gguf'), layers, dim, heads: 4, quant })).path;
const model = await loadModel(modelPath);
const prepared = prepareTasks(resolveTasks('paper-fa/multiple_choice'), { dataDir, limit: items, mode: 'loglikelihood' });
const requests = prepared.tasks[0]!.built.requests as Extract<ModelRequest, { mode: 'loglikelihood' }>[];
const options = requests.reduce((n, r) => n + r.continuations.length, 0);
const promptTokens = requests.reduce((n, r) => n + model.tokenize((r.prompt as { text: string }).text).length, 0);
const CONTEXT = { contextSize: 2048, batchSize: 512, threads };
const naiveContext = await model.createContext({ ...CONTEXT, sequences: 1 });
const continuationTokens = requests.flatMap((r) => r.continuations.map((c) => naiveContext.splitContinuation((r.prompt as { text: string }).text, c).continuation.length));

// Naive: every option scored by its own call from an empty cache. setAdapters([]) clears the KV cache and the
// context's prefix cache (sequence 0), so each call decodes the whole prompt again; sequences: 1, no parallel options.
async function naive(): Promise<number[][]> {
  const out: number[][] = [];
  for (const r of requests) {
    const text = (r.prompt as { text: string }).text;
    const scores: number[] = [];
    for (const c of r.continuations) {
      naiveContext.setAdapters([]);
      scores.push((await naiveContext.logLikelihood(text, c)).logProb);
    }
    out.push(scores);
  }
  return out;
}

// Per item: the runner's call (prompt once, options in parallel sequences), cache cleared before each item.
const itemContext = await model.createContext({ ...CONTEXT, sequences: 8 });
async function perItem(): Promise<number[][]> {
  const out: number[][] = [];
  for (const r of requests) {
    itemContext.setAdapters([]);
    out.push((await itemContext.scoreContinuations((r.prompt as { text: string }).text, r.continuations)).map((s) => s.logProb));
  }
  return out;
}

// The runner as `persian-lora eval` runs it: prompt once per item, options in parallel, and the prompt prefix the
// items share (Alpaca preamble + instruction) kept in the cache from one item to the next.
async function runner(): Promise<number[][]> {
  const results = await runEvaluation(model, prepared, { ...CONTEXT, sequences: 8, hashFiles: false, bootstrapSamples: 100 });
  return results.tasks[0]!.items.map((i) => (i.output.mode === 'loglikelihood' ? i.output.logLikelihoods : []));
}

// The three must agree (same numbers, whatever the path) before their speed means anything: 1e-4 per option.
const [a, b, c] = [await naive(), await perItem(), await runner()];
const worst = Math.max(...a.flatMap((row, i) => row.flatMap((x, j) => [Math.abs(x - b[i]![j]!), Math.abs(x - c[i]![j]!)])));
if (!(worst < 1e-4)) throw new Error(`the methods disagree: largest difference ${worst}`);

const bench = new Bench({ name: 'eval-mc', iterations: Number(values.iterations), time: 0, warmup: false, throws: true });
bench.add('naive loop (one logLikelihood call per option, cache cleared, sequences: 1)', naive);
bench.add('scoreContinuations per item (cache cleared before each item)', perItem);
bench.add('runner (runEvaluation: shared prompt once, options in parallel, prefix cache across items)', runner);
await bench.run();

const rows = bench.tasks.map((t) => {
  const r = t.result as { latency: { mean: number; moe: number }; state: string };
  return { name: t.name, msPerPass: r.latency.mean, moe: r.latency.moe, itemsPerSecond: (items * 1000) / r.latency.mean };
});
const naiveRate = rows[0]!.itemsPerSecond;
const ratio = rows[2]!.itemsPerSecond / naiveRate;
const command = `npx tsc -p tsconfig.json && node dist/bench/run.js eval-mc -- --items ${items} --threads ${threads} --iterations ${values.iterations} --layers ${layers} --dim ${dim} --quant ${quant}`;
const table = markdownTable(['method', 'items/s', 'ms per pass (mean ± 95 % moe)', 'vs naive'], rows.map((r) => [
  r.name, r.itemsPerSecond.toFixed(2), `${r.msPerPass.toFixed(0)} ± ${r.moe.toFixed(0)}`, `${(r.itemsPerSecond / naiveRate).toFixed(2)}×`,
]), ['l', 'r', 'r', 'r']);
const tokensPerOption = continuationTokens.reduce((a, b) => a + b, 0) / options;
const body = [
  `- load average at the end: ${os.loadavg()[0]!.toFixed(1)} (the machine may be shared)`,
  `- model: tiny random llama, ${layers} layers × ${dim}, ${quant}, Llama 2 vocabulary (32,000); ${threads} threads, context 2048, batch 512`,
  `- task: paper-fa/multiple_choice by log-likelihood, first ${items} items, ${options} options (continuations "A"–"D", ${tokensPerOption.toFixed(2)} tokens each on average), ${(promptTokens / items).toFixed(0)} prompt tokens per item on average`,
  `- a pass scores every item; ${values.iterations} timed passes per method, after one untimed pass whose scores agree across the three methods (largest difference ${worst.toExponential(1)})`,
  '- naive baseline: for each option, `setAdapters([])` (which clears the KV cache and the prefix cache of sequence 0) then `logLikelihood(prompt, option)` in a context with `sequences: 1`, so every option decodes the whole prompt',
  '',
  table,
  `**Runner / naive: ${ratio.toFixed(2)}×** (target ≥ 3×).`,
].join('\n');
process.stdout.write(body + '\n');

if (!values['no-write']) {
  const out = path.join(packageRoot, 'bench', 'out');
  mkdirSync(out, { recursive: true });
  writeFileSync(path.join(out, 'eval-mc.json'), JSON.stringify({ machine: machineLine(), command, date: new Date().toISOString(), items, options, threads, layers, dim, quant, promptTokens, tokensPerOption, worstDifference: worst, rows, ratio }, null, 2) + '\n');
  writeResultsSection('Evaluation: multiple-choice scoring', command, body);
}

naiveContext.dispose();
itemContext.dispose();
model.dispose();
rmSync(work, { recursive: true, force: true });
