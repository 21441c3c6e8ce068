// The package as a dependency: `npm pack` this repository, install the tarball into a fresh app with npm's default
// (hoisted) layout, then use it the way the README says: `npx persian-lora …`, `import { loadModel } from
// 'persian-lora'` from JavaScript, and the typings from TypeScript (tsc --noEmit, with a file that must fail).
// On linux-x64 the tarball carries the prebuild (`npm run prebuild` first; .ci/run does it), so the install uses it and
// fetches no llama.cpp source; elsewhere it reuses this repository's built addon (PERSIAN_LORA_ADDON) and verified
// llama.cpp tree (LLAMA_CPP_DIR). Either way it compiles nothing; npm takes the dependencies from its local cache
// (--prefer-offline). The compile from source is what `npm ci` in this repository does (.ci/run).
// Also: the build's failure messages name what failed (missing build tool, missing cmake, a compiler error's tail).
import test from 'ava';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadModel } from '../../lib/model.js';
import { packageRoot, packageVersion } from '../../lib/version.js';
import { cleanEnv, makeApp, npm, packInto, run, show, type Run } from '../helpers/package-app.js';

const repoAddon = path.join(packageRoot, 'build', 'Release', 'persian_lora.node');
const withPrebuild = process.platform === 'linux' && process.arch === 'x64';
const prebuilt = path.join(packageRoot, 'prebuilds', 'linux-x64', 'persian_lora.node');
const repoLlama = path.join(packageRoot, 'third_party', 'llama.cpp');
const tsc = path.join(packageRoot, 'node_modules', 'typescript', 'bin', 'tsc');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'pl-package-'));
const app = path.join(tmp, 'app');
const installed = path.join(app, 'node_modules', 'persian-lora');
let install: Run | undefined;
let setupError: string | undefined;

test.before(async () => {
  const missing = [
    [repoAddon, 'the built addon (npm install / npx persian-lora build)'],
    [path.join(repoLlama, '.persian-lora-tree'), 'the verified llama.cpp tree (node scripts/vendor-llama.mjs)'],
    [path.join(packageRoot, 'dist', 'lib', 'index.js'), 'the compiled TypeScript (tsc -p tsconfig.json)'],
    ...(withPrebuild ? [[prebuilt, 'the prebuild (npm run prebuild)']] : []),
  ].filter(([f]) => !existsSync(f!));
  if (missing.length > 0) {
    setupError = `package test needs ${missing.map(([f, what]) => `${what}: ${f}`).join('; ')}`;
    return;
  }
  let tarball: string;
  try {
    tarball = await packInto(path.join(tmp, 'pack'));  // dist/ was compiled before these tests ran
  } catch (error) {
    setupError = (error as Error).message;
    return;
  }
  makeApp(app);
  install = await npm(['install', tarball, '--prefer-offline', '--no-audit', '--no-fund', '--foreground-scripts'], app,
    withPrebuild ? cleanEnv() : cleanEnv({ PERSIAN_LORA_ADDON: repoAddon, LLAMA_CPP_DIR: repoLlama }));
  if (install.code !== 0) setupError = `npm install of the tarball failed: ${show(install)}`;
});

test.after.always(() => {
  rmSync(tmp, { recursive: true, force: true });
});

