// Benchmark: the prebuilt addon (prebuilds/linux-x64, `npm run prebuild`) against the native build (build/Release,
// -march=native): inference (prompt logits, generation) and training (step time) on the same tiny model, each addon in
// a process of its own, runs alternated and the best of each kept; then the packed tarball with the prebuild installed
// into a fresh app (time, size, whether any llama.cpp source was fetched).
// Usage: node dist/bench/prebuild.js [--threads 2] [--repeats 3] [--no-install]
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { packageRoot } from '../lib/version.js';
import { writeResultsSection } from './results.js';

const { values } = parseArgs({ options: {
  threads: { type: 'string', default: '2' }, repeats: { type: 'string', default: '3' }, 'no-install': { type: 'boolean', default: false },
  worker: { type: 'string' },
} });
const threads = Number(values.threads);

interface Timing { promptMs: number; generateTokS: number; stepMs: number }

/** One measurement with the addon this process loaded (PERSIAN_LORA_ADDON): 256-token prompt, 32 generated tokens, 2 steps. */
async function measure(model: string): Promise<Timing> {
  const { loadModel, Trainer } = await import('../lib/index.js');
  const tokens = Uint32Array.from({ length: 256 }, (_, i) => ((i * 7919 + 13) % 31000) + 3);
  const m = await loadModel(model);
  const ctx = await m.createContext({ contextSize: 512, threads });
  await ctx.logits(tokens.subarray(0, 16));   // warm-up
  let t = performance.now();
  await ctx.logits(tokens);
  const promptMs = performance.now() - t;
  t = performance.now();
  let generated = 0;
  for await (const chunk of ctx.generate(tokens.subarray(0, 8), { maxTokens: 32, temperature: 0 })) generated += chunk.tokens.length;
  const generateTokS = generated / ((performance.now() - t) / 1000);
  ctx.dispose();
  m.dispose();
  const trainer = await Trainer.create(model, { rank: 8, threads });
  await trainer.step({ tokens: tokens.subarray(0, 64) });   // warm-up (graph build, probes)
  t = performance.now();
  for (let i = 0; i < 2; i++) await trainer.step({ tokens });
  const stepMs = (performance.now() - t) / 2;
  trainer.dispose();
  return { promptMs, generateTokS, stepMs };
}

if (values.worker) {
  process.stdout.write(JSON.stringify(await measure(values.worker)) + '\n');
  process.exit(0);
}

const prebuilt = path.join(packageRoot, 'prebuilds', 'linux-x64', 'persian_lora.node');
const native = path.join(packageRoot, 'build', 'Release', 'persian_lora.node');
for (const f of [prebuilt, native]) if (!existsSync(f)) throw new Error(`missing ${f} (npm run prebuild / npm run build:native)`);
const work = mkdtempSync(path.join(os.tmpdir(), 'pl-bench-prebuild-'));
const { createTinyModel } = await import('../lib/tiny-model.js');
const model = path.join(work, 'm.gguf');
await createTinyModel({ out: model, vocab: 'llama-spm', layers: 4, dim: 512, heads: 8, ffn: 1376, context: 512, quant: 'q8_0', seed: 5 });

