// Benchmark: items/s of generate-mode evaluation on paper-fa sentiment, batched (parallel sequences) against one at a time.
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
import { generateOptions, promptInput } from '../lib/eval/runner/answer.js';
import { markdownTable } from '../lib/eval/results/table.js';
import { packageRoot } from '../lib/version.js';
import { machineLine, writeResultsSection } from './results.js';
import { PAPER_TESTSET } from '../test/helpers/paper-testset.js';

const { values } = parseArgs({ options: {
  items: { type: 'string', default: '16' }, threads: { type: 'string', default: '2' }, iterations: { type: 'string', default: '3' },
  'max-tokens': { type: 'string', default: '32' }, sequences: { type: 'string', default: '8' },
  layers: { type: 'string', default: '4' }, dim: { type: 'string', default: '256' }, quant: { type: 'string', default: 'q8_0' },
  'data-dir': { type: 'string', default: PAPER_TESTSET },
  'no-write': { type: 'boolean', default: false },
} });
const items = Number(values.items);
const threads = Number(values.threads);
const maxTokens = Number(values['max-tokens']);
const sequences = Number(values.sequences);
const layers = Number(values.layers);
const dim = Number(values.dim);
const quant = values.quant as 'q8_0';
const dataDir = values['data-dir']!;
if (!existsSync(dataDir)) {
  process.stdout.write(`skipped: the paper test sets are not at ${dataDir} (set PERSIAN_LORA_PAPER_TESTSET)\n`);
  process.exit(0);
}

const work = mkdtempSync(path.join(os.tmpdir(), 'pl-bench-evalgen-'));
const modelPath = (await createTinyModel({ out: path.join(work, 'tiny.gguf'), layers, dim, heads: 4, quant })).path;
const model = await loadModel(modelPath);
const prepared = prepareTasks(resolveTasks('paper-fa/sentiment'), { dataDir, limit: items, mode: 'generate', maxTokens });
const requests = prepared.tasks[0]!.built.requests as Extract<ModelRequest, { mode: 'generate' }>[];
const CONTEXT = { contextSize: 4096, batchSize: 512, threads };
const single = await model.createContext({ ...CONTEXT, sequences: 1 });
const promptTokens = requests.reduce((n, r) => {
  const input = promptInput(single, r.prompt);
  return n + (typeof input === 'string' ? model.tokenize(input).length : input.length);
}, 0);

// One at a time: what the runner did before batching, one `complete` call per item (the prompt prefix the items
// share stays in sequence 0's cache from one item to the next).
async function oneAtATime(): Promise<string[]> {
  const out: string[] = [];
  for (const r of requests) out.push((await single.complete(promptInput(single, r.prompt), generateOptions(r.generation))).text);
  return out;
}

// Batched: the runner as `persian-lora eval` runs it, up to `sequences` items at once.
async function runner(): Promise<string[]> {
  const results = await runEvaluation(model, prepared, { ...CONTEXT, sequences, hashFiles: false, bootstrapSamples: 100 });
  return results.tasks[0]!.items.map((i) => (i.output.mode === 'generate' ? i.output.text : ''));
}

// Both must answer every item before their speed means anything. Their texts agree up to near-ties of the logits:
// ggml's kernels round a one-token decode differently from a batched one (test/native/batch-generation.test.ts).
const [a, b] = [await oneAtATime(), await runner()];
if (a.length !== items || b.length !== items) throw new Error(`expected ${items} answers from each method but got ${a.length} and ${b.length}`);
const identical = a.filter((text, i) => text === b[i]).length;
const generated = a.reduce((n, text) => n + model.tokenize(text, { addBos: false }).length, 0);

const bench = new Bench({ name: 'eval-gen', iterations: Number(values.iterations), time: 0, warmup: false, throws: true });
bench.add('one at a time (one complete call per item, sequences: 1)', oneAtATime);
bench.add(`batched (runEvaluation, up to ${sequences} items in parallel sequences)`, runner);
await bench.run();

const rows = bench.tasks.map((t) => {
  const r = t.result as { latency: { mean: number; moe: number } };
  return { name: t.name, msPerPass: r.latency.mean, moe: r.latency.moe, itemsPerSecond: (items * 1000) / r.latency.mean };
});
const ratio = rows[1]!.itemsPerSecond / rows[0]!.itemsPerSecond;
const command = `npx tsc -p tsconfig.json && node dist/bench/run.js eval-gen -- --items ${items} --threads ${threads} --iterations ${values.iterations} --max-tokens ${maxTokens} --sequences ${sequences} --layers ${layers} --dim ${dim} --quant ${quant}`;
const table = markdownTable(['method', 'items/s', 'ms per pass (mean ± 95 % moe)', 'vs one at a time'], rows.map((r) => [
  r.name, r.itemsPerSecond.toFixed(2), `${r.msPerPass.toFixed(0)} ± ${r.moe.toFixed(0)}`, `${(r.itemsPerSecond / rows[0]!.itemsPerSecond).toFixed(2)}×`,
]), ['l', 'r', 'r', 'r']);
const body = [
  `- load average at the end: ${os.loadavg()[0]!.toFixed(1)} (the machine may be shared)`,
  `- model: tiny random llama, ${layers} layers × ${dim}, ${quant}, Llama 2 vocabulary (32,000); ${threads} threads, context 4096, batch 512`,
  `- task: paper-fa/sentiment in generate mode, first ${items} items, greedy, at most ${maxTokens} tokens each (task settings: repetition penalty over the whole context), ${(promptTokens / items).toFixed(0)} prompt tokens per item on average, generated texts of ${(generated / items).toFixed(1)} tokens per item on average (re-tokenized)`,
  `- a pass generates every item; ${values.iterations} timed passes per method, after one untimed pass in which both give the same text for ${identical} of ${items} items (the rest part at a near-tie of the logits: ggml rounds a one-token decode differently from a batched one)`,
  '',
  table,
  `**Batched / one at a time: ${ratio.toFixed(2)}×.**`,
].join('\n');
process.stdout.write(body + '\n');

if (!values['no-write']) {
  const out = path.join(packageRoot, 'bench', 'out');
  mkdirSync(out, { recursive: true });
  writeFileSync(path.join(out, 'eval-gen.json'), JSON.stringify({ machine: machineLine(), command, date: new Date().toISOString(), items, threads, maxTokens, sequences, layers, dim, quant, promptTokens, generated, identical, rows, ratio }, null, 2) + '\n');
  writeResultsSection('Evaluation: batched generation', command, body);
}

single.dispose();
model.dispose();
rmSync(work, { recursive: true, force: true });