test('the tarball installs hoisted without a native build: from the prebuild (linux-x64, no llama.cpp source) or the ready addon and vendored tree', (t) => {
  if (setupError) return t.fail(setupError);
  t.log(`npm install <tarball> into a fresh app: ${install!.seconds.toFixed(1)} s`);
  const out = install!.stdout + install!.stderr;
  t.notRegex(out, /\[build\] building/);
  if (withPrebuild) {
    t.regex(out, /\[install\] addon from prebuilds\/linux-x64\/persian_lora\.node/, out.slice(-3000));
    t.regex(out, /no llama\.cpp source needed/);
    t.notRegex(out, /\[vendor llama\.cpp\]/);
    t.false(existsSync(path.join(installed, 'third_party', 'llama.cpp')));
    t.true(existsSync(path.join(installed, 'third_party', 'llama.cpp-vocab', 'LICENSE')));
    t.true(existsSync(path.join(installed, 'build', 'Release', 'libllama.so')) || readdirSync(path.join(installed, 'build', 'Release')).some((f) => f.startsWith('libllama.so')));
  } else {
    t.regex(out, /\[install\] addon from PERSIAN_LORA_ADDON=/, out.slice(-3000));
    t.regex(out, /placed in .* via LLAMA_CPP_DIR/);
  }
  // npm hoisted the build tools next to the package, not into it: the case scripts/build-native.mjs must resolve
  t.true(existsSync(path.join(app, 'node_modules', 'cmake-js', 'package.json')));
  t.false(existsSync(path.join(installed, 'node_modules', 'cmake-js')));
  t.deepEqual(readFileSync(path.join(installed, 'build', 'Release', 'persian_lora.node')), readFileSync(withPrebuild ? prebuilt : repoAddon));
  t.true(existsSync(path.join(installed, 'third_party', withPrebuild ? 'llama.cpp-vocab' : 'llama.cpp/models', 'ggml-vocab-llama-spm.gguf')));
  t.true(existsSync(path.join(installed, 'dist', 'lib', 'index.d.ts')));
  t.is(JSON.parse(readFileSync(path.join(installed, 'package.json'), 'utf8')).version, packageVersion());
});

test('the installed build script finds the hoisted cmake-js, node-addon-api and node-api-headers', async (t) => {
  if (setupError) return t.fail(setupError);
  const script = `const m = await import(${JSON.stringify(pathToFileURL(path.join(installed, 'scripts', 'build-native.mjs')).href)});
    console.log(JSON.stringify({ cmakeJs: m.cmakeJsBin(), addonApi: m.resolveTool('node-addon-api').dir, headers: m.resolveTool('node-api-headers').dir }));`;
  const r = await run(process.execPath, ['--input-type=module', '-e', script], app);
  t.is(r.code, 0, show(r));
  const found = JSON.parse(r.stdout) as Record<string, string>;
  const hoisted = realpathSync(path.join(app, 'node_modules'));
  t.is(realpathSync(found['cmakeJs']!), path.join(hoisted, 'cmake-js', 'bin', 'cmake-js'));
  t.is(realpathSync(found['addonApi']!), path.join(hoisted, 'node-addon-api'));
  t.is(realpathSync(found['headers']!), path.join(hoisted, 'node-api-headers'));
});

// The CLI, the JavaScript import and the TypeScript check all use the model that `tiny-model` writes.
const tinyPath = path.join(app, 'x.gguf');
let tiny: Promise<Run> | undefined;
const makeTiny = () => (tiny ??= run('npx', ['--no', '--', 'persian-lora', 'tiny-model', '--out', 'x.gguf', '--layers', '1', '--dim', '32'], app));

test('npx persian-lora --version and tiny-model run from the app, with the installed addon and vocabulary', async (t) => {
  if (setupError) return t.fail(setupError);
  const version = await run('npx', ['--no', '--', 'persian-lora', '--version'], app);
  t.is(version.code, 0, show(version));
  t.is(version.stdout.trim(), packageVersion());
  const made = await makeTiny();
  t.is(made.code, 0, show(made));
  t.true(existsSync(tinyPath));
  const inspect = await run('npx', ['--no', '--', 'persian-lora', 'inspect', 'x.gguf', '--json'], app);
  t.is(inspect.code, 0, show(inspect));
  t.regex(inspect.stdout, /"layers":\s*1/);
});

