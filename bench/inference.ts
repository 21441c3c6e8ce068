// Benchmark: addon prompt-processing and generation tokens/s against llama.cpp's llama-bench, same GGUF, same threads.
// Usage: npm run bench -- inference -- [--threads N] [--reps N] [--rounds N] [--quick]; writes bench/out/inference.json and a
// section of RESULTS.md. Each round runs both sides (the order flips every round), so slow spells of a shared machine hit both.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createTinyModel } from '../lib/tiny-model.js';
import { packageRoot } from '../lib/version.js';
import { buildLlamaTool } from './llama-tools.js';
import { writeResultsSection } from './results.js';

const { values } = parseArgs({ options: { threads: { type: 'string' }, reps: { type: 'string' }, rounds: { type: 'string' }, quick: { type: 'boolean' } } });
const threads = Number(values.threads ?? os.availableParallelism());
const reps = Number(values.reps ?? 5);
const rounds = Number(values.rounds ?? 3);
const outDir = path.join(packageRoot, 'bench', 'out');
mkdirSync(outDir, { recursive: true });

const models = [
  { label: 'tiny (2 × 64, Llama 2 vocab, Q8_0)', file: 'tiny-q8_0.gguf', options: { vocab: 'llama-spm', layers: 2, dim: 64, heads: 4, quant: 'q8_0' as const } },
  { label: '~100M (8 × 768, Llama 2 vocab, Q8_0)', file: 'm100-q8_0.gguf', options: { vocab: 'llama-spm', layers: 8, dim: 768, heads: 12, ffn: 2048, quant: 'q8_0' as const } },
];
const nPrompt = 512;
const nGen = 128;

interface Rate { best: number; mean: number }
interface Row { model: string; test: string; addon: Rate; llama: Rate; roundRatios: number[] }
const rows: Row[] = [];
const bin = buildLlamaTool('llama-bench');
const tests = [`pp${nPrompt}`, `tg${nGen}`];

function runAddon(file: string): Record<string, Rate> {
  const out = execFileSync(process.execPath, [path.join(packageRoot, 'dist', 'bench', 'inference-worker.js'), file, String(threads), String(nPrompt), String(nGen), String(reps)], { encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop()!) as Record<string, Rate>;
}

function runLlamaBench(file: string): Record<string, Rate> {
  const lb = JSON.parse(execFileSync(bin, ['-m', file, '-p', String(nPrompt), '-n', String(nGen), '-t', String(threads), '-r', String(reps), '-fa', '0', '-o', 'json'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })) as { n_prompt: number; n_gen: number; avg_ts: number; samples_ts: number[] }[];
  const rate = (r: { avg_ts: number; samples_ts: number[] }): Rate => ({ best: Math.max(...r.samples_ts), mean: r.avg_ts });
  return { [tests[0]!]: rate(lb.find((r) => r.n_prompt === nPrompt && r.n_gen === 0)!), [tests[1]!]: rate(lb.find((r) => r.n_gen === nGen && r.n_prompt === 0)!) };
}

/** Best over all rounds; mean of the rounds' means. */
const merge = (rates: Rate[]): Rate => ({ best: Math.max(...rates.map((r) => r.best)), mean: rates.reduce((a, r) => a + r.mean, 0) / rates.length });

for (const m of values.quick ? models.slice(0, 1) : models) {
  const file = path.join(outDir, m.file);
  if (!existsSync(file)) await createTinyModel({ ...m.options, out: file });
  const addon: Record<string, Rate>[] = [], llama: Record<string, Rate>[] = [];
  for (let round = 0; round < rounds; round++) {
    if (round % 2 === 0) { addon.push(runAddon(file)); llama.push(runLlamaBench(file)); } else { llama.push(runLlamaBench(file)); addon.push(runAddon(file)); }
  }
  for (const test of tests) {
    rows.push({ model: m.label, test, addon: merge(addon.map((r) => r[test]!)), llama: merge(llama.map((r) => r[test]!)),
      roundRatios: addon.map((r, i) => r[test]!.best / llama[i]![test]!.best) });
  }
  process.stderr.write(`[bench] ${m.label}: done\n`);
}
writeFileSync(path.join(outDir, 'inference.json'), JSON.stringify({ threads, reps, rounds, rows }, null, 2));
const load = os.loadavg()[0]!.toFixed(1);
const table = [
  '| model | test | addon tok/s (best / mean) | llama-bench tok/s (best / mean) | ratio of best | ratio of means | ratio of best, per round |',
  '|---|---|---|---|---|---|---|',
  ...rows.map((r) => `| ${r.model} | ${r.test} | ${r.addon.best.toFixed(1)} / ${r.addon.mean.toFixed(1)} | ${r.llama.best.toFixed(1)} / ${r.llama.mean.toFixed(1)} | ${(r.addon.best / r.llama.best).toFixed(3)} | ${(r.addon.mean / r.llama.mean).toFixed(3)} | ${r.roundRatios.map((x) => x.toFixed(2)).join(', ')} |`),
].join('\n');
writeResultsSection('Inference: addon vs llama-bench', `npm run bench -- inference -- --threads ${threads} --reps ${reps} --rounds ${rounds}`, [
  `Same GGUF files, ${threads} threads, ${rounds} rounds of ${reps} repetitions per side (the order of the sides flips every round); pp${nPrompt} = one ${nPrompt}-token random prompt (logits of the last token),`,
  `tg${nGen} = ${nGen} decodes of one token from BOS (the addon also samples greedily and detokenizes; llama-bench does not sample).`,
  'Each side runs in its own process; llama-bench is built from the vendored tree with the same flags and runs with',
  'flash attention off, as the addon\'s contexts do by default (llama.cpp\'s own default is auto).',
  `Load average (1 min) at the end of the run: ${load} on ${os.availableParallelism()} cores; on a shared machine the best repetition is the robust figure, and the per-round ratios show how much the machine drifted.`,
  '',
  table,
].join('\n'));
process.stdout.write(table + '\n');
