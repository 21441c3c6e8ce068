// `npm install` step: vendor the pinned llama.cpp, build the addon with cmake-js, compile the TypeScript.
// PERSIAN_LORA_SKIP_BUILD=1 skips the native build (e.g. to install for unit tests only).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { vendorLlama } from './vendor-llama.mjs';
import { buildNative } from './build-native.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function compileTypeScript() {
  const tsc = path.join(root, 'node_modules/typescript/bin/tsc');
  if (!existsSync(path.join(root, 'tsconfig.json')) || !existsSync(tsc)) return;  // published packages ship dist/
  const r = spawnSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.json')], { stdio: 'inherit' });
  if (r.status !== 0) throw Object.assign(new Error('TypeScript compilation failed (see the errors above).'), { userFacing: true });
}

try {
  vendorLlama();
  if (process.env.PERSIAN_LORA_SKIP_BUILD === '1') process.stderr.write('[build] PERSIAN_LORA_SKIP_BUILD=1: native build skipped\n');
  else buildNative();
  compileTypeScript();
} catch (error) {
  process.stderr.write('\n' + (error.userFacing ? error.message : error.stack) + '\n');
  process.exit(1);
}
