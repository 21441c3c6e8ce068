// `npm install` step: vendor the pinned llama.cpp, put the native addon in place, compile the TypeScript.
//
// Where the addon comes from, first match wins:
//   1. PERSIAN_LORA_ADDON=/path/to/persian_lora.node — an addon built elsewhere (another checkout, a CI artifact);
//      it is loaded once to check it, then copied to build/Release/persian_lora.node. No compiler is needed.
//   2. prebuilds/<platform>-<arch>/ inside the package (made by `npm run prebuild`, scripts/prebuild.mjs: the addon and
//      the llama/ggml libraries it loads), when present, PERSIAN_LORA_GPU asks for no other backend than the
//      prebuild's, PERSIAN_LORA_BUILD_FROM_SOURCE is not 1, and it loads; copied the same way.
//   3. A build from source with cmake-js against the vendored llama.cpp (scripts/build-native.mjs, minutes).
// PERSIAN_LORA_SKIP_BUILD=1 skips the addon entirely (e.g. to install for unit tests only).
// llama.cpp is vendored (scripts/vendor-llama.mjs; LLAMA_CPP_DIR reuses a local checkout of the pinned tree) unless
// a ready addon is used and the package carries the vocabularies the runtime reads (third_party/llama.cpp-vocab):
// then the install fetches no llama.cpp source at all.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { vendorLlama } from './vendor-llama.mjs';
import { buildNative, defaultBackend } from './build-native.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const target = path.join(root, 'build', 'Release', 'persian_lora.node');
const userError = (message) => Object.assign(new Error(message), { userFacing: true });

function compileTypeScript() {
  const tsc = path.join(root, 'node_modules/typescript/bin/tsc');
  if (!existsSync(path.join(root, 'tsconfig.json')) || !existsSync(tsc)) return;  // published packages ship dist/
  const r = spawnSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.json')], { stdio: 'inherit' });
  if (r.status !== 0) throw userError('TypeScript compilation failed (see the errors above).');
}

/** Loads an addon in a child process (a crash there cannot take the install down); returns an error text or null. */
function loadError(file) {
  const probe = `const a = require(process.argv[1]); if (typeof a.loadModel !== 'function') throw new Error('not a persian-lora addon (no loadModel)'); a.systemInfo();`;
  const r = spawnSync(process.execPath, ['-e', probe, file], { encoding: 'utf8' });
  if (r.status === 0) return null;
  const lines = `${r.stderr ?? ''}`.split('\n').map((l) => l.trim()).filter(Boolean);
  return lines.find((l) => /Error/.test(l)) ?? lines[0] ?? (r.signal ? `killed by ${r.signal}` : `exit ${r.status}`);
}

// llama's and ggml's shared libraries beside a prebuilt addon (found through its rpath $ORIGIN)
const isSharedLibrary = (name) => /^lib(llama|ggml)[\w.-]*\.so(\.\d+)*$/.test(name);

function place(file, from) {
  mkdirSync(path.dirname(target), { recursive: true });
  // copy then rename: a process that has the old addon loaded keeps its (unlinked) file intact
  const copies = [[file, target], ...readdirSync(path.dirname(file)).filter(isSharedLibrary)
    .map((name) => [path.join(path.dirname(file), name), path.join(path.dirname(target), name)])];
  for (const [from, to] of copies) {
    copyFileSync(from, `${to}.tmp`);
    renameSync(`${to}.tmp`, to);
  }
  process.stderr.write(`[install] addon from ${from}: ${path.relative(root, target)} (no native build)\n`);
}

/** A ready addon (PERSIAN_LORA_ADDON or a matching prebuild) put in place; false when there is none. */
function readyAddon() {
  const env = process.env.PERSIAN_LORA_ADDON;
  if (env) {
    const file = path.resolve(env);
    if (!existsSync(file)) throw userError(`PERSIAN_LORA_ADDON=${env}: no such file. Point it at a built persian_lora.node, or unset it to build from source.`);
    const why = loadError(file);
    if (why) throw userError(`PERSIAN_LORA_ADDON=${env} does not load in Node ${process.version} (${process.platform}-${process.arch}): ${why}\nUnset it to build from source.`);
    if (path.resolve(file) !== target) place(file, `PERSIAN_LORA_ADDON=${env}`);
    return true;
  }
  const dir = path.join(root, 'prebuilds', `${process.platform}-${process.arch}`);
  const file = path.join(dir, 'persian_lora.node');
  if (!existsSync(file)) return false;
  if (process.env.PERSIAN_LORA_BUILD_FROM_SOURCE === '1') {
    process.stderr.write(`[install] PERSIAN_LORA_BUILD_FROM_SOURCE=1: the prebuild in ${path.relative(root, dir)} is not used\n`);
    return false;
  }
  const infoFile = path.join(dir, 'backend');
  const backend = existsSync(infoFile) ? readFileSync(infoFile, 'utf8').trim() : 'cpu';
  if (process.env.PERSIAN_LORA_GPU && process.env.PERSIAN_LORA_GPU !== backend) {
    process.stderr.write(`[install] the prebuild in ${path.relative(root, dir)} is ${backend}; PERSIAN_LORA_GPU=${process.env.PERSIAN_LORA_GPU}: building from source\n`);
    return false;
  }
  const why = loadError(file);
  if (why) {
    process.stderr.write(`[install] the prebuild in ${path.relative(root, dir)} does not load (${why}): building from source\n`);
    return false;
  }
  place(file, path.relative(root, file));
  return true;
}

/** Whether the package carries the vocabularies the runtime reads from llama.cpp's models/ (lib/tiny-model.ts vocabDir). */
const vocabulariesShip = () => existsSync(path.join(root, 'third_party', 'llama.cpp-vocab', 'ggml-vocab-llama-spm.gguf'));

try {
  const skip = process.env.PERSIAN_LORA_SKIP_BUILD === '1';
  const ready = !skip && readyAddon();
  if (ready && vocabulariesShip()) {
    process.stderr.write('[install] ready addon and vocabularies in the package: no llama.cpp source needed\n');
  } else {
    vendorLlama();
  }
  if (skip) process.stderr.write('[build] PERSIAN_LORA_SKIP_BUILD=1: native build skipped\n');
  else if (!ready) buildNative({ gpu: defaultBackend() });
  compileTypeScript();
} catch (error) {
  process.stderr.write('\n[persian-lora install] ' + (error.userFacing ? error.message : error.stack) + '\n');
  process.exit(1);
}
