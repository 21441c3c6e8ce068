// Benchmark dispatcher: `node dist/bench/run.js [name ...] [-- args]` runs each benchmark module in a fresh process.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
/** The benchmarks, each a module of this folder that writes its own section of RESULTS.md. */
const BENCHMARKS = ['inference', 'eval-mc', 'eval-gen', 'train', 'train-arch', 'pipeline-demo'];
const available = BENCHMARKS.filter((name) => existsSync(path.join(here, `${name}.js`)));

const argv = process.argv.slice(2);
const dash = argv.indexOf('--');
const names = dash < 0 ? argv : argv.slice(0, dash);
const rest = dash < 0 ? [] : argv.slice(dash + 1);
if (names.includes('--help') || names.includes('-h')) {
  process.stdout.write(`Usage: node dist/bench/run.js [name ...] [-- benchmark options]\nBenchmarks: ${available.join(', ')}\n`);
  process.exit(0);
}
const unknown = names.filter((n) => !available.includes(n));
if (unknown.length > 0) {
  process.stderr.write(`Unknown benchmark ${unknown.join(', ')} (available: ${available.join(', ')})\n`);
  process.exit(2);
}
let failed = 0;
for (const name of names.length > 0 ? names : available) {
  process.stdout.write(`\n# ${name}\n`);
  // A fresh process per benchmark: no JIT, allocator or native state carried over from another one.
  const r = spawnSync(process.execPath, [path.join(here, `${name}.js`), ...rest], { stdio: 'inherit' });
  if (r.status !== 0) failed += 1;
}
process.exit(failed > 0 ? 1 : 0);