test('JavaScript: import { loadModel } from \'persian-lora\' resolves to the installed package and tokenizes', async (t) => {
  if (setupError) return t.fail(setupError);
  t.is((await makeTiny()).code, 0);
  const text = 'سلام دنیا, hello world';
  writeFileSync(path.join(app, 'use.js'), `import { loadModel, PersianLoraError, packageVersion } from 'persian-lora';
const model = await loadModel('x.gguf');
const info = model.info;
const tokens = Array.from(model.tokenize(${JSON.stringify(text)}));
let missing = null;
try { await loadModel('missing.gguf'); } catch (e) { missing = e instanceof PersianLoraError ? e.code : String(e); }
console.log(JSON.stringify({ resolved: import.meta.resolve('persian-lora'), version: packageVersion(), layers: info.layers, dim: info.embeddingLength, tokens, missing }));
model.dispose();
`);
  const r = await run(process.execPath, ['use.js'], app);
  t.is(r.code, 0, show(r));
  const out = JSON.parse(r.stdout) as { resolved: string; version: string; layers: number; dim: number; tokens: number[]; missing: string };
  t.is(out.resolved, pathToFileURL(path.join(realpathSync(installed), 'dist', 'lib', 'index.js')).href);
  t.is(out.version, packageVersion());
  t.is(out.layers, 1);
  t.is(out.dim, 32);
  t.is(out.missing, 'ERR_FILE_NOT_FOUND');
  // the same tokens as this repository's own API gives for the same model
  const model = await loadModel(tinyPath);
  try {
    t.deepEqual(out.tokens, Array.from(model.tokenize(text)));
  } finally {
    model.dispose();
  }
  t.true(out.tokens.length > 3);
});

test('TypeScript: the package typings check with tsc --noEmit, and a type error in their use is caught', async (t) => {
  if (setupError) return t.fail(setupError);
  const typeRoots = [path.join(packageRoot, 'node_modules', '@types')];
  const compilerOptions = { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: false, types: ['node'], typeRoots };
  writeFileSync(path.join(app, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['use.ts'] }, null, 2));
  writeFileSync(path.join(app, 'tsconfig.bad.json'), JSON.stringify({ compilerOptions, files: ['bad.ts'] }, null, 2));
  writeFileSync(path.join(app, 'use.ts'), `import {
  loadModel, createTinyModel, inspectModel, PersianLoraError, packageVersion, Trainer, runTraining, readLoraAdapter,
  exportPeft, mergeAdapter, vocabStats, extendGguf, runEvaluation, normalizePersian, writeGguf,
  type Model, type Context, type GenerationChunk, type ContinuationScore, type Completion, type ErrorCode,
  type TinyModelOptions, type ModelSummary, type TrainerOptions, type LoopOptions, type MergeOptions,
  type RunResults, type GgufValue, type LoadModelOptions, type GenerateOptions,
} from 'persian-lora';

const options: TinyModelOptions = { out: 'y.gguf', layers: 1, dim: 32 };
const load: LoadModelOptions = { onProgress: (p: number) => void p };
async function main(): Promise<void> {
  const made: { path: string; parameters: number } = await createTinyModel(options);
  const model: Model = await loadModel(made.path, load);
  const summary: ModelSummary = await inspectModel(made.path);
  const ctx: Context = await model.createContext({ contextSize: 256 });
  const generate: GenerateOptions = { maxTokens: 4 };
  for await (const chunk of ctx.generate('hello', generate)) {
    const c: GenerationChunk = chunk;
    process.stdout.write(c.text);
  }
  const scores: ContinuationScore[] = await ctx.scoreContinuations('The answer is', [' yes', ' no']);
  const done: Completion[] = await ctx.completeBatch(['a', 'b'], { maxTokens: 2 });
  const tokens: Uint32Array = model.tokenize('سلام');
  void scores; void done; void tokens; void summary;
  ctx.dispose();
  model.dispose();
}
const code: ErrorCode = 'ERR_FILE_NOT_FOUND';
const error = new PersianLoraError(code, 'x');
const trainer: TrainerOptions = {};
const loop: LoopOptions = {};
const merge: Partial<MergeOptions> = {};
const kv: GgufValue = { type: 'string', value: 'x' };
const results: RunResults | undefined = undefined;
const version: string = packageVersion();
void [main, error, trainer, loop, merge, kv, results, version, Trainer, runTraining, readLoraAdapter, exportPeft, mergeAdapter,
  vocabStats, extendGguf, runEvaluation, normalizePersian, writeGguf];
`);
  writeFileSync(path.join(app, 'bad.ts'), `import { loadModel } from 'persian-lora';
const model = await loadModel('x.gguf');
const layers: string = model.info.layers;
void layers;
`);
  const good = await run(process.execPath, [tsc, '-p', 'tsconfig.json'], app);
  t.is(good.code, 0, show(good));
  const bad = await run(process.execPath, [tsc, '-p', 'tsconfig.bad.json'], app);
  t.not(bad.code, 0);
  t.regex(bad.stdout, /bad\.ts\(3,7\): error TS2322: Type 'number' is not assignable to type 'string'/, show(bad));
});

