// Builds llama.cpp's own tools (llama-bench, llama-finetune) once from the vendored tree, with the addon's CPU flags.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, lstatSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { packageRoot } from '../lib/version.js';

export type LlamaTool = 'llama-bench' | 'llama-finetune';

const vendored = path.join(packageRoot, 'third_party', 'llama.cpp');

/**
 * The vendored llama_context sizes its graph and scheduler for inference graphs, max(1024, 8 · tensors) nodes; the
 * training graph that llama-finetune builds (forward, backward and optimizer) is several times larger and aborts in
 * ggml_backend_sched_alloc_graph (hash_set.size >= n_nodes + n_leafs) for any model this small. llama-finetune is
 * therefore built from a copy of the vendored tree (under build/) with that one capacity raised; the vendored tree and
 * llama-bench's build are left untouched, and no arithmetic changes.
 */
const CAPACITY = { file: path.join('src', 'llama-context.cpp'), from: 'res = std::max<uint32_t>(1024u, 8u*model.n_tensors());',
  to: 'res = std::max<uint32_t>(65536u, 8u*model.n_tensors()); // persian-lora bench: room for the training graph' };

function patchedSource(): string {
  const dir = path.join(packageRoot, 'build', 'llama-finetune-src');
  const file = path.join(dir, CAPACITY.file);
  if (existsSync(file) && readFileSync(file, 'utf8').includes(CAPACITY.to)) return dir;
  rmSync(dir, { recursive: true, force: true });
  // third_party/llama.cpp may be a symlink: copy the tree it points to, never the link, and write only inside the copy.
  cpSync(realpathSync(vendored), dir, { recursive: true, filter: (src) => path.basename(src) !== '.git' });
  if (!lstatSync(file).isFile() || realpathSync(file) !== path.join(realpathSync(dir), CAPACITY.file)) {
    throw new Error(`Expected ${file} to be a plain file inside the copy ${dir}, not a link into the vendored tree`);
  }
  const text = readFileSync(file, 'utf8');
  if (text.split(CAPACITY.from).length !== 2) {
    throw new Error(`Expected exactly one "${CAPACITY.from}" in ${path.join(vendored, CAPACITY.file)} (the graph capacity llama-finetune needs raised) but found ${text.split(CAPACITY.from).length - 1}`);
  }
  writeFileSync(file, text.replace(CAPACITY.from, CAPACITY.to));
  return dir;
}

function cmake(args: string[], what: string): void {
  const r = spawnSync('cmake', args, { stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) throw new Error(`cmake ${what} failed (exit ${r.status ?? r.signal}); command: cmake ${args.join(' ')}`);
}

/**
 * Returns the path of `target`'s binary in build/<target>, configuring and building it first if it is missing
 * (Release, static, native CPU, OpenMP, no AMX: the addon's flags).
 */
export function buildLlamaTool(target: LlamaTool): string {
  const buildDir = path.join(packageRoot, 'build', target);
  const bin = path.join(buildDir, 'bin', target);
  if (existsSync(bin)) return bin;
  process.stderr.write(`[bench] building ${target} from third_party/llama.cpp into build/${target} (once, a few minutes) ...\n`);
  if (!existsSync(path.join(buildDir, 'CMakeCache.txt'))) {
    const source = target === 'llama-finetune' ? patchedSource() : vendored;
    const flags = '-mno-amx-tile -mno-amx-int8 -mno-amx-bf16';
    cmake(['-S', source, '-B', buildDir, '-DCMAKE_BUILD_TYPE=Release', '-DBUILD_SHARED_LIBS=OFF', '-DGGML_NATIVE=ON',
      '-DGGML_OPENMP=ON', '-DLLAMA_BUILD_TESTS=OFF', `-DLLAMA_BUILD_EXAMPLES=${target === 'llama-finetune' ? 'ON' : 'OFF'}`,
      '-DLLAMA_BUILD_SERVER=OFF', '-DLLAMA_BUILD_TOOLS=ON', '-DLLAMA_BUILD_COMMON=ON', '-DLLAMA_CURL=OFF', '-DLLAMA_OPENSSL=OFF',
      `-DCMAKE_C_FLAGS=${flags}`, `-DCMAKE_CXX_FLAGS=${flags}`], `configure of build/${target}`);
  }
  cmake(['--build', buildDir, '--target', target, '-j', String(os.availableParallelism())], `build of ${target}`);
  if (!existsSync(bin)) throw new Error(`cmake built ${target} but ${bin} is missing`);
  return bin;
}