const self = fileURLToPath(import.meta.url);
function worker(addon: string): Timing {
  const r = spawnSync(process.execPath, [self, '--worker', model, '--threads', String(threads)], { env: { ...process.env, PERSIAN_LORA_ADDON: addon }, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`worker with ${addon}: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Timing;
}
const loadBefore = os.loadavg()[0]!;
const runs: { prebuilt: Timing[]; native: Timing[] } = { prebuilt: [], native: [] };
for (let i = 0; i < Number(values.repeats); i++) {
  runs.native.push(worker(native));
  runs.prebuilt.push(worker(prebuilt));
}
const loadAfter = os.loadavg()[0]!;
const best = (ts: Timing[]) => ({ promptMs: Math.min(...ts.map((x) => x.promptMs)), generateTokS: Math.max(...ts.map((x) => x.generateTokS)), stepMs: Math.min(...ts.map((x) => x.stepMs)) });
const p = best(runs.prebuilt), n = best(runs.native);
const f = (x: number, d = 1) => x.toFixed(d);

let install = '';
if (!values['no-install']) {
  const packDir = path.join(work, 'pack');
  mkdirSync(packDir);
  const pack = JSON.parse(execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', packDir], { cwd: packageRoot, encoding: 'utf8' })) as { filename: string; size: number; unpackedSize: number; entryCount: number }[];
  const tarball = path.join(packDir, pack[0]!.filename);
  const app = path.join(work, 'app');
  mkdirSync(app);
  writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'pl-app', version: '1.0.0', private: true, type: 'module' }));
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k) && !['PERSIAN_LORA_ADDON', 'LLAMA_CPP_DIR'].includes(k)) env[k] = v;
  const load = os.loadavg()[0]!;
  const t = performance.now();
  const r = spawnSync('npm', ['install', tarball, '--prefer-offline', '--no-audit', '--no-fund', '--foreground-scripts'], { cwd: app, env, encoding: 'utf8' });
  const seconds = (performance.now() - t) / 1000;
  if (r.status !== 0) throw new Error(`npm install failed: ${r.stderr.slice(-3000)}`);
  const installed = path.join(app, 'node_modules', 'persian-lora');
  const du = (dir: string): number => readdirSync(dir, { withFileTypes: true }).reduce((a, e) => {
    const file = path.join(dir, e.name);
    return a + (e.isDirectory() ? du(file) : e.isFile() ? statSync(file).size : 0);
  }, 0);
  const mb = (b: number) => f(b / 1048576);
  const fetched = existsSync(path.join(installed, 'third_party', 'llama.cpp'));
  const made = spawnSync('npx', ['--no', '--', 'persian-lora', 'tiny-model', '--out', 'x.gguf', '--layers', '1', '--dim', '32'], { cwd: app, env, encoding: 'utf8' });
  install = `
Install of the packed tarball into a fresh app (\`npm install <tarball> --prefer-offline\`, npm's default layout, its
dependencies from npm's cache; load average ${f(load, 2)} at the start): **${f(seconds)} s**, the addon from the prebuild
(${/\[install\] addon from prebuilds\/linux-x64/.test(r.stderr) ? 'yes' : 'NO'}), llama.cpp source fetched: ${fetched ? 'YES' : 'no'}; then
\`npx persian-lora tiny-model\` with the shipped vocabulary: exit ${made.status}. Tarball ${mb(pack[0]!.size)} MB
(${pack[0]!.entryCount} files, ${mb(pack[0]!.unpackedSize)} MB unpacked); \`node_modules/persian-lora\` after the install
${mb(du(installed))} MB, the whole \`node_modules\` ${mb(du(path.join(app, 'node_modules')))} MB.`;
}
rmSync(work, { recursive: true, force: true });

const body = `Load average (1 min): ${f(loadBefore, 2)} before, ${f(loadAfter, 2)} after the speed runs. Model: tiny llama, 4 layers,
width 512, FFN 1376, Llama 2 vocabulary, Q8_0; ${threads} threads; best of ${values.repeats} alternated runs per addon,
each in a process of its own. Ratio = prebuilt / native time (above 1: the prebuild is slower).

| measure | native (-march=native) | prebuilt (run-time dispatch) | ratio |
|---|---:|---:|---:|
| inference: 256-token prompt, ms | ${f(n.promptMs)} | ${f(p.promptMs)} | ${f(p.promptMs / n.promptMs, 2)} |
| inference: generation, tokens/s | ${f(n.generateTokS)} | ${f(p.generateTokS)} | ${f(n.generateTokS / p.generateTokS, 2)} |
| training: 256-token LoRA step (rank 8), ms | ${f(n.stepMs)} | ${f(p.stepMs)} | ${f(p.stepMs / n.stepMs, 2)} |
${install}`;
writeResultsSection('Prebuilt addon: speed against the native build, install time', `node dist/bench/prebuild.js --threads ${threads} --repeats ${values.repeats}`, body);
process.stdout.write(body + '\n');