// --- failure messages of the native build: what failed, not a generic blame ----------------------------------

/** A package folder holding this repository's build script and a minimal stand-in llama.cpp tree (its CMakeLists only), with `tools` hoisted beside it. */
function fakePackage(dir: string, tools: Record<string, string | null>): string {
  const pkg = path.join(dir, 'node_modules', 'persian-lora');
  mkdirSync(path.join(pkg, 'scripts'), { recursive: true });
  cpSync(path.join(packageRoot, 'scripts', 'build-native.mjs'), path.join(pkg, 'scripts', 'build-native.mjs'));
  mkdirSync(path.join(pkg, 'third_party', 'llama.cpp'), { recursive: true });
  writeFileSync(path.join(pkg, 'third_party', 'llama.cpp', 'CMakeLists.txt'), '');
  for (const [name, bin] of Object.entries(tools)) {
    const tool = path.join(dir, 'node_modules', name);
    mkdirSync(path.join(tool, 'bin'), { recursive: true });
    writeFileSync(path.join(tool, 'package.json'), JSON.stringify({ name, version: '0.0.0', ...(bin !== null ? { bin: { [name]: './bin/' + name } } : {}) }));
    if (bin !== null) writeFileSync(path.join(tool, 'bin', name), bin);
  }
  return pkg;
}

function buildIn(pkg: string, env: NodeJS.ProcessEnv = cleanEnv()): Promise<Run> {
  const script = `const m = await import(${JSON.stringify(pathToFileURL(path.join(pkg, 'scripts', 'build-native.mjs')).href)});
    try { m.buildNative({ gpu: 'cpu', jobs: 1 }); } catch (e) { console.error(e.userFacing ? 'USER: ' + e.message : e.stack); process.exit(1); }`;
  return run(process.execPath, ['--input-type=module', '-e', script], pkg, env);
}

