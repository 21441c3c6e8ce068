// Memory plan (lib/train/memory-plan.ts): the estimate for Llama-2-7B and Llama-3-8B shapes with Q4_K_M on 24, 48 and
// 80 GB devices, and the estimate against the measured peak of CPU runs (a tiny and a ~100M model, each step in a
// fresh process: peak RSS minus the RSS before the trainer was created).
// Usage: node dist/bench/memory-plan.js [--seq 512] [--threads 2]   (writes the section "Memory plan" of RESULTS.md)
//        node dist/bench/memory-plan.js --worker <base.gguf> <seq> <threads> <trainer options JSON>   (one measured step)
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loraTargets } from '../lib/config/train.js';
import { PersianLoraError } from '../lib/errors.js';
import { native } from '../lib/native/addon.js';
import { createTinyModel } from '../lib/tiny-model.js';
import { Trainer } from '../lib/train/trainer.js';
import { checkMemoryPlan, frozenBackwardOf, gib, modelShapeFromGguf, planMemory, type MemoryPlanOptions, type ModelShape } from '../lib/train/memory-plan.js';
import { packageRoot } from '../lib/version.js';
import { readGgufMetadata } from '../lib/vocab/gguf-read.js';
import { writeResultsSection } from './results.js';

if (process.argv[2] === '--worker') {
  const [base, seqArg, threadsArg, optionsArg] = process.argv.slice(3);
  const seq = Number(seqArg);
  native().systemInfo();  // ggml's backends initialised (a Vulkan build loads its driver here) before the baseline
  const rssBefore = process.memoryUsage().rss;
  const trainer = await Trainer.create(base!, { threads: Number(threadsArg), ...JSON.parse(optionsArg!) });
  const tokens = Uint32Array.from({ length: seq }, (_, i) => 100 + ((i * 7919) % 20000));
  await trainer.step({ tokens }, { lr: 1e-4 });
  const peak = process.resourceUsage().maxRSS * 1024;
  process.stdout.write(JSON.stringify({ measured: peak - rssBefore, backward: trainer.backward }) + '\n');
  trainer.dispose();
  process.exit(0);
}

const { values: args } = parseArgs({ options: { seq: { type: 'string', default: '512' }, threads: { type: 'string', default: '2' } } });
const seq = Number(args.seq), threads = Number(args.threads);
const GB = 1e9;

// The published shapes; weights: the data of llama.cpp's Q4_K_M files of these models (about 4.08 and 4.92 GB).
const shapes: { name: string; shape: ModelShape }[] = [
  { name: 'Llama-2-7B', shape: { layers: 32, embedding: 4096, feedForward: 11008, heads: 32, kvHeads: 32, vocabulary: 32000, tiedEmbeddings: false, weightBytes: 4.08 * GB, largestMatrix: 4096 * 32000, largestQuantized: true } },
  { name: 'Llama-3-8B', shape: { layers: 32, embedding: 4096, feedForward: 14336, heads: 32, kvHeads: 8, vocabulary: 128256, tiedEmbeddings: false, weightBytes: 4.92 * GB, largestMatrix: 4096 * 128256, largestQuantized: true } },
];
// On a GPU the step runs on the device: labels as token ids, gradients summed in device accumulators.
const study: MemoryPlanOptions = { rank: 8, targets: loraTargets, seqLen: seq, sequences: 1, dropout: 0.05, frozenBackward: 'f16', labels: 'ids', accumulators: 'device' };
const variants: { label: string; options: MemoryPlanOptions }[] = [
  { label: 'r 8, all 7 projections, dropout 0.05 (the study)', options: study },
  { label: 'same, dropout 0', options: { ...study, dropout: 0 } },
];

const parts = (p: ReturnType<typeof planMemory>) =>
  `${gib(p.weights)} | ${gib(p.parameters + p.gradients + p.optimizer)} | ${gib(p.activations)} | ${gib(p.head)} | ${gib(p.scratch)} | **${gib(p.total)}**`;

function verdict(shape: ModelShape, o: MemoryPlanOptions, deviceGB: number): string {
  const total = deviceGB * 1024 ** 3, p = planMemory(shape, o);
  try {
    checkMemoryPlan(shape, o, { name: `${deviceGB} GiB`, memoryTotal: total, memoryFree: total - p.weights - p.parameters });
    return `fits (${gib(total - p.total)} left)`;
  } catch (error) {
    if (!(error instanceof PersianLoraError)) throw error;
    return 'refused; ' + (/Options that fit: (.*)\.$/.exec(error.message)?.[1] ?? 'nothing fits');
  }
}

