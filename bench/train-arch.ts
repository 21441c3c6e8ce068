// Benchmark: LoRA training tokens/s and peak RSS per architecture the trainer supports (llama in the Llama 2 and Llama 3.2
// shapes, qwen2, qwen3), each against PyTorch + PEFT with the matching transformers class (float32, same shape, tokens
// and threads: bench/reference/train_peft.py), every run in a fresh process (bench/train-worker.ts).
// Usage: npm run bench -- train-arch -- [--threads N] [--seq 512] [--steps 6] [--rank 8] [--quants q4_k_m] [--rounds 2]
//        [--archs llama2,llama3.2,qwen2,qwen3] [--python python3]. Rounds alternate PyTorch first and last; the table keeps
//        each configuration's fastest round and the median of its per-round ratios to PyTorch.
// Writes bench/out/train-arch.json and the section "Training per architecture" of RESULTS.md.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createTinyModel, type QuantType, type TinyModelOptions } from '../lib/tiny-model.js';
import { packageRoot } from '../lib/version.js';
import { writeResultsSection } from './results.js';
import { M100_SHAPE } from './train-steps.js';

const { values } = parseArgs({ options: {
  threads: { type: 'string' }, seq: { type: 'string' }, steps: { type: 'string' }, rank: { type: 'string' },
  quants: { type: 'string' }, python: { type: 'string' }, rounds: { type: 'string' }, archs: { type: 'string' },
} });
const threads = Number(values.threads ?? os.availableParallelism());
const seq = Number(values.seq ?? 512);
const steps = Number(values.steps ?? 6);
const rank = Number(values.rank ?? 8);
const quants = (values.quants ?? 'q4_k_m').split(',') as QuantType[];
const python = values.python ?? 'python3';
const rounds = Number(values.rounds ?? 2);

// ~100M parameters each; one vocabulary (Llama 2's 32,000 tokens) for all, so the architectures differ only in their
// blocks (Qwen's own 151,936-token vocabulary would make the output head most of the work).
const common = { ...M100_SHAPE, context: Math.max(512, seq) } as const;
interface Arch { label: string; tiny: Partial<TinyModelOptions>; torch: string[] }
const ARCHS: Record<string, Arch> = {
  'llama2': { label: 'llama, Llama 2 shape (multi-head attention)', tiny: {}, torch: [] },
  'llama3.2': { label: 'llama, Llama 3.2 shape (GQA 12/4, rope_freqs, tied output)', tiny: { kvHeads: 4, ropeFreqs: true, tiedEmbeddings: true, ropeBase: 500000 },
    torch: ['--kv-heads', '4', '--tied', '--llama3-rope', '--rope-theta', '500000'] },
  'qwen2': { label: 'qwen2 (GQA 12/4, Q/K/V biases)', tiny: { arch: 'qwen2', kvHeads: 4, ropeBase: 1e6 }, torch: ['--arch', 'qwen2', '--kv-heads', '4', '--rope-theta', '1000000'] },
  'qwen3': { label: 'qwen3 (GQA 12/4, Q/K RMS norms)', tiny: { arch: 'qwen3', kvHeads: 4, ropeBase: 1e6 }, torch: ['--arch', 'qwen3', '--kv-heads', '4', '--rope-theta', '1000000'] },
};
const archs = (values.archs ?? Object.keys(ARCHS).join(',')).split(',');
for (const a of archs) if (!(a in ARCHS)) throw new Error(`--archs: unknown architecture "${a}" (expected some of ${Object.keys(ARCHS).join(', ')})`);

const outDir = path.join(packageRoot, 'bench', 'out');
mkdirSync(outDir, { recursive: true });
const worker = path.join(packageRoot, 'dist', 'bench', 'train-worker.js');
const torchScript = path.join(packageRoot, 'bench', 'reference', 'train_peft.py');
const load = () => os.loadavg().map((l) => l.toFixed(1)).join(' ');
const lastJson = <T>(text: string): T => JSON.parse(text.trim().split('\n').pop()!) as T;

