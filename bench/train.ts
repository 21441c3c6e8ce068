// Benchmark: LoRA training tokens/s and peak RSS of the native trainer (bases F16, Q8_0, Q4_K) against PyTorch + PEFT
// (float32, same shapes and threads, bench/reference/train_peft.py), each run in a fresh process.
// Side reference: llama.cpp's llama-finetune (full fine-tune of an F32 copy, bench/llama-finetune.ts), built once into build/llama-finetune
// from a copy of the vendored tree with a larger graph capacity (bench/llama-tools.ts says why).
// Usage: npm run bench -- train -- [--threads N] [--seq 512] [--steps 8] [--rank 8] [--quants f16,q8_0,q4_k_m] [--rounds 2]
//        [--python python3] [--no-finetune]. Each round runs every configuration once (PyTorch first in odd rounds, last in
//        even ones); the table keeps each configuration's fastest round, because the machine may be shared. --no-finetune
//        skips llama-finetune (and its build). --steps does not apply to it: it trains one epoch of 6 batches of --seq tokens.
// Writes bench/out/train.json and the section "Training: tokens/s and peak memory" of RESULTS.md.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createTinyModel, type QuantType } from '../lib/tiny-model.js';
import { packageRoot } from '../lib/version.js';
import { FINETUNE_TRAIN_BATCHES, runFinetune, writeFinetuneText } from './llama-finetune.js';
import { buildLlamaTool } from './llama-tools.js';
import { writeResultsSection } from './results.js';
import { M100_SHAPE } from './train-steps.js';

const { values } = parseArgs({ options: {
  threads: { type: 'string' }, seq: { type: 'string' }, steps: { type: 'string' }, rank: { type: 'string' },
  quants: { type: 'string' }, python: { type: 'string' }, rounds: { type: 'string' }, 'no-finetune': { type: 'boolean' },
} });
const threads = Number(values.threads ?? os.availableParallelism());
const seq = Number(values.seq ?? 512);
const steps = Number(values.steps ?? 8);
const rank = Number(values.rank ?? 8);
const quants = (values.quants ?? 'f16,q8_0,q4_k_m').split(',') as QuantType[];
const python = values.python ?? 'python3';
const rounds = Number(values.rounds ?? 2);
const FINETUNE = 'llama-finetune';
const finetune = values['no-finetune'] !== true;
const shape = M100_SHAPE;
const outDir = path.join(packageRoot, 'bench', 'out');
mkdirSync(outDir, { recursive: true });

interface Run { tokensPerSecond: number; amx?: boolean; matmulGflops?: number; parameters?: number; torch?: string; attention?: string; meanStepMs: number; minStepMs: number; warmupMs: number; forwardMs?: number; peakRssMiB: number; loss: number; batches?: number; rssSource?: string }
const load = () => os.loadavg().map((l) => l.toFixed(1)).join(' ');

function lastJson<T>(text: string): T {
  return JSON.parse(text.trim().split('\n').pop()!) as T;
}

type Row = { config: string; round: number; run: Run; loadBefore: string; loadAfter: string };
const rows: Row[] = [];
const files = new Map<string, string>();
for (const quant of quants) {
  const file = path.join(outDir, `m100-${quant}.gguf`);
  if (!existsSync(file)) await createTinyModel({ ...shape, quant, context: Math.max(512, seq), out: file });
  files.set(quant, file);
}
// llama-finetune trains all weights, so it needs an F32 base whose trained context is exactly the run's context.
const tuneFile = path.join(outDir, `m100-f32-ctx${seq}.gguf`), tuneText = path.join(outDir, `finetune-text-${seq}.txt`);
let tuneBin = '', tuneTokens = 0;
if (finetune) {
  tuneBin = buildLlamaTool('llama-finetune');
  if (!existsSync(tuneFile)) await createTinyModel({ ...shape, quant: 'f32', context: seq, out: tuneFile });
  tuneTokens = await writeFinetuneText(tuneFile, seq, tuneText);
}
const worker = path.join(packageRoot, 'dist', 'bench', 'train-worker.js');
// Side by side with the defaults, as variants of a base with other trainer options: the previous default path
// (transposed F16 copies of each frozen weight, ggml's own kernels everywhere) on the first base, and the 'bf16' route
// on every base where the CPU has AVX512_BF16.
interface Variant { base: QuantType; options: object; label: string }
const variants = new Map<string, Variant>([[`${quants[0]}-previous`,
  { base: quants[0]!, options: { backward: 'f16', cpuKernels: false }, label: `trainer, ${quants[0]} base, previous default (\`f16\` route, ggml's kernels)` }]]);
