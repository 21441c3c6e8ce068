// The other install path: the packed tarball installed into a fresh app with PERSIAN_LORA_BUILD_FROM_SOURCE=1 compiles
// llama.cpp and the addon there (cmake-js hoisted next to the package), from the verified llama.cpp tree (LLAMA_CPP_DIR,
// so no network), and the CLI then runs from the app. A full compile takes minutes, so this file runs only with
// PERSIAN_LORA_TEST_SOURCE_INSTALL=1 (`npm run test:source-install`, which .ci/run calls); package.test.ts covers the
// prebuilt path in `npm test`.
import test from 'ava';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { packageRoot } from '../../lib/version.js';
import { cleanEnv, makeApp, npm, packInto, run, show } from '../helpers/package-app.js';

const enabled = process.env.PERSIAN_LORA_TEST_SOURCE_INSTALL === '1';
const repoLlama = path.join(packageRoot, 'third_party', 'llama.cpp');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'pl-source-install-'));
test.after.always(() => rmSync(tmp, { recursive: true, force: true }));

(enabled ? test : test.skip)('the tarball installs from source into a fresh app (hoisted build tools), and its CLI runs', async (t) => {
  t.true(existsSync(path.join(repoLlama, '.persian-lora-tree')), 'the verified llama.cpp tree (node scripts/vendor-llama.mjs)');
  const tarball = await packInto(path.join(tmp, 'pack'));
  const app = path.join(tmp, 'app');
  makeApp(app);
  const install = await npm(['install', tarball, '--prefer-offline', '--no-audit', '--no-fund', '--foreground-scripts'], app,
    cleanEnv({ PERSIAN_LORA_BUILD_FROM_SOURCE: '1', LLAMA_CPP_DIR: repoLlama }));
  t.is(install.code, 0, show(install));
  t.log(`npm install <tarball> with PERSIAN_LORA_BUILD_FROM_SOURCE=1: ${install.seconds.toFixed(0)} s`);
  const out = install.stdout + install.stderr;
  t.regex(out, /PERSIAN_LORA_BUILD_FROM_SOURCE=1: the prebuild .* is not used|\[build\] building/, out.slice(-3000));
  t.regex(out, /\[build\] building/, out.slice(-3000));
  t.false(existsSync(path.join(app, 'node_modules', 'persian-lora', 'node_modules', 'cmake-js')), 'cmake-js hoisted, found there');
  const made = await run('npx', ['--no', '--', 'persian-lora', 'tiny-model', '--out', 'x.gguf', '--layers', '1', '--dim', '32'], app);
  t.is(made.code, 0, show(made));
  const gen = await run('npx', ['--no', '--', 'persian-lora', 'generate', '-m', 'x.gguf', '-p', 'سلام', '-n', '4', '-t', '2'], app);
  t.is(gen.code, 0, show(gen));
});
