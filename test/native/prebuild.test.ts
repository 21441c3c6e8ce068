// The prebuilt addon (prebuilds/linux-x64, `npm run prebuild`) against the native build (build/Release, -march=native):
// the same tiny models (Q8_0, Q4_K_M, F16: each of the trainer's product kernels), the same 64-token batch, each addon in
// a process of its own (PERSIAN_LORA_ADDON). Expected bitwise: on this CPU ggml loads the CPU variant with the
// instruction sets the native build was compiled for, and the trainer's kernels are the same code chosen at run time.
// With the trainer's kernels capped to a lower tier (PERSIAN_LORA_CPU=x64|avx2|avx512, as on a CPU without more) the
// products fall back to ggml's own ops or a lower GEMM tier, which the kernels reproduce bit for bit, except the
// cross-entropy forward (1e-6 relative, docs/training.md): logits bitwise, losses within 1e-6 relative.
import test from 'ava';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createTinyModel } from '../../lib/tiny-model.js';
import { packageRoot } from '../../lib/version.js';

const onLinuxX64 = process.platform === 'linux' && process.arch === 'x64';
const prebuildDir = path.join(packageRoot, 'prebuilds', 'linux-x64');
const prebuilt = path.join(prebuildDir, 'persian_lora.node');
const native = path.join(packageRoot, 'build', 'Release', 'persian_lora.node');
const linuxTest = onLinuxX64 ? test : test.skip;
const missing = () => (!existsSync(prebuilt) ? `no prebuild at ${prebuilt}: run \`npm run prebuild\` first` : !existsSync(native) ? `no native build at ${native}` : undefined);

interface Probe {
  logits: string;            // inference logits of every position (base64 of the Float32Array)
  trainLogits: string;       // the training graph's logits after the steps
  losses: number[];          // three optimizer steps
  kernels: Record<string, number>;
}

// Loads the model with the addon it is run with, then: inference logits, three LoRA steps, training-graph logits.
const probeScript = `
import { loadModel, Trainer } from ${JSON.stringify(pathToFileURL(path.join(packageRoot, 'dist', 'lib', 'index.js')).href)};
const file = process.argv[2];
const tokens = Uint32Array.from({ length: 64 }, (_, i) => (i * 7919 + 13) % 31000 + 3);
const b64 = (a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
const model = await loadModel(file);
const ctx = await model.createContext({ contextSize: 128, threads: 2 });
const logits = await ctx.logits(tokens, { all: true });
ctx.dispose();
model.dispose();
const trainer = await Trainer.create(file, { rank: 4, seed: 1, threads: 2 });
const losses = [];
for (let i = 0; i < 3; i++) losses.push((await trainer.step({ tokens }, { lr: 1e-2 })).loss);
const trainLogits = await trainer.logits({ tokens });
console.log(JSON.stringify({ logits: b64(logits), trainLogits: b64(trainLogits), losses, kernels: trainer.cpuKernelNodes }));
trainer.dispose();
`;

function probe(addon: string, model: string, dir: string, env: Record<string, string> = {}): Promise<Probe> {
  const script = path.join(dir, 'probe.mjs');
  writeFileSync(script, probeScript);
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [script, model], { env: { ...process.env, PERSIAN_LORA_ADDON: addon, ...env }, maxBuffer: 256 << 20 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`probe with ${addon} failed: ${stderr || error.message}`));
      else resolve(JSON.parse(stdout) as Probe);
    });
  });
}

const floats = (b64: string) => new Float32Array(new Uint8Array(Buffer.from(b64, 'base64')).buffer);

/** The first index where two arrays differ bitwise, or -1. */
function firstBitDifference(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return 0;
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length), y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return i;
  return -1;
}

let dir: string;
const models: Record<string, string> = {};
test.before(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'pl-prebuild-'));
  for (const quant of ['q8_0', 'q4_k_m', 'f16'] as const) {
    models[quant] = path.join(dir, `${quant}.gguf`);
    await createTinyModel({ out: models[quant]!, vocab: 'llama-spm', layers: 2, dim: 256, heads: 4, kvHeads: 2, context: 128, quant, seed: 3, initStd: 0.05 });
  }
});
test.after.always(() => rmSync(dir, { recursive: true, force: true }));

