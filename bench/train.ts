// Benchmark: LoRA training tokens/s and peak RSS of the native trainer (bases F16, Q8_0, Q4_K) against PyTorch + PEFT
// (float32, same shapes and threads, bench/reference/train_peft.py), each run in a fresh process.
// Usage: npm run bench -- train -- [--threads N] [--seq 512] [--steps 3] [--rank 8] [--quants f16,q8_0,q4_k_m] [--python python3]
// Writes bench/out/train.json and the section "Training: tokens/s and peak memory" of RESULTS.md.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createTinyModel, type QuantType } from '../lib/tiny-model.js';
import { packageRoot } from '../lib/version.js';
import { writeResultsSection } from './results.js';

const { values } = parseArgs({ options: {
  threads: { type: 'string' }, seq: { type: 'string' }, steps: { type: 'string' }, rank: { type: 'string' },
  quants: { type: 'string' }, python: { type: 'string' },
} });
const threads = Number(values.threads ?? os.availableParallelism());
const seq = Number(values.seq ?? 512);
const steps = Number(values.steps ?? 3);
const rank = Number(values.rank ?? 8);
const quants = (values.quants ?? 'f16,q8_0,q4_k_m').split(',') as QuantType[];
const python = values.python ?? 'python3';
const shape = { vocab: 'llama-spm', layers: 8, dim: 768, heads: 12, ffn: 2048 } as const;
const outDir = path.join(packageRoot, 'bench', 'out');
mkdirSync(outDir, { recursive: true });

interface Run { tokensPerSecond: number; meanStepMs: number; minStepMs: number; warmupMs: number; peakRssMiB: number; loss: number }
const load = () => os.loadavg().map((l) => l.toFixed(1)).join(' ');

function lastJson<T>(text: string): T {
  return JSON.parse(text.trim().split('\n').pop()!) as T;
}

const rows: { base: string; run: Run; loadBefore: string; loadAfter: string }[] = [];
for (const quant of quants) {
  const file = path.join(outDir, `m100-${quant}.gguf`);
  if (!existsSync(file)) await createTinyModel({ ...shape, quant, context: Math.max(512, seq), out: file });
  const loadBefore = load();
  const run = lastJson<Run>(execFileSync(process.execPath, [path.join(packageRoot, 'dist', 'bench', 'train-worker.js'), file, String(threads), String(seq), String(steps), String(rank)], { encoding: 'utf8' }));
  rows.push({ base: quant, run, loadBefore, loadAfter: load() });
  process.stderr.write(`[bench] trainer ${quant}: ${JSON.stringify(run)}\n`);
}
const loadBefore = load();
const torch = lastJson<Run & { parameters: number; matmulGflops: number; torch: string; attention: string }>(execFileSync(python, [
  path.join(packageRoot, 'bench', 'reference', 'train_peft.py'), '--layers', String(shape.layers), '--dim', String(shape.dim), '--heads', String(shape.heads),
  '--ffn', String(shape.ffn), '--vocab', '32000', '--seq', String(seq), '--threads', String(threads), '--steps', String(steps), '--rank', String(rank),
], { encoding: 'utf8' }));
rows.push({ base: `PyTorch ${torch.torch} + PEFT, f32 (${torch.attention} attention)`, run: torch, loadBefore, loadAfter: load() });
process.stderr.write(`[bench] pytorch: ${JSON.stringify(torch)}\n`);

// FLOPs of a LoRA step per token on a frozen base: forward 2·P and the input gradient 2·P through every matrix (no
// weight gradient of the base), with P the matrix parameters of the blocks and the output head (not the embedding).
const matrixParams = torch.parameters - 32000 * shape.dim;
const flopsPerToken = 4 * matrixParams;
writeFileSync(path.join(outDir, 'train.json'), JSON.stringify({ shape, seq, steps, rank, threads, parameters: torch.parameters, flopsPerToken, rows }, null, 2));
const ref = torch.tokensPerSecond, refRss = torch.peakRssMiB;
const table = [
  '| base | tokens/s | step ms (mean / min) | peak RSS MiB | tokens/s vs PyTorch | peak RSS vs PyTorch | share of matmul peak | load avg before → after |',
  '|---|---|---|---|---|---|---|---|',
  ...rows.map(({ base, run, loadBefore: b, loadAfter: a }) => `| ${base} | ${run.tokensPerSecond.toFixed(1)} | ${run.meanStepMs.toFixed(0)} / ${run.minStepMs.toFixed(0)} | ` +
    `${run.peakRssMiB.toFixed(0)} | ${(run.tokensPerSecond / ref).toFixed(2)}× | ${(100 * run.peakRssMiB / refRss).toFixed(0)} % | ` +
    `${(100 * run.tokensPerSecond * flopsPerToken / (torch.matmulGflops * 1e9)).toFixed(0)} % | ${b} → ${a} |`),
];
const body = `Synthetic llama (${shape.layers} layers, width ${shape.dim}, ${shape.heads} heads, FFN ${shape.ffn}, vocabulary 32,000; ` +
  `${(torch.parameters / 1e6).toFixed(1)} M parameters), LoRA rank ${rank} (alpha ${2 * rank}) on all seven projections, one sequence of ${seq} ` +
  `tokens per step, AdamW, ${threads} threads; mean of ${steps} steps after a warm-up step, each base in a fresh process (peak RSS = the ` +
  `process's maxRSS, model loading included). The trainer uses the default \`f16\` backward route. Matmul peak: PyTorch F32 1024³ ` +
  `product, ${torch.matmulGflops.toFixed(1)} GFLOP/s; the share counts ${(flopsPerToken / 1e6).toFixed(0)} MFLOP per token (forward and input ` +
  `gradient through every matrix, attention excluded). Load average (1, 5, 15 min) is recorded because the machine is shared.\n\n${table.join('\n')}\n`;
writeResultsSection('Training: tokens/s and peak memory', `node dist/bench/run.js train -- --threads ${threads} --seq ${seq} --steps ${steps}`, body);
process.stdout.write(body);
