// The vendoring step: the LLAMA_CPP_DIR route lands on the pinned tree hash; with no route it fails with advice, not a stack.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { packageRoot } from '../../lib/version.js';

const script = path.join(packageRoot, 'scripts', 'vendor-llama.mjs');
const vendored = path.join(packageRoot, 'third_party', 'llama.cpp');
const pin = JSON.parse(readFileSync(path.join(packageRoot, 'third_party', 'llama.cpp.lock'), 'utf8')).tree as string;

function vendor(env: Record<string, string>) {
  return spawnSync(process.execPath, [script], { env: { ...process.env, ...env }, encoding: 'utf8' });
}

test('LLAMA_CPP_DIR: a checkout is copied, verified against the pin and then reused', (t) => {
  if (!existsSync(path.join(vendored, 'include', 'llama.h'))) return t.pass('no vendored tree to copy');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pl-vendor-'));
  try {
    const target = path.join(dir, 'llama.cpp');
    const first = vendor({ PERSIAN_LORA_VENDOR_DIR: target, LLAMA_CPP_DIR: vendored });
    t.is(first.status, 0, first.stderr);
    t.regex(first.stderr, /placed in .* via LLAMA_CPP_DIR/);
    t.is(readFileSync(path.join(target, '.persian-lora-tree'), 'utf8').trim(), pin);
    const again = vendor({ PERSIAN_LORA_VENDOR_DIR: target });
    t.regex(again.stderr, /reusing/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('no reachable route: one paragraph of advice, exit 1, no stack trace', (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pl-vendor-'));
  try {
    const r = vendor({
      PERSIAN_LORA_VENDOR_DIR: path.join(dir, 'llama.cpp'), PERSIAN_LORA_CACHE: path.join(dir, 'cache'),
      // offline: npm may only use an empty cache; no git or archive source named
      npm_config_offline: 'true', npm_config_cache: path.join(dir, 'npm-cache'),
      LLAMA_CPP_GIT_URL: '', LLAMA_CPP_ARCHIVE_URL: '',
    });
    t.is(r.status, 1);
    t.regex(r.stderr, /Could not obtain llama\.cpp v0\.5\.0/);
    t.regex(r.stderr, /point LLAMA_CPP_DIR at a checkout/);
    t.notRegex(r.stderr, /\n\s+at /, 'no stack trace');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
