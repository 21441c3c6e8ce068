// The GPU check's one table (bench/gpu/run.sh): training tokens/s and peak memory of the trainer per base against
// PyTorch + PEFT bf16, and pp/tg tokens/s of the addon against llama-bench, from the JSON each step left in the results
// folder; steps that failed leave their rows out and are listed. Writes <results>/table.md and prints it.
// Usage: node dist/bench/gpu/report.js --results DIR --mode cuda|cpu --layers N --seq N --rank N --prompt N --gen N
//        [--full-layers 32] (the full model's blocks: tokens/s are also shown scaled by layers / full-layers)
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: Object.fromEntries(['results', 'mode', 'layers', 'seq', 'rank', 'prompt', 'gen', 'full-layers'].map((k) => [k, { type: 'string' as const }])) });
const dir = values.results!;
const layers = Number(values.layers), nPrompt = Number(values.prompt), nGen = Number(values.gen);
const QUANTS = [['q4_k_m', 'Q4_K_M'], ['q8_0', 'Q8_0'], ['f16', 'F16']] as const;
const FULL_LAYERS = Number(values['full-layers'] ?? layers);

const unreadable: string[] = [];
/** A step's result, or undefined where the step failed or its last line was not JSON (listed under the table). */
function read<T>(name: string): T | undefined {
  const file = path.join(dir, `${name}.json`);
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    unreadable.push(name);
    return undefined;
  }
}
interface Train { tokensPerSecond: number; deviceMiB: number | null; peakRssMiB: number; device?: string; description?: string; backward?: string; maxAllocatedMiB?: number | null; torch?: string }
interface Rate { best: number; mean: number }
interface BenchRecord { n_prompt: number; n_gen: number; avg_ts: number; samples_ts: number[] }

const gpu = values.mode === 'cuda';
const memory = (r: Train) => (gpu ? r.deviceMiB : r.peakRssMiB);
const fmt = (x: number | null | undefined, digits = 0) => (x === null || x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(digits));
const scaled = (tps: number) => (layers < FULL_LAYERS ? ` (${fmt(tps * layers / FULL_LAYERS)} at ${FULL_LAYERS} layers, scaled)` : '');
const rows: string[] = [];
const torch = read<Train>('peft');
for (const [q, label] of QUANTS) {
  const r = read<Train>(`train-${q}`);
  if (!r) continue;
  const ratio = torch ? `${(r.tokensPerSecond / torch.tokensPerSecond).toFixed(2)}× tokens/s, ${fmt(100 * memory(r)! / memory(torch)!)} % memory` : '– (no PyTorch run)';
  rows.push(`| train, trainer, ${label} base, ${r.device} (\`${r.backward}\` backward) | ${fmt(r.tokensPerSecond)}${scaled(r.tokensPerSecond)} | ${fmt(memory(r))} | ${ratio} |`);
}
if (torch) {
  rows.push(`| train, PyTorch ${torch.torch} + PEFT, bf16, ${torch.device} | ${fmt(torch.tokensPerSecond)}${scaled(torch.tokensPerSecond)} | ${fmt(memory(torch))}` +
    `${gpu ? ` (tensors: ${fmt(torch.maxAllocatedMiB)})` : ''} | reference |`);
}
for (const [test, n] of [[`pp${nPrompt}`, 'prompt'], [`tg${nGen}`, 'gen']] as const) {
  for (const [q, label] of QUANTS) {
    const ours = read<Record<string, Rate>>(`infer-${q}`)?.[test];
    const records = read<BenchRecord[]>(`llama-bench-${q}`);
    const theirs = records?.find((r) => (n === 'prompt' ? r.n_prompt === nPrompt && r.n_gen === 0 : r.n_gen === nGen && r.n_prompt === 0));
    const lb = theirs ? Math.max(...theirs.samples_ts) : undefined;
    if (ours) rows.push(`| ${test}, addon, ${label} | ${fmt(ours.best)} (mean ${fmt(ours.mean)}) | – | ${lb ? `${(ours.best / lb).toFixed(2)}× llama-bench (best)` : '– (no llama-bench run)'} |`);
    if (theirs) rows.push(`| ${test}, llama-bench, ${label} | ${fmt(lb)} (mean ${fmt(theirs.avg_ts)}) | – | reference |`);
  }
}
const steps = existsSync(path.join(dir, 'steps.tsv'))
  ? readFileSync(path.join(dir, 'steps.tsv'), 'utf8').trim().split('\n').filter(Boolean).map((l) => l.split('\t')) : [];
const failed = steps.filter(([, rc]) => rc !== '0').map(([name, rc]) => `${name} (exit ${rc})`);
const models = read<{ shape: { layers: number; dim: number; heads: number; ffn: number }; seconds: Record<string, number> }>('models');
const device = read<Train>('train-q4_k_m')?.description ?? torch?.device ?? values.mode;
const text = [
  `GPU check on ${device} (${values.mode} mode): random-weight llama, ${models ? `${models.shape.layers} layers × width ${models.shape.dim}, ${models.shape.heads} heads, FFN ${models.shape.ffn}` : `${layers} layers`}, ` +
  `vocabulary 32,000; training: one sequence of ${values.seq} tokens per step, LoRA rank ${values.rank} on q,k,v,o,gate,up,down, AdamW; ` +
  `memory in MiB: ${gpu ? 'GPU memory in use at the end minus before the process (nvidia-smi; CUDA context included)' : 'peak RSS'}.` +
  (layers < FULL_LAYERS ? ` Figures "at ${FULL_LAYERS} layers, scaled" are tokens/s × ${layers}/${FULL_LAYERS}: a lower bound, as the embedding and head do not grow with the layers.` : ''),
  '',
  '| config | tokens/s | peak memory MiB | ratio vs reference |',
  '|---|---|---|---|',
  ...rows,
  '',
  `Steps: ${steps.map(([name, rc, s]) => `${name} ${rc === '0' ? 'ok' : 'FAILED'} ${s} s`).join(', ')}.`,
  ...(models && Object.keys(models.seconds).length ? [`Model files written in ${Object.entries(models.seconds).map(([q, s]) => `${q} ${s.toFixed(0)} s`).join(', ')}.`] : []),
  ...(failed.length ? [`Failed: ${failed.join(', ')} (their logs are in the logs folder).`] : []),
  ...(unreadable.length ? [`No JSON result from: ${[...new Set(unreadable)].join(', ')}.`] : []),
].join('\n') + '\n';
writeFileSync(path.join(dir, 'table.md'), text);
process.stdout.write(text);