const bf16 = process.platform === 'linux' && /\bavx512_bf16\b/.test(readFileSync('/proc/cpuinfo', 'utf8'));
if (bf16) for (const q of quants) variants.set(`${q}-bf16`, { base: q, options: { backward: 'bf16' }, label: `trainer, ${q} base, \`bf16\` route` });
const torchArgs = [path.join(packageRoot, 'bench', 'reference', 'train_peft.py'), '--layers', String(shape.layers), '--dim', String(shape.dim),
  '--heads', String(shape.heads), '--ffn', String(shape.ffn), '--vocab', '32000', '--seq', String(seq), '--threads', String(threads),
  '--steps', String(steps), '--rank', String(rank)];
async function measure(config: string, round: number): Promise<void> {
  const loadBefore = load();
  const run = config === FINETUNE ? await runFinetune(tuneBin, tuneFile, tuneText, seq, threads, path.join(outDir, 'finetuned.gguf'))
    : lastJson<Run>(config === 'pytorch'
      ? execFileSync(python, torchArgs, { encoding: 'utf8' })
      : execFileSync(process.execPath, [worker, files.get(variants.get(config)?.base ?? (config as QuantType))!, String(threads), String(seq), String(steps),
        String(rank), ...(variants.has(config) ? [JSON.stringify(variants.get(config)!.options)] : [])], { encoding: 'utf8' }));
  rows.push({ config, round, run, loadBefore, loadAfter: load() });
  process.stderr.write(`[bench] round ${round} ${config}: ${JSON.stringify(rows.at(-1)!.run)} (load ${loadBefore})\n`);
}
const configs: string[] = [...quants, ...variants.keys(), ...(finetune ? [FINETUNE] : [])];
for (let round = 1; round <= rounds; round++) {
  const order = round % 2 === 1 ? ['pytorch', ...configs] : [...configs, 'pytorch'];
  for (const config of order) await measure(config, round);
}

const best = (config: string): Row => rows.filter((r) => r.config === config).reduce((a, b) => (b.run.tokensPerSecond > a.run.tokensPerSecond ? b : a));
const torch = best('pytorch');
const matmulGflops = Math.max(...rows.filter((r) => r.config === 'pytorch').map((r) => r.run.matmulGflops!));
const parameters = torch.run.parameters!;
// FLOPs of a LoRA step per token on a frozen base: forward 2·P and the input gradient 2·P through every matrix (no
// weight gradient of the base), with P the matrix parameters of the blocks and the output head (not the embedding).
// A full fine-tune adds the weight gradient 2·P: 6·P per token.
const flopsPerToken = 4 * (parameters - 32000 * shape.dim);
const flops = (c: string) => (c === FINETUNE ? 1.5 * flopsPerToken : flopsPerToken);
writeFileSync(path.join(outDir, 'train.json'), JSON.stringify({ shape, seq, steps, rank, threads, rounds, parameters, flopsPerToken, matmulGflops,
  finetune: finetune ? { tokens: tuneTokens, trainBatches: FINETUNE_TRAIN_BATCHES } : null, rows }, null, 2));
const ref = torch.run.tokensPerSecond, refRss = torch.run.peakRssMiB;
// Each round's ratio to PyTorch's run of the same round (minutes apart, so the machine's drift cancels more than
// between best rounds taken at different times).
const roundRatios = (c: string) => rows.filter((r) => r.config === c).map((r) =>
  r.run.tokensPerSecond / rows.find((p) => p.config === 'pytorch' && p.round === r.round)!.run.tokensPerSecond);
const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2; };
const label = (c: string) => (c === 'pytorch' ? `PyTorch ${torch.run.torch} + PEFT, f32 (${torch.run.attention} attention)`
  : c === FINETUNE ? 'llama-finetune (full fine-tune, f32)'
  : `${variants.get(c)?.label ?? `trainer, ${c} base`}${best(c).run.amx ? ' (AMX tiles)' : ''}`);
