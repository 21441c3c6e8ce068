// Debian packages as a source: `apt-get download` into the cache, Persian .mo catalogs and the licence read from the .deb.
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { PersianLoraError } from '../../errors.js';
import { moPairs, parseMo, type SourcePair } from './mo.js';
import { licenseFromCopyright } from './license.js';
import { readTar } from './tar.js';
import { runTool, streamTool } from './tools.js';

export interface DebSource {
  name: string;
  version: string;
  license: string;
  file: string;
  /** Catalog paths inside the package that held Persian translations. */
  catalogs: string[];
  pairs: SourcePair[];
}

/** Persian catalogs: `.../locale/fa/LC_MESSAGES/x.mo`, `fa_IR` too, and LibreOffice's `resource/fa/LC_MESSAGES`. */
export function isCatalogPath(path: string, locale: string): boolean {
  return new RegExp(`/${locale}(?:_[A-Z]{2})?/LC_MESSAGES/[^/]+\\.mo$`).test(path);
}

/** Path of a cached .deb of `pkg` (the newest by name), or undefined. */
async function cachedDeb(dir: string, pkg: string): Promise<string | undefined> {
  const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => n.startsWith(`${pkg}_`) && n.endsWith('.deb')).sort();
  return names.length > 0 ? join(dir, names[names.length - 1]!) : undefined;
}

async function hasPackageLists(): Promise<boolean> {
  const lists = await readdir('/var/lib/apt/lists').catch(() => [] as string[]);
  return lists.some((n) => n.includes('_Packages'));
}

/** The .deb of `pkg` in `<cache>/deb`, downloaded with `apt-get download` unless it is there already. */
export async function ensureDeb(pkg: string, cacheDir: string, offline: boolean, signal?: AbortSignal): Promise<{ file: string; downloaded: boolean }> {
  const dir = join(cacheDir, 'deb');
  const cached = await cachedDeb(dir, pkg);
  if (cached) return { file: cached, downloaded: false };
  if (offline) throw new PersianLoraError('ERR_NETWORK', `${pkg} is not in the cache ${dir} and --offline forbids downloading it`);
  await mkdir(dir, { recursive: true });
  try {
    await runTool('apt-get', ['download', pkg], { cwd: dir, signal });
  } catch (error) {
    if (error instanceof PersianLoraError && error.code === 'ERR_NETWORK' && !(await hasPackageLists())) {
      throw new PersianLoraError('ERR_NETWORK', `${error.message} (apt has no package lists: run \`apt-get update\` as root first)`, { cause: error });
    }
    throw error;
  }
  const file = await cachedDeb(dir, pkg);
  if (!file) throw new PersianLoraError('ERR_DATA', `apt-get download ${pkg} succeeded but left no ${pkg}_*.deb in ${dir}`);
  return { file, downloaded: true };
}

/** Read the Persian catalogs and the copyright file out of a .deb (through `dpkg-deb --fsys-tarfile`). */
export async function readDeb(file: string, locale: string): Promise<DebSource> {
  const { stdout } = await runTool('dpkg-deb', ['--field', file, 'Package', 'Version']);
  const fields = Object.fromEntries(stdout.split("\n").filter((l) => l.includes(":")).map((l) => [l.slice(0, l.indexOf(":")).trim(), l.slice(l.indexOf(":") + 1).trim()]));
  const name = fields['Package'] ?? '';
  const version = fields['Version'] ?? '';
  if (!name || !version) throw new PersianLoraError('ERR_BAD_FORMAT', `dpkg-deb --field ${file} printed no Package/Version: ${JSON.stringify(stdout.slice(0, 100))}`);
  const copyrightPath = `usr/share/doc/${name}/copyright`;
  const files = await readTar(streamTool('dpkg-deb', ['--fsys-tarfile', file]), (e) => e.type === 'file' && (isCatalogPath(e.path, locale) || e.path === copyrightPath), file);
  const copyright = files.find((f) => f.entry.path === copyrightPath);
  const catalogs = files.filter((f) => f.entry.path !== copyrightPath).sort((a, b) => a.entry.path.localeCompare(b.entry.path));
  const pairs: SourcePair[] = [];
  for (const catalog of catalogs) pairs.push(...moPairs(parseMo(catalog.data, `${file}:${catalog.entry.path}`)));
  return {
    name,
    version,
    license: copyright ? licenseFromCopyright(copyright.data.toString('utf8')) : 'unknown',
    file,
    catalogs: catalogs.map((c) => c.entry.path),
    pairs,
  };
}
