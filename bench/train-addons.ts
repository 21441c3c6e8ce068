// Benchmark: the CPU training step of two addon builds side by side ("before" and "after" a change to the trainer), with
// LoRA dropout off and at the study's 0.05, every run in a fresh process (bench/train-worker.ts), rounds alternated.
// Usage: node dist/bench/train-addons.js --before <persian_lora.node> --after <persian_lora.node> [--label-before TEXT]
//        [--label-after TEXT] [--threads 2] [--seq 256] [--steps 4] [--rounds 3]
// Build "before" from an earlier commit (git worktree add DIR COMMIT; npm ci there) or keep a copy of its
// build/Release/persian_lora.node. Writes the section "Training step: two addon builds" of RESULTS.md.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createTinyModel } from '../lib/tiny-model.js';
import { packageRoot } from '../lib/version.js';
import { writeResultsSection } from './results.js';
import { M100_SHAPE } from './train-steps.js';

const { values } = parseArgs({ options: {
  before: { type: 'string' }, after: { type: 'string' }, 'label-before': { type: 'string' }, 'label-after': { type: 'string' },
  threads: { type: 'string' }, seq: { type: 'string' }, steps: { type: 'string' }, rounds: { type: 'string' },
} });
if (!values.before || !values.after) throw new Error('Usage: --before <persian_lora.node> --after <persian_lora.node>');
const addons = { before: path.resolve(values.before), after: path.resolve(values.after) };
for (const file of Object.values(addons)) if (!existsSync(file)) throw new Error(`No addon at ${file}`);
const labels = { before: values['label-before'] ?? 'before', after: values['label-after'] ?? 'after' };
const threads = Number(values.threads ?? 2), seq = Number(values.seq ?? 256), steps = Number(values.steps ?? 4), rounds = Number(values.rounds ?? 3);
const base = path.join(packageRoot, 'bench', 'out', 'm100-q4_k_m.gguf');   // bench/train.ts's base
if (!existsSync(base)) await createTinyModel({ ...M100_SHAPE, quant: 'q4_k_m', context: Math.max(512, seq), out: base });
const worker = path.join(packageRoot, 'dist', 'bench', 'train-worker.js');
const load = () => os.loadavg()[0]!.toFixed(2);

type Which = keyof typeof addons;
const best = new Map<string, { tokensPerSecond: number; loss: number }>();
const loads: string[] = [load()];
for (let round = 0; round < rounds; round++) {
  for (const dropout of [0, 0.05]) {
    const order: Which[] = round % 2 === 0 ? ['before', 'after'] : ['after', 'before'];
    for (const which of order) {
      const out = execFileSync(process.execPath, [worker, base, String(threads), String(seq), String(steps), '8', JSON.stringify({ dropout })],
        { encoding: 'utf8', env: { ...process.env, PERSIAN_LORA_ADDON: addons[which] } });
      const run = JSON.parse(out.trim().split('\n').pop()!) as { tokensPerSecond: number; loss: number };
      const key = `${which} ${dropout}`;
      if (!best.has(key) || run.tokensPerSecond > best.get(key)!.tokensPerSecond) best.set(key, run);
    }
  }
  loads.push(load());
}
const rows = [0, 0.05].map((dropout) => {
  const b = best.get(`before ${dropout}`)!, a = best.get(`after ${dropout}`)!;
  const same = a.loss === b.loss ? 'equal' : `${b.loss.toFixed(6)} / ${a.loss.toFixed(6)}`;
  return `| ${dropout} | ${b.tokensPerSecond.toFixed(1)} | ${a.tokensPerSecond.toFixed(1)} | ${(a.tokensPerSecond / b.tokensPerSecond).toFixed(3)} | ${same} |`;
});
const body = [
  `CPU training step of two addon builds: before = ${labels.before}; after = ${labels.after}. ~100M llama (8 × 768, FFN 2048, ` +
    `Llama 2 vocabulary), Q4_K_M, rank 8 on q,k,v,o,gate,up,down, one sequence of ${seq} tokens per step, ${threads} threads, ` +
    `${steps} timed steps after a warm-up; best of ${rounds} alternated rounds per build, each in a fresh process. ` +
    `Load average (1 min) at the start and after each round: ${loads.join(', ')}.`,
  '',
  '| dropout | before, tokens/s | after, tokens/s | after / before | loss after the last step (before / after) |',
  '|---|---:|---:|---:|---|',
  ...rows,
].join('\n');
writeResultsSection('Training step: two addon builds', `node dist/bench/train-addons.js --before <addon> --after <addon> --seq ${seq} --threads ${threads} --rounds ${rounds}`, body);
process.stdout.write(body + '\n');