const table = [
  '| configuration | tokens/s (best round) | all rounds | step ms (mean / min) | forward ms | peak RSS MiB | tokens/s vs PyTorch | vs PyTorch, per round (median) | peak RSS vs PyTorch | share of matmul peak | load avg before → after |',
  '|---|---|---|---|---|---|---|---|---|---|---|',
  ...[...quants, ...variants.keys(), 'pytorch', ...(finetune ? [FINETUNE] : [])].map((c) => {
    const { run, loadBefore: b, loadAfter: a } = best(c);
    const all = rows.filter((r) => r.config === c).map((r) => r.run.tokensPerSecond.toFixed(1)).join(', ');
    const perRound = roundRatios(c);
    return `| ${label(c)} | ${run.tokensPerSecond.toFixed(1)} | ${all} | ${run.meanStepMs.toFixed(0)} / ${run.minStepMs.toFixed(0)} | ` +
      `${run.forwardMs?.toFixed(0) ?? '–'} | ${run.peakRssMiB.toFixed(0)} | ${(run.tokensPerSecond / ref).toFixed(2)}× | ` +
      `${perRound.map((x) => x.toFixed(2)).join(', ')} (${median(perRound).toFixed(2)}×) | ` +
      `${(100 * run.peakRssMiB / refRss).toFixed(0)} % | ${(100 * run.tokensPerSecond * flops(c) / (matmulGflops * 1e9)).toFixed(0)} % | ${b} → ${a} |`;
  }),
];
function finetuneNote(): string {
  const tune = best(FINETUNE).run;
  return `llama-finetune (llama.cpp's training example, built with the addon's flags from a copy of the vendored tree whose ` +
    `graph capacity is raised to 65,536 nodes: the vendored one, sized for inference graphs, aborts on the training graph) is a side reference ` +
    `only: it is a full fine-tune of an F32 copy of the same model (all weights trainable but the token embedding, which llama.cpp ` +
    `leaves frozen; AdamW), so it does more work per token ` +
    `than LoRA (its share of matmul peak counts ${(1.5 * flopsPerToken / 1e6).toFixed(0)} MFLOP per token, weight gradients ` +
    `included). It runs one epoch over ${tune.batches} training windows of ${seq} tokens of pseudo-random words (one more held out ` +
    `for validation, not timed; context = batch = ubatch = ` +
    `${seq}, flash attention off, ${threads} threads); its tokens/s comes from the arrival times of its per-batch progress lines ` +
    `with the first batch skipped as warm-up, its peak RSS from ${tune.rssSource} (model loading included).`;
}
const body = `Synthetic llama (${shape.layers} layers, width ${shape.dim}, ${shape.heads} heads, FFN ${shape.ffn}, vocabulary 32,000; ` +
  `${(parameters / 1e6).toFixed(1)} M parameters), LoRA rank ${rank} (alpha ${2 * rank}) on all seven projections, one sequence of ${seq} ` +
  `tokens per step, AdamW, ${threads} threads; mean of ${steps} steps after a warm-up step, every run in a fresh process (peak RSS = the ` +
  `process's maxRSS, model loading included), ${rounds} rounds, fastest round shown (the per-round column divides each round's tokens/s by PyTorch's in the same round, minutes apart, and gives their median). The trainer runs its defaults on the CPU: ` +
  `the \`out_prod\` backward route and its own CPU kernels with ggml's arithmetic (every OUT_PROD on a packed GEMM, LoRA's short-K ` +
  `products and LoRA's forward add, Q8_0, Q4_K and Q6_K products on AVX-512 VNNI, F16 products, attention on the mask's ranges and the cross-entropy backward on AVX-512; docs/training.md, CPU kernels); the "previous default" row runs the same ${quants[0]} base ` +
  `the way the trainer did before those kernels (transposed F16 copies of the frozen weights, ggml's kernels everywhere)` +
  `${bf16 ? '; the "bf16 route" rows round W and dy to BF16 in the input gradient through the frozen weights (AMX tiles where the OS grants them, else AVX512_BF16 dot products; not ggml\'s numbers)' : ''}. Matmul peak: PyTorch F32 1024³ product, best ${matmulGflops.toFixed(1)} GFLOP/s; the share counts ${(flopsPerToken / 1e6).toFixed(0)} ` +
  `MFLOP per token (forward and input gradient through every matrix, attention excluded). Load average (1, 5, 15 min) is recorded ` +
  `because the machine is shared.${finetune ? ' ' + finetuneNote() : ''}\n\n${table.join('\n')}\n`;
writeResultsSection('Training: tokens/s and peak memory', `node dist/bench/run.js train -- --threads ${threads} --seq ${seq} --steps ${steps} --rounds ${rounds}${finetune ? '' : ' --no-finetune'}`, body);
process.stdout.write(body);