interface Run { tokensPerSecond: number; peakRssMiB: number; loss: number; parameters?: number; torch?: string }
interface Row { arch: string; config: string; round: number; run: Run; loadBefore: string; loadAfter: string }
const rows: Row[] = [];
const files = new Map<string, string>();
for (const arch of archs) {
  for (const quant of quants) {
    const file = path.join(outDir, `m100-${arch}-${quant}.gguf`);
    if (!existsSync(file)) await createTinyModel({ ...common, ...ARCHS[arch]!.tiny, quant, out: file });
    files.set(`${arch}/${quant}`, file);
  }
}

function measure(arch: string, config: string, round: number): void {
  const loadBefore = load();
  const out = config === 'pytorch'
    ? execFileSync(python, [torchScript, '--layers', String(common.layers), '--dim', String(common.dim), '--heads', String(common.heads),
      '--ffn', String(common.ffn), '--vocab', '32000', '--seq', String(seq), '--threads', String(threads), '--steps', String(steps),
      '--rank', String(rank), ...ARCHS[arch]!.torch], { encoding: 'utf8' })
    : execFileSync(process.execPath, [worker, files.get(`${arch}/${config}`)!, String(threads), String(seq), String(steps), String(rank)], { encoding: 'utf8' });
  rows.push({ arch, config, round, run: lastJson<Run>(out), loadBefore, loadAfter: load() });
  process.stderr.write(`[bench] round ${round} ${arch} ${config}: ${JSON.stringify(rows.at(-1)!.run)} (load ${loadBefore})\n`);
}
for (let round = 1; round <= rounds; round++) {
  for (const arch of archs) {
    for (const config of round % 2 === 1 ? ['pytorch', ...quants] : [...quants, 'pytorch']) measure(arch, config, round);
  }
}
writeFileSync(path.join(outDir, 'train-arch.json'), JSON.stringify({ common, seq, steps, rank, threads, rounds, rows }, null, 2));

const of = (arch: string, config: string) => rows.filter((r) => r.arch === arch && r.config === config);
const best = (arch: string, config: string) => of(arch, config).reduce((a, b) => (b.run.tokensPerSecond > a.run.tokensPerSecond ? b : a));
const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2; };
const table = ['| architecture | configuration | parameters (M) | tokens/s (best round) | vs PyTorch (median of rounds) | peak RSS MiB | RSS vs PyTorch | load before → after |', '|---|---|---|---|---|---|---|---|'];
for (const arch of archs) {
  const torch = best(arch, 'pytorch');
  for (const config of [...quants, 'pytorch']) {
    const { run, loadBefore, loadAfter } = best(arch, config);
    const ratios = of(arch, config).map((r) => r.run.tokensPerSecond / of(arch, 'pytorch').find((p) => p.round === r.round)!.run.tokensPerSecond);
    table.push(`| ${ARCHS[arch]!.label} | ${config === 'pytorch' ? `PyTorch ${torch.run.torch} + PEFT, f32` : `trainer, ${config} base`} | ` +
      `${(torch.run.parameters! / 1e6).toFixed(1)} | ${run.tokensPerSecond.toFixed(1)} | ${config === 'pytorch' ? '1' : median(ratios).toFixed(2)}× | ` +
      `${run.peakRssMiB.toFixed(0)} | ${(100 * run.peakRssMiB / torch.run.peakRssMiB).toFixed(0)} % | ${loadBefore} → ${loadAfter} |`);
  }
}
const body = `Each architecture at ${common.layers} layers, width ${common.dim}, ${common.heads} query heads, FFN ${common.ffn}, Llama 2's ` +
  `vocabulary (32,000 tokens) for all, so only the blocks differ; LoRA rank ${rank} (alpha ${2 * rank}) on all seven projections, one ` +
  `sequence of ${seq} tokens per step, AdamW, ${threads} threads, mean of ${steps} steps after a warm-up step; every run in a fresh ` +
  `process (peak RSS = the process's maxRSS, model loading included), ${rounds} rounds alternating which side runs first. PyTorch ` +
  `builds the same shape with transformers' LlamaForCausalLM (llama3 RoPE parameters and tied embeddings for the Llama 3.2 shape), ` +
  `Qwen2ForCausalLM and Qwen3ForCausalLM, random weights, float32. The trainer runs its CPU defaults.\n\n${table.join('\n')}\n`;
writeResultsSection('Training per architecture', `node dist/bench/run.js train-arch -- --threads ${threads} --seq ${seq} --steps ${steps} --rounds ${rounds} --python <python with torch, transformers, peft>`, body);
process.stdout.write(body);
