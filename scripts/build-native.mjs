// Builds the native addon with cmake-js: `node scripts/build-native.mjs [--gpu cpu|cuda|metal|vulkan]`.
// The backend defaults to PERSIAN_LORA_GPU, else Metal on Apple silicon, else CPU.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, renameSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const backends = ['cpu', 'cuda', 'metal', 'vulkan'];
const hints = {
  cpu: 'a C/C++ compiler (Debian: `apt-get install build-essential cmake`; macOS: Xcode command line tools + `brew install cmake`)',
  cuda: 'the CUDA toolkit (nvcc on PATH, or CUDACXX=/usr/local/cuda/bin/nvcc); pick the GPU generation with CMAKE_CUDA_ARCHITECTURES, e.g. 90',
  metal: 'Xcode command line tools on macOS',
  vulkan: 'the Vulkan SDK (Debian: `apt-get install libvulkan-dev glslc`)',
};

export function defaultBackend() {
  const env = process.env.PERSIAN_LORA_GPU;
  if (env) return env;
  return process.platform === 'darwin' && os.arch() === 'arm64' ? 'metal' : 'cpu';
}

/** Returns the path of the built addon; throws an Error with a user-facing message on failure. */
export function buildNative({ gpu = defaultBackend(), jobs = os.availableParallelism?.() ?? os.cpus().length } = {}) {
  if (!backends.includes(gpu)) {
    throw Object.assign(new Error(`Expected one of ${backends.join(', ')} for the GPU backend but received ${JSON.stringify(gpu)}`), { userFacing: true });
  }
  if (!existsSync(path.join(root, 'third_party/llama.cpp/CMakeLists.txt'))) {
    throw Object.assign(new Error('third_party/llama.cpp is missing: run `node scripts/vendor-llama.mjs` first.'), { userFacing: true });
  }
  const cmakeJs = path.join(root, 'node_modules/cmake-js/bin/cmake-js');
  const common = ['--directory', root, '--out', path.join(root, 'build', 'cmake'), '--parallel', String(jobs),
    `--CDPERSIAN_LORA_GPU=${gpu}`, '--log-level', 'warn'];
  if (gpu === 'cuda' && process.env.CMAKE_CUDA_ARCHITECTURES) common.push(`--CDCMAKE_CUDA_ARCHITECTURES=${process.env.CMAKE_CUDA_ARCHITECTURES}`);
  process.stderr.write(`[build] building the persian-lora addon (backend: ${gpu}, ${jobs} jobs) ...\n`);
  const started = Date.now();
  // configure every time (seconds when nothing changed), so a new --gpu choice reaches an existing build folder
  const step = (command) => spawnSync(process.execPath, [cmakeJs, command, ...common], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  let result = step('configure');
  if (result.status === 0) result = step('build');
  if (result.status !== 0) {
    throw Object.assign(new Error([
      `The native build failed (backend: ${gpu}); the CMake output above names the error.`,
      `It needs cmake >= 3.21 and ${hints[gpu]}.`,
      'Then run `npx persian-lora build' + (gpu === 'cpu' ? '' : ` --gpu ${gpu}`) + '` (or `npm install` again).',
    ].join('\n')), { userFacing: true });
  }
  // cmake-js builds in build/cmake; the addon lands where node-gyp would put it, build/Release.
  const addon = path.join(root, 'build/Release/persian_lora.node');
  mkdirSync(path.dirname(addon), { recursive: true });
  // copy then rename: a process that has the old addon loaded keeps its (unlinked) file intact
  copyFileSync(path.join(root, 'build/cmake/Release/persian_lora.node'), `${addon}.tmp`);
  renameSync(`${addon}.tmp`, addon);
  process.stderr.write(`[build] done in ${((Date.now() - started) / 1000).toFixed(0)} s: ${path.relative(root, addon)}\n`);
  return addon;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const i = process.argv.indexOf('--gpu');
  try {
    buildNative(i > 0 ? { gpu: process.argv[i + 1] } : {});
  } catch (error) {
    process.stderr.write((error.userFacing ? error.message : error.stack) + '\n');
    process.exit(1);
  }
}