test('build: a missing cmake-js is named as such', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pl-build-'));
  try {
    const pkg = fakePackage(dir, { 'node-addon-api': null, 'node-api-headers': null });
    const r = await buildIn(pkg);
    t.is(r.code, 1);
    t.regex(r.stderr, /USER: The build tool cmake-js is not installed: Node cannot resolve `cmake-js`/);
    t.notRegex(r.stderr, /compiler/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('build: cmake missing from PATH is named as such', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pl-build-'));
  try {
    const pkg = fakePackage(dir, { 'cmake-js': 'process.exit(0)\n', 'node-addon-api': null, 'node-api-headers': null });
    const empty = path.join(dir, 'empty-bin');
    mkdirSync(empty);
    const r = await buildIn(pkg, cleanEnv({ PATH: empty }));
    t.is(r.code, 1);
    t.regex(r.stderr, /USER: cmake was not found on PATH\. The native build needs cmake >= 3\.21/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('build: a compiler error ends the message with the tail of the compiler output (hoisted cmake-js)', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pl-build-'));
  try {
    // a stand-in for cmake-js: configure succeeds, build prints a compiler error among many lines and fails
    const fake = `if (process.argv[2] === 'configure') process.exit(0);
for (let i = 0; i < 200; i++) console.log('[' + i + '/300] Building CXX object native/core/f' + i + '.cpp.o');
console.error('native/core/pl_broken.cpp:12:3: error: expected ";" before "}" token');
console.error('ninja: build stopped: subcommand failed.');
process.exit(2);
`;
    const pkg = fakePackage(dir, { 'cmake-js': fake, 'node-addon-api': null, 'node-api-headers': null });
    const r = await buildIn(pkg);
    t.is(r.code, 1);
    const message = r.stderr.slice(r.stderr.indexOf('USER: '));
    t.regex(message, /^USER: The compile\/link step of the native addon failed \(backend: cpu, cmake [\d.]+, exit 2\)/);
    t.regex(message, /pl_broken\.cpp:12:3: error: expected ";"/);
    t.regex(message, /ninja: build stopped/);
    t.notRegex(message, /\[100\/300\]/); // only the tail
    t.regex(message, /Full output: .*build\.log/);
    t.regex(readFileSync(path.join(pkg, 'build', 'build.log'), 'utf8'), /\[0\/300\]/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('install: a PERSIAN_LORA_ADDON that is not a loadable addon fails the install with that reason', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pl-install-'));
  try {
    const bogus = path.join(dir, 'bogus.node');
    writeFileSync(bogus, 'not an ELF file');
    // a package folder of its own: the install scripts, the lock, and a vendored tree whose stamp matches the pin
    const pkg = path.join(dir, 'pkg');
    cpSync(path.join(packageRoot, 'scripts'), path.join(pkg, 'scripts'), { recursive: true });
    cpSync(path.join(packageRoot, 'third_party', 'llama.cpp.lock'), path.join(pkg, 'third_party', 'llama.cpp.lock'));
    const pin = (JSON.parse(readFileSync(path.join(pkg, 'third_party', 'llama.cpp.lock'), 'utf8')) as { tree: string }).tree;
    mkdirSync(path.join(pkg, 'third_party', 'llama.cpp'));
    writeFileSync(path.join(pkg, 'third_party', 'llama.cpp', '.persian-lora-tree'), pin + '\n');
    const r = await run(process.execPath, [path.join(pkg, 'scripts', 'install.mjs')], pkg, cleanEnv({ PERSIAN_LORA_ADDON: bogus }));
    t.is(r.code, 1, show(r));
    t.regex(r.stderr, /PERSIAN_LORA_ADDON=.*bogus\.node does not load in Node v[\d.]+ \(\w+-\w+\): .*invalid ELF header|PERSIAN_LORA_ADDON=.*bogus\.node does not load/);
    t.notRegex(r.stderr, /\[vendor llama\.cpp\]/);   // refused before anything is fetched
    t.notRegex(r.stderr, /\[build\] building/);
    t.false(existsSync(path.join(pkg, 'build', 'Release', 'persian_lora.node')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('install: a prebuild in prebuilds/<platform>-<arch>/ is used instead of a build, unless another backend is asked for', async (t) => {
  if (!existsSync(repoAddon)) return t.fail(`needs the built addon ${repoAddon}`);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pl-install-'));
  try {
    const pkg = path.join(dir, 'pkg');
    cpSync(path.join(packageRoot, 'scripts'), path.join(pkg, 'scripts'), { recursive: true });
    cpSync(path.join(packageRoot, 'third_party', 'llama.cpp.lock'), path.join(pkg, 'third_party', 'llama.cpp.lock'));
    const pin = (JSON.parse(readFileSync(path.join(pkg, 'third_party', 'llama.cpp.lock'), 'utf8')) as { tree: string }).tree;
    mkdirSync(path.join(pkg, 'third_party', 'llama.cpp'));
    writeFileSync(path.join(pkg, 'third_party', 'llama.cpp', '.persian-lora-tree'), pin + '\n');
    const prebuild = path.join(pkg, 'prebuilds', `${process.platform}-${process.arch}`, 'persian_lora.node');
    mkdirSync(path.dirname(prebuild), { recursive: true });
    cpSync(repoAddon, prebuild);
    const installed = path.join(pkg, 'build', 'Release', 'persian_lora.node');

    const r = await run(process.execPath, [path.join(pkg, 'scripts', 'install.mjs')], pkg, cleanEnv());
    t.is(r.code, 0, show(r));
    t.regex(r.stderr, new RegExp(`\\[install\\] addon from prebuilds/${process.platform}-${process.arch}/persian_lora\\.node`));
    t.notRegex(r.stderr, /\[build\] building/);
    t.deepEqual(readFileSync(installed), readFileSync(repoAddon));

    // a CPU prebuild does not satisfy PERSIAN_LORA_GPU=cuda: the install goes to the source build (which stops here,
    // the stand-in tree having no sources)
    rmSync(path.join(pkg, 'build'), { recursive: true });
    const cuda = await run(process.execPath, [path.join(pkg, 'scripts', 'install.mjs')], pkg, cleanEnv({ PERSIAN_LORA_GPU: 'cuda' }));
    t.is(cuda.code, 1, show(cuda));
    t.regex(cuda.stderr, /the prebuild in .* is cpu; PERSIAN_LORA_GPU=cuda: building from source/);
    t.regex(cuda.stderr, /third_party\/llama\.cpp is missing/);
    t.false(existsSync(installed));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('install: with a prebuild and the vocabularies in the package nothing of llama.cpp is fetched; PERSIAN_LORA_BUILD_FROM_SOURCE=1 builds from source instead', async (t) => {
  if (!existsSync(repoAddon)) return t.fail(`needs the built addon ${repoAddon}`);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pl-install-'));
  try {
    // a package folder with the install scripts, the lock, a prebuild and the shipped vocabulary, but no llama.cpp tree
    const pkg = path.join(dir, 'pkg');
    cpSync(path.join(packageRoot, 'scripts'), path.join(pkg, 'scripts'), { recursive: true });
    cpSync(path.join(packageRoot, 'third_party', 'llama.cpp.lock'), path.join(pkg, 'third_party', 'llama.cpp.lock'));
    const vocab = path.join(pkg, 'third_party', 'llama.cpp-vocab', 'ggml-vocab-llama-spm.gguf');
    mkdirSync(path.dirname(vocab), { recursive: true });
    cpSync(path.join(repoLlama, 'models', 'ggml-vocab-llama-spm.gguf'), vocab);
    const prebuild = path.join(pkg, 'prebuilds', `${process.platform}-${process.arch}`, 'persian_lora.node');
    mkdirSync(path.dirname(prebuild), { recursive: true });
    cpSync(repoAddon, prebuild);
    // the only route to a tree is a folder that does not exist: any attempt to vendor one fails at once
    const offline = cleanEnv({ LLAMA_CPP_DIR: path.join(dir, 'no-such-llama.cpp') });

    const r = await run(process.execPath, [path.join(pkg, 'scripts', 'install.mjs')], pkg, offline);
    t.is(r.code, 0, show(r));
    t.regex(r.stderr, /\[install\] addon from prebuilds\//);
    t.regex(r.stderr, /\[install\] ready addon and vocabularies in the package: no llama\.cpp source needed/);
    t.notRegex(r.stderr, /\[vendor llama\.cpp\]/);
    t.false(existsSync(path.join(pkg, 'third_party', 'llama.cpp')));
    t.deepEqual(readFileSync(path.join(pkg, 'build', 'Release', 'persian_lora.node')), readFileSync(repoAddon));

    // from source: the prebuild is passed over and the tree is needed (vendoring fails here, with no route to one)
    rmSync(path.join(pkg, 'build'), { recursive: true });
    const source = await run(process.execPath, [path.join(pkg, 'scripts', 'install.mjs')], pkg, { ...offline, PERSIAN_LORA_BUILD_FROM_SOURCE: '1' });
    t.is(source.code, 1, show(source));
    t.regex(source.stderr, /PERSIAN_LORA_BUILD_FROM_SOURCE=1: the prebuild in prebuilds\/\S+ is not used/);
    t.regex(source.stderr, /Could not obtain llama\.cpp/);
    t.false(existsSync(path.join(pkg, 'build', 'Release', 'persian_lora.node')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