for (const quant of ['q8_0', 'q4_k_m', 'f16'] as const) {
  linuxTest(`prebuilt and native addons give the same logits and training losses bit for bit (${quant})`, async (t) => {
    const why = missing();
    if (why) return t.fail(why);
    const [p, n] = await Promise.all([probe(prebuilt, models[quant]!, dir), probe(native, models[quant]!, dir)]);
    t.is(firstBitDifference(floats(p.logits), floats(n.logits)), -1, 'inference logits');
    t.is(firstBitDifference(floats(p.trainLogits), floats(n.trainLogits)), -1, 'training-graph logits after three steps');
    t.deepEqual(p.losses, n.losses);
    t.deepEqual(p.kernels, n.kernels, 'the same trainer kernels ran');
    t.true(p.losses[2]! < p.losses[0]!, `training lowers the loss: ${p.losses.join(', ')}`);
  });
}

// Each lower tier of the trainer's kernels, as on a CPU that has no more: x64 (the plain GEMM, ggml's ops for the
// rest), avx2 (the AVX2 GEMM), avx512 (the AVX-512 GEMM, attention, F16 and cross-entropy kernels; no VNNI products).
for (const cap of ['x64', 'avx2', 'avx512'] as const) {
  linuxTest(`the prebuild with its trainer kernels capped to ${cap} gives the same numbers`, async (t) => {
    const why = missing();
    if (why) return t.fail(why);
    const [capped, full] = await Promise.all([probe(prebuilt, models['q8_0']!, dir, { PERSIAN_LORA_CPU: cap }), probe(prebuilt, models['q8_0']!, dir)]);
    t.log(`kernel nodes of the last graph, ${cap}:`, JSON.stringify(capped.kernels), 'uncapped:', JSON.stringify(full.kernels));
    t.is(capped.kernels['q8_0'], 0, `no VNNI product kernel with ${cap}`);
    t.is(capped.kernels['attention']! > 0, cap === 'avx512', 'the attention kernel only from avx512 up');
    t.true(full.kernels['q8_0']! > 0 && full.kernels['attention']! > 0, 'this CPU runs the AVX-512 kernels');
    t.is(firstBitDifference(floats(capped.logits), floats(full.logits)), -1);
    t.is(firstBitDifference(floats(capped.trainLogits), floats(full.trainLogits)), -1);
    // below avx512 the cross-entropy forward is ggml's (libm expf) instead of the kernel's: 1e-6 relative
    for (let i = 0; i < 3; i++) t.true(Math.abs(capped.losses[i]! - full.losses[i]!) <= 1e-6 * Math.abs(full.losses[i]!), `loss ${i}: ${capped.losses[i]} vs ${full.losses[i]}`);
  });
}

linuxTest('the prebuild folder is self-contained: rpath $ORIGIN, every llama/ggml library it needs beside it, no OpenMP', async (t) => {
  const why = missing();
  if (why) return t.fail(why);
  const files = readdirSync(prebuildDir).filter((f) => f.endsWith('.node') || /\.so(\.\d+)*$/.test(f));
  t.true(files.some((f) => /^libggml-cpu-x64\.so$/.test(f)), 'the plain x86-64 CPU variant');
  t.true(files.some((f) => /^libggml-cpu-(icelake|zen4|sapphirerapids)\.so$/.test(f)), 'an AVX-512 CPU variant');
  const system = /^(libc|libm|libstdc\+\+|libgcc_s|libpthread|libdl|ld-linux-x86-64)\.so/;
  for (const f of files) {
    const dump = await new Promise<string>((resolve, reject) => execFile('objdump', ['-p', path.join(prebuildDir, f)], (e, out) => (e ? reject(e) : resolve(out))));
    for (const [, lib] of dump.matchAll(/NEEDED\s+(\S+)/g)) t.true(system.test(lib!) || files.includes(lib!), `${f} needs ${lib}, which is neither a system library nor in the folder`);
    if (/NEEDED\s+lib(llama|ggml)/.test(dump)) t.regex(dump, /(RUNPATH|RPATH)\s+\$ORIGIN/, `${f}: rpath $ORIGIN`);
  }
});
