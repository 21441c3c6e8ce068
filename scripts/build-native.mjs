// Builds the native addon with cmake-js: `node scripts/build-native.mjs [--gpu cpu|cuda|metal|vulkan] [--portable] [--out DIR] [--jobs N]`.
// The backend defaults to PERSIAN_LORA_GPU, else Metal on Apple silicon, else CPU. PERSIAN_LORA_WERROR=1 (CI) makes a
// warning in the project's own native files an error (CMake's PERSIAN_LORA_WERROR; llama.cpp's targets are untouched).
// Build tools (cmake-js, node-addon-api, node-api-headers) are resolved the way Node resolves them from this
// package, so they are found wherever npm put them (nested in the package or hoisted into the app's node_modules).
// A failure says what failed: a missing build tool, cmake missing or too old, the CMake configure step, or the
// compiler/linker (with the tail of its output); the full output is kept in build/build.log (only progress is shown).
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const backends = ['cpu', 'cuda', 'metal', 'vulkan'];
const CMAKE_MIN = [3, 21];
const hints = {
  cpu: 'a C/C++ compiler (Debian: `apt-get install build-essential cmake`; macOS: Xcode command line tools + `brew install cmake`)',
  cuda: 'the CUDA toolkit (nvcc on PATH, or CUDACXX=/usr/local/cuda/bin/nvcc); pick the GPU generation with CMAKE_CUDA_ARCHITECTURES, e.g. 90',
  metal: 'Xcode command line tools on macOS',
  vulkan: 'the Vulkan SDK (Debian: `apt-get install libvulkan-dev glslc`)',
};
const TAIL_LINES = 40;

const userError = (message) => Object.assign(new Error(message), { userFacing: true });

export function defaultBackend() {
  const env = process.env.PERSIAN_LORA_GPU;
  if (env) return env;
  return process.platform === 'darwin' && os.arch() === 'arm64' ? 'metal' : 'cpu';
}

/** Where Node resolves `name` from this package (nested or hoisted node_modules): its folder and package.json. */
export function resolveTool(name) {
  const require = createRequire(import.meta.url);
  let manifest;
  try {
    manifest = require.resolve(`${name}/package.json`);
  } catch {
    throw userError([
      `The build tool ${name} is not installed: Node cannot resolve \`${name}\` from ${root}.`,
      `It is a dependency of persian-lora; an install with --omit=prod, --ignore-scripts followed by a manual build, or a`,
      `pruned node_modules can leave it out. Run \`npm install ${name}\` in your project (or \`npm install\` again), then`,
      '`npx persian-lora build`.',
    ].join('\n'));
  }
  return { dir: path.dirname(manifest), manifest: JSON.parse(readFileSync(manifest, 'utf8')) };
}

/** The cmake-js command-line script, from its package.json "bin". */
export function cmakeJsBin() {
  const { dir, manifest } = resolveTool('cmake-js');
  const bin = typeof manifest.bin === 'string' ? manifest.bin : manifest.bin?.['cmake-js'];
  const file = bin && path.join(dir, bin);
  if (!file || !existsSync(file)) throw userError(`cmake-js ${manifest.version} at ${dir} has no cmake-js script (package.json "bin"): reinstall it.`);
  return file;
}

