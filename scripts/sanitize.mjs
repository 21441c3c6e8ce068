// `npm run test:sanitize`: builds the addon with AddressSanitizer + UndefinedBehaviorSanitizer into build/sanitize/
// (the shared build/ is left alone) and runs the native tests against it (PERSIAN_LORA_ADDON), with libasan preloaded
// into Node, which is not instrumented itself. Any ASan or UBSan report fails the run.
//   node scripts/sanitize.mjs [--build-only] [test files …]   (default: every native test but the packaging ones)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkCmake, cmakeJsBin } from './build-native.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, 'build', 'sanitize');
const addon = path.join(out, 'cmake', 'Release', 'persian_lora.node');
const reports = path.join(out, 'reports');
// tests that build or install the package itself, or drive a browser: nothing of the addon's to check there; the
// memory plan's comparison with the measured peak, which ASan's redzones and shadow memory inflate; and the RPC
// training test, which wants the local CPU's arithmetic bit for bit from an uninstrumented rpc-server (the sanitized
// build's CPU arithmetic differs from it: losses 1e-5 apart)
const SKIPPED = ['/package.test.js', '/prebuild.test.js', '/vendor.test.js', '/report-chromium.test.js', '/memory-plan.test.js', '/rpc/train.test.js'];
const FLAGS = '-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer -g';

function run(cmd, args, env = process.env) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env });
  if (r.error) throw r.error;
  return r.status ?? 1;
}

function build() {
  checkCmake();
  const jobs = String(os.availableParallelism?.() ?? os.cpus().length);
  const args = ['--directory', root, '--out', path.join(out, 'cmake'), '--parallel', jobs, '--log-level', 'warn',
    '--CDPERSIAN_LORA_GPU=cpu', '--CDCMAKE_BUILD_TYPE=Release',
    // in the Release configuration's flags: cmake-js sets CMAKE_C(XX)_FLAGS and CMAKE_SHARED_LINKER_FLAGS itself,
    // which left everything uninstrumented before
    `--CDCMAKE_C_FLAGS_RELEASE=-O3 -DNDEBUG ${FLAGS}`, `--CDCMAKE_CXX_FLAGS_RELEASE=-O3 -DNDEBUG ${FLAGS}`,
    '--CDCMAKE_SHARED_LINKER_FLAGS_RELEASE=-fsanitize=address,undefined'];
  for (const step of ['configure', 'build']) {
    if (run(process.execPath, [cmakeJsBin(), step, ...args]) !== 0) throw new Error(`The sanitizer build's ${step} step failed (output above)`);
  }
}

/** The runtime Node needs preloaded: the compiler's libasan (which must come first in the process). */
function asanRuntime() {
  const r = spawnSync(process.env.CC ?? 'gcc', ['-print-file-name=libasan.so'], { encoding: 'utf8' });
  const file = r.stdout?.trim();
  if (!file || !existsSync(file)) throw new Error('libasan.so not found (gcc -print-file-name=libasan.so): install the compiler\'s sanitizer runtime');
  return file;
}

function testFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return testFiles(p);
    return e.name.endsWith('.test.js') && !SKIPPED.some((s) => p.endsWith(s)) ? [path.relative(root, p)] : [];
  });
}

const argv = process.argv.slice(2);
try {
  const started = Date.now();
  build();
  process.stderr.write(`[sanitize] built ${path.relative(root, addon)} in ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
  if (argv.includes('--build-only')) process.exit(0);
  const files = argv.filter((a) => !a.startsWith('--'));
  rmSync(reports, { recursive: true, force: true });
  mkdirSync(reports, { recursive: true });
  const env = {
    ...process.env,
    PERSIAN_LORA_ADDON: addon,
    LD_PRELOAD: asanRuntime(),
    // Node itself leaks by design at exit; reports go to files so that a child process's report is not lost
    ASAN_OPTIONS: `detect_leaks=0:abort_on_error=1:log_path=${path.join(reports, 'asan')}`,
    UBSAN_OPTIONS: `print_stacktrace=1:log_path=${path.join(reports, 'ubsan')}`,
  };
  const t0 = Date.now();
  const status = run(process.execPath, [path.join(root, 'node_modules/ava/entrypoints/cli.mjs'), '--timeout', '20m', '--concurrency', '1', ...(files.length ? files : ['native', 'fuzz'].flatMap((d) => testFiles(path.join(root, 'dist/test', d))))], env);
  const found = readdirSync(reports);
  for (const f of found) process.stderr.write(`\n[sanitize] ${f}:\n${readFileSync(path.join(reports, f), 'utf8')}`);
  process.stderr.write(`[sanitize] tests ${status === 0 ? 'passed' : 'FAILED'} in ${((Date.now() - t0) / 1000).toFixed(0)} s; sanitizer reports: ${found.length}\n`);
  process.exit(status !== 0 || found.length > 0 ? 1 : 0);
} catch (error) {
  process.stderr.write(`[sanitize] ${error.message}\n`);
  process.exit(1);
}
