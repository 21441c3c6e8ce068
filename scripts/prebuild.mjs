// `npm run prebuild [-- --out DIR]` (before `npm pack`): the prebuilt Linux x86-64 CPU addon the package carries, and the
// vocabularies the runtime reads from llama.cpp's models/, so that an install on a matching machine compiles and
// fetches nothing (scripts/install.mjs).
//   prebuilds/linux-x64/         persian_lora.node, libllama.so, libggml.so, libggml-base.so and one
//                                libggml-cpu-<level>.so per x86-64 ISA level (ggml loads the best the CPU runs);
//                                rpath $ORIGIN; stripped; `backend` (cpu) and `build.json` (tree, compiler, sizes)
//   third_party/llama.cpp-vocab/ ggml-vocab-{llama-spm,llama-bpe,qwen2,phi-3}.gguf and llama.cpp's LICENSE
// The build (PERSIAN_LORA_PORTABLE, in build/portable) runs on any x86-64 CPU: see CMakeLists.txt and
// native/core/pl_cpu_features.h; PERSIAN_LORA_WERROR=1 (CI) fails it on a warning in the project's own files.
// Neither folder is committed (.gitignore); both are in package.json "files".
import { execFileSync } from 'node:child_process';
import { copyFileSync, lstatSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildNative } from './build-native.mjs';
import { vendorLlama } from './vendor-llama.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const prebuildDir = path.join(root, 'prebuilds', 'linux-x64');
export const vocabDir = path.join(root, 'third_party', 'llama.cpp-vocab');
/** The vocabularies tiny-model, the demo and the examples use (about 4 MB of the tarball). */
export const shippedVocabularies = ['llama-spm', 'llama-bpe', 'qwen2', 'phi-3'];

const userError = (message) => Object.assign(new Error(message), { userFacing: true });

/** The SONAME of a shared library (what the files that need it name), or its file name when it has none. */
function soname(file) {
  const m = /SONAME\s+(\S+)/.exec(execFileSync('objdump', ['-p', file], { encoding: 'utf8' }));
  return m ? m[1] : path.basename(file);
}

export function prebuild({ out = path.join(root, 'build', 'portable') } = {}) {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw userError(`The prebuild is made for linux-x64 only (this is ${process.platform}-${process.arch}); other platforms build from source at install.`);
  }
  const started = Date.now();
  vendorLlama();
  const addon = buildNative({ gpu: 'cpu', portable: true, out });
  const bin = path.dirname(addon);

  rmSync(prebuildDir, { recursive: true, force: true });
  mkdirSync(prebuildDir, { recursive: true });
  // every library under the name the addon and the others need it by (symbolic links do not pack)
  const libraries = readdirSync(bin).filter((f) => /^lib(llama|ggml)[\w.-]*\.so(\.\d+)*$/.test(f) && !lstatSync(path.join(bin, f)).isSymbolicLink());
  const placed = [addon, ...libraries.map((f) => path.join(bin, f))].map((file) => {
    const name = file === addon ? 'persian_lora.node' : soname(file);
    const to = path.join(prebuildDir, name);
    copyFileSync(file, to);
    execFileSync('strip', ['--strip-unneeded', to]);
    return { name, bytes: statSync(to).size };
  });
  writeFileSync(path.join(prebuildDir, 'backend'), 'cpu\n');
  const lock = JSON.parse(readFileSync(path.join(root, 'third_party', 'llama.cpp.lock'), 'utf8'));
  const compiler = execFileSync(process.env.CXX ?? 'c++', ['--version'], { encoding: 'utf8' }).split('\n')[0];
  writeFileSync(path.join(prebuildDir, 'build.json'), JSON.stringify({ llamaCppTree: lock.tree, compiler, files: placed }, null, 2) + '\n');

  rmSync(vocabDir, { recursive: true, force: true });
  mkdirSync(vocabDir, { recursive: true });
  const models = path.join(root, 'third_party', 'llama.cpp', 'models');
  for (const v of shippedVocabularies) copyFileSync(path.join(models, `ggml-vocab-${v}.gguf`), path.join(vocabDir, `ggml-vocab-${v}.gguf`));
  copyFileSync(path.join(root, 'third_party', 'llama.cpp', 'LICENSE'), path.join(vocabDir, 'LICENSE'));
  writeFileSync(path.join(vocabDir, 'README.md'), `Tokenizer vocabularies from llama.cpp's models/ (tree ${lock.tree}), MIT licensed (LICENSE).\n`);

  const mb = (n) => (n / 1048576).toFixed(1);
  const total = placed.reduce((a, f) => a + f.bytes, 0);
  process.stderr.write(`[prebuild] ${path.relative(root, prebuildDir)}: ${placed.length} files, ${mb(total)} MB; ` +
    `${path.relative(root, vocabDir)}: ${shippedVocabularies.length} vocabularies; ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
  return prebuildDir;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const i = process.argv.indexOf('--out');   // a build folder of one's own (default build/portable)
    prebuild(i > 0 ? { out: path.resolve(process.argv[i + 1]) } : {});
  } catch (error) {
    process.stderr.write((error.userFacing ? error.message : error.stack) + '\n');
    process.exit(1);
  }
}