const devices = [24, 48, 80];
const planRows = shapes.flatMap(({ name, shape }) => variants.map(({ label, options }) =>
  `| ${name} | ${label} | ${parts(planMemory(shape, options))} | ${devices.map((d) => verdict(shape, options, d)).join(' | ')} |`));

// Measured: CPU runs of the device graph (portable, F16 transposes) and of the CPU default, fresh process per step.
const outDir = path.join(packageRoot, 'bench', 'out');
mkdirSync(outDir, { recursive: true });
const models = [
  { name: 'tiny (2 × 64, vocabulary 32,000)', file: path.join(outDir, 'mp-tiny-q8_0.gguf'), shape: { vocab: 'llama-spm', layers: 2, dim: 64, heads: 4, ffn: 128 } },
  { name: '~100M (8 × 768, FFN 2048, vocabulary 32,000)', file: path.join(outDir, 'm100-q8_0.gguf'), shape: { vocab: 'llama-spm', layers: 8, dim: 768, heads: 12, ffn: 2048 } },
] as const;
const runs = [
  { label: 'device graph (portable, f16 backward), dropout 0.05', options: { portable: true, cpuKernels: false, backward: 'f16', dropout: 0.05 } },
  { label: 'device graph, dropout 0', options: { portable: true, cpuKernels: false, backward: 'f16', dropout: 0 } },
  { label: 'CPU default (OUT_PROD GEMM), dropout 0', options: { dropout: 0 } },
];
const measuredRows: string[] = [];
for (const m of models) {
  if (!existsSync(m.file)) await createTinyModel({ ...m.shape, quant: 'q8_0', context: Math.max(512, seq), out: m.file });
  const shape = modelShapeFromGguf(readGgufMetadata(m.file), statSync(m.file).size);
  for (const r of runs) {
    const out = execFileSync(process.execPath, [process.argv[1]!, '--worker', m.file, String(seq), String(threads), JSON.stringify({ rank: 8, ...r.options })], { encoding: 'utf8' });
    const { measured, backward } = JSON.parse(out.trim().split('\n').pop()!) as { measured: number; backward: string };
    const plan = planMemory(shape, { ...study, dropout: r.options.dropout, frozenBackward: frozenBackwardOf(backward),
      labels: 'portable' in r.options ? 'ids' : 'onehot', accumulators: 'host' });
    measuredRows.push(`| ${m.name} | ${r.label} | ${gib(plan.total)} | ${gib(measured)} | ${(plan.total / measured).toFixed(2)} |`);
    process.stderr.write(measuredRows.at(-1) + '\n');
  }
}

const body = [
  `Estimate of a training step's device memory (\`lib/train/memory-plan.ts\`), sequence ${seq}, one sequence per micro-batch, ` +
    'the device route (F16 transposes of the frozen weights in the backward; labels as token ids; gradient accumulators and AdamW ' +
    'state on the device). Weights: Q4_K_M as ' +
    "llama.cpp's files of these models hold them (4.08 and 4.92 GB). Devices of 24, 48 and 80 GiB (an RTX 4090, an L40S or RTX 6000, " +
    'an A100 or H100 80GB); a device "fits" when the step\'s total is within its memory, ' +
    'otherwise the trainer refuses the run before the first step and names options that fit.',
  '',
  '| model | LoRA | weights | LoRA + gradients + AdamW | activations | head and loss | backward scratch | total | 24 GiB | 48 GiB | 80 GiB |',
  '|---|---|---|---|---|---|---|---|---|---|---|',
  ...planRows,
  '',
  `Estimate against the measured peak of one CPU step (${threads} threads, rank 8 on all projections, Q8_0 base, ${seq} tokens; ` +
    'measured = the process\'s peak RSS minus its RSS before the trainer was created, so it includes the host\'s copies of gradients ' +
    'and moments and the CPU default\'s one-hot labels, which a GPU keeps in host memory). The CPU default ' +
    "route has no F16 transposes and computes attention on the mask's ranges only, so the plan overestimates it.",
  '',
  '| model | graph | plan | measured | plan / measured |',
  '|---|---|---|---|---|',
  ...measuredRows,
].join('\n');
writeResultsSection('Memory plan', `node dist/bench/memory-plan.js --seq ${seq} --threads ${threads}`, body);
process.stdout.write(body + '\n');