/** Checks that cmake runs and is recent enough; returns its version. */
export function checkCmake(cmake = 'cmake') {
  const r = spawnSync(cmake, ['--version'], { encoding: 'utf8' });
  if (r.error) {
    throw userError(r.error.code === 'ENOENT'
      ? `cmake was not found on PATH. The native build needs cmake >= ${CMAKE_MIN.join('.')} (Debian: \`apt-get install cmake\`; macOS: \`brew install cmake\`; or \`pip install cmake\`).`
      : `cmake could not be run: ${r.error.message}`);
  }
  const m = /cmake version (\d+)\.(\d+)(?:\.(\d+))?/.exec(r.stdout ?? '');
  if (r.status !== 0 || !m) throw userError(`\`${cmake} --version\` failed (exit ${r.status}): ${(r.stderr || r.stdout || '').trim().split('\n')[0]}`);
  const version = [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
  if (version[0] < CMAKE_MIN[0] || (version[0] === CMAKE_MIN[0] && version[1] < CMAKE_MIN[1])) {
    throw userError(`cmake ${version.join('.')} is too old: the native build needs cmake >= ${CMAKE_MIN.join('.')} (\`pip install cmake\` gives a recent one).`);
  }
  return version.join('.');
}

// Runs a command with its output appended to a log file and only its progress shown (every 10 % of the build
// steps: the compilers' output, llama.cpp's warnings included, stays in the log); returns the exit code.
// (spawnSync cannot do this, so a small Node child does it; the build stays synchronous for its callers.)
const TEE = `
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const [log, cmd, ...args] = process.argv.slice(1);
const out = fs.openSync(log, 'a');
const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
let shown = 0;
const progress = (d) => {
  for (const m of String(d).matchAll(/\\[\\s*(\\d+)\\/(\\d+)\\]|\\[\\s*(\\d+)%\\]/g)) {
    const pct = m[3] !== undefined ? Number(m[3]) : Math.floor((100 * Number(m[1])) / Number(m[2]));
    if (pct >= shown + 10) { shown = pct - (pct % 10); process.stderr.write('[build] ' + shown + ' %\\n'); }
  }
};
child.stdout.on('data', (d) => { progress(d); fs.writeSync(out, d); });
child.stderr.on('data', (d) => { fs.writeSync(out, d); });
child.on('error', (e) => { fs.writeSync(out, String(e) + '\\n'); process.stderr.write(String(e) + '\\n'); process.exit(127); });
child.on('close', (code, signal) => { fs.closeSync(out); process.exit(code ?? (signal ? 128 : 1)); });
`;

function runLogged(log, cmd, args) {
  const r = spawnSync(process.execPath, ['-e', TEE, log, cmd, ...args], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.error) throw r.error;
  return r.status ?? 1;
}

/** The last lines of the log since `from`, with the lines that name an error first when they scrolled out. */
function tailOf(log, from) {
  const text = existsSync(log) ? readFileSync(log, 'utf8').slice(from) : '';
  // eslint-disable-next-line no-control-regex
  const lines = text.replace(/\x1b\[[0-9;]*m/g, '').split('\n').map((l) => l.trimEnd()).filter(Boolean);
  const tail = lines.slice(-TAIL_LINES);
  const errors = lines.slice(0, -TAIL_LINES).filter((l) => /\berror\b|Error:|undefined reference|fatal/i.test(l)).slice(-10);
  return [...(errors.length ? ['  (error lines above the tail)', ...errors.map((l) => '  ' + l), '  …'] : []), ...tail.map((l) => '  ' + l)].join('\n');
}

/** The CMake definitions (cmake-js `--CD` arguments) of a build: backend, portable, and warnings as errors. */
export function cmakeDefinitions({ gpu = defaultBackend(), portable = false, werror = process.env.PERSIAN_LORA_WERROR === '1' } = {}) {
  const on = (x) => (x ? 'ON' : 'OFF');
  const defs = [`--CDPERSIAN_LORA_GPU=${gpu}`, `--CDPERSIAN_LORA_PORTABLE=${on(portable)}`, `--CDPERSIAN_LORA_WERROR=${on(werror)}`];
  if (gpu === 'cuda' && process.env.CMAKE_CUDA_ARCHITECTURES) defs.push(`--CDCMAKE_CUDA_ARCHITECTURES=${process.env.CMAKE_CUDA_ARCHITECTURES}`);
  return defs;
}

/**
 * Returns the path of the built addon; throws an Error with a user-facing message on failure.
 * `portable` builds for any x86-64 CPU with run-time CPU dispatch (the prebuild, scripts/prebuild.mjs). The build
 * folder is build/cmake (build/portable when portable), whose addon is copied to build/Release; a build folder `out`
 * of one's own keeps its addon (and, portable, the libraries it loads) there, with the log beside it (`out`.log).
 * `werror` (default: PERSIAN_LORA_WERROR=1) fails the build on a warning in the project's own files.
 */
export function buildNative({ gpu = defaultBackend(), jobs = os.availableParallelism?.() ?? os.cpus().length, portable = false, werror, out } = {}) {
  const shared = out === undefined && !portable;   // the build that lands in build/Release
  out ??= path.join(root, 'build', portable ? 'portable' : 'cmake');
  if (!backends.includes(gpu)) {
    throw userError(`Expected one of ${backends.join(', ')} for the GPU backend but received ${JSON.stringify(gpu)}`);
  }
  if (!existsSync(path.join(root, 'third_party/llama.cpp/CMakeLists.txt'))) {
    throw userError('third_party/llama.cpp is missing: run `node scripts/vendor-llama.mjs` first.');
  }
  // preflight: every build tool, before minutes of compiling
  const cmakeJs = cmakeJsBin();
  resolveTool('node-addon-api');
  resolveTool('node-api-headers');
  const cmakeVersion = checkCmake();

  if (portable && gpu !== 'cpu') throw userError(`A portable build is CPU only (received the GPU backend ${JSON.stringify(gpu)})`);
  const common = ['--directory', root, '--out', out, '--parallel', String(jobs), ...cmakeDefinitions({ gpu, portable, werror }), '--log-level', 'warn'];
  process.stderr.write(`[build] building the persian-lora addon (backend: ${gpu}, ${jobs} jobs, cmake ${cmakeVersion}) ...\n`);
  const started = Date.now();
  const log = shared ? path.join(root, 'build', 'build.log') : `${out}.log`;
  mkdirSync(path.dirname(log), { recursive: true });
  writeFileSync(log, '');
  const rerun = 'Then run `npx persian-lora build' + (gpu === 'cpu' ? '' : ` --gpu ${gpu}`) + '` (or `npm install` again).';
  // configure every time (seconds when nothing changed), so a new --gpu choice reaches an existing build folder
  for (const [step, what] of [['configure', 'The CMake configure step'], ['build', 'The compile/link step']]) {
    const from = existsSync(log) ? readFileSync(log).length : 0;
    const status = runLogged(log, process.execPath, [cmakeJs, step, ...common]);
    if (status !== 0) {
      const tail = tailOf(log, from);
      const compilerHint = step === 'configure'
        ? (/CMAKE_(CXX|C)_COMPILER|No CMAKE_|compiler/i.test(tail) ? `No working C/C++ compiler was found: install ${hints.cpu}.` : `It needs ${hints[gpu]}.`)
        : `The compiler or linker reported the error above; it needs ${hints[gpu]}.`;
      throw userError([
        `${what} of the native addon failed (backend: ${gpu}, cmake ${cmakeVersion}, exit ${status}). Last lines of its output:`,
        tail || '  (no output)',
        compilerHint,
        `Full output: ${log}`,
        rerun,
      ].join('\n'));
    }
  }
  if (!shared) {
    const built = path.join(out, portable ? 'bin' : 'Release', 'persian_lora.node');
    process.stderr.write(`[build] done in ${((Date.now() - started) / 1000).toFixed(0)} s: ${path.relative(root, built)}\n`);
    return built;
  }
  // cmake-js builds in build/cmake; the addon lands where node-gyp would put it, build/Release.
  const addon = path.join(root, 'build/Release/persian_lora.node');
  mkdirSync(path.dirname(addon), { recursive: true });
  // copy then rename: a process that has the old addon loaded keeps its (unlinked) file intact
  copyFileSync(path.join(out, 'Release/persian_lora.node'), `${addon}.tmp`);
  renameSync(`${addon}.tmp`, addon);
  process.stderr.write(`[build] done in ${((Date.now() - started) / 1000).toFixed(0)} s: ${path.relative(root, addon)}\n`);
  return addon;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const arg = (name) => { const i = process.argv.indexOf(name); return i > 0 ? process.argv[i + 1] : undefined; };
  try {
    const gpu = arg('--gpu'), out = arg('--out');
    const jobs = arg('--jobs');
    buildNative({ ...(gpu ? { gpu } : {}), ...(out ? { out: path.resolve(out) } : {}), ...(jobs ? { jobs: Number(jobs) } : {}), portable: process.argv.includes('--portable') });
  } catch (error) {
    process.stderr.write((error.userFacing ? error.message : error.stack) + '\n');
    process.exit(1);
  }
}
