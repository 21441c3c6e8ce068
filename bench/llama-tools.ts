// Builds llama.cpp's own tools (llama-bench, llama-finetune) once from the vendored tree, with the addon's CPU flags.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { packageRoot } from '../lib/version.js';

/** One build folder for every tool, so ggml and llama are compiled once; examples are on for llama-finetune. */
const buildDir = path.join(packageRoot, 'build', 'llama-tools');

function cmake(args: string[], what: string): void {
  const r = spawnSync('cmake', args, { stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) throw new Error(`cmake ${what} failed (exit ${r.status ?? r.signal}); command: cmake ${args.join(' ')}`);
}

/** Returns the path of `target`'s binary, configuring and building it first if it is missing (native CPU, OpenMP, no AMX). */
export function buildLlamaTool(target: 'llama-bench' | 'llama-finetune'): string {
  const bin = path.join(buildDir, 'bin', target);
  if (existsSync(bin)) return bin;
  process.stderr.write(`[bench] building ${target} from third_party/llama.cpp into build/llama-tools (once, a few minutes) ...\n`);
  if (!existsSync(path.join(buildDir, 'CMakeCache.txt'))) {
    const flags = '-mno-amx-tile -mno-amx-int8 -mno-amx-bf16';
    cmake(['-S', path.join(packageRoot, 'third_party', 'llama.cpp'), '-B', buildDir, '-DCMAKE_BUILD_TYPE=Release',
      '-DBUILD_SHARED_LIBS=OFF', '-DGGML_NATIVE=ON', '-DGGML_OPENMP=ON', '-DLLAMA_BUILD_TESTS=OFF', '-DLLAMA_BUILD_EXAMPLES=ON',
      '-DLLAMA_BUILD_SERVER=OFF', '-DLLAMA_BUILD_TOOLS=ON', '-DLLAMA_BUILD_COMMON=ON', '-DLLAMA_CURL=OFF', '-DLLAMA_OPENSSL=OFF',
      `-DCMAKE_C_FLAGS=${flags}`, `-DCMAKE_CXX_FLAGS=${flags}`], `configure of ${buildDir}`);
  }
  cmake(['--build', buildDir, '--target', target, '-j', String(os.availableParallelism())], `build of ${target}`);
  if (!existsSync(bin)) throw new Error(`cmake built ${target} but ${bin} is missing`);
  return bin;
}
