// Tests for the Debian source on a .deb built here with dpkg-deb (skipped with a message where dpkg-deb is missing).
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { isCatalogPath, readDeb } from '../../../../lib/data/parallel/debian.js';
import { fetchParallel } from '../../../../lib/data/parallel/index.js';
import { buildMo } from './fixtures.js';

const hasDpkgDeb = (() => {
  try {
    execFileSync('dpkg-deb', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

const HEADER = 'Content-Type: text/plain; charset=UTF-8\nPlural-Forms: nplurals=2; plural=(n > 1);\n';

async function buildDeb(cacheDir: string, name: string, files: Record<string, Buffer | string>): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'pl-deb-root-'));
  try {
    await mkdir(join(root, 'DEBIAN'));
    await writeFile(join(root, 'DEBIAN', 'control'), `Package: ${name}\nVersion: 1:2.0-1\nArchitecture: all\nMaintainer: Test <test@example.org>\nDescription: test package\n`);
    for (const [path, data] of Object.entries(files)) {
      await mkdir(dirname(join(root, path)), { recursive: true });
      await writeFile(join(root, path), data);
    }
    await mkdir(join(cacheDir, 'deb'), { recursive: true });
    const file = join(cacheDir, 'deb', `${name}_1%3a2.0-1_all.deb`);
    execFileSync('dpkg-deb', ['--root-owner-group', '-Zgzip', '--build', root, file], { stdio: 'ignore' });
    return file;
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

test('isCatalogPath finds fa and fa_IR catalogs, LibreOffice resources included', (t) => {
  t.true(isCatalogPath('usr/share/locale/fa/LC_MESSAGES/gimp20.mo', 'fa'));
  t.true(isCatalogPath('usr/share/locale/fa_IR/LC_MESSAGES/thunar.mo', 'fa'));
  t.true(isCatalogPath('usr/lib/libreoffice/program/resource/fa/LC_MESSAGES/sw.mo', 'fa'));
  t.false(isCatalogPath('usr/share/locale/ff/LC_MESSAGES/gimp20.mo', 'fa'));
  t.false(isCatalogPath('usr/share/locale/fa/LC_MESSAGES/gimp20.po', 'fa'));
  t.false(isCatalogPath('usr/share/locale/fur/LC_MESSAGES/x.mo', 'fa'));
});

test('reads catalogs, version and licence from a .deb and fetches it offline from the cache', async (t) => {
  if (!hasDpkgDeb) {
    t.log('skipped: dpkg-deb is not installed on this machine');
    t.pass();
    return;
  }
  const cache = await mkdtemp(join(tmpdir(), 'pl-deb-cache-'));
  t.teardown(() => rm(cache, { recursive: true, force: true }));
  const file = await buildDeb(cache, 'demo-l10n', {
    'usr/share/locale/fa/LC_MESSAGES/demo.mo': buildMo([
      { original: '', translation: HEADER },
      { original: '%d item\u0000%d items', translation: '%d مورد\u0000%d مورد' },
      { original: '_Quit', translation: '_خروج' },
    ], true),
    'usr/share/locale/fa_IR/LC_MESSAGES/extra.mo': buildMo([{ original: 'Open', translation: 'باز کردن' }], false),
    'usr/share/locale/de/LC_MESSAGES/demo.mo': buildMo([{ original: 'Open', translation: 'Öffnen' }], true),
    'usr/share/doc/demo-l10n/copyright': 'Format: copyright-format/1.0 (DEP-5)\n\nFiles: *\nCopyright: 2024 Test\nLicense: GPL-3+\n',
  });
  const deb = await readDeb(file, 'fa');
  t.is(deb.name, 'demo-l10n');
  t.is(deb.version, '1:2.0-1');
  t.is(deb.license, 'GPL-3+');
  t.deepEqual(deb.catalogs, ['usr/share/locale/fa_IR/LC_MESSAGES/extra.mo', 'usr/share/locale/fa/LC_MESSAGES/demo.mo']);
  t.deepEqual(deb.pairs, [
    { en: 'Open', fa: 'باز کردن' },
    { en: '%d item', fa: '%d مورد' },
    { en: '%d items', fa: '%d مورد' },
    { en: '_Quit', fa: '_خروج' },
  ]);

  await buildDeb(cache, 'no-persian', { 'usr/share/locale/de/LC_MESSAGES/x.mo': buildMo([{ original: 'a', translation: 'b' }], true) });
  const out = join(cache, 'out');
  const { manifest } = await fetchParallel({ out, cache, offline: true, sources: ['debian'], debPackages: ['demo-l10n', 'no-persian', 'not-cached'] });
  const lines = (await readFile(join(out, 'parallel.jsonl'), 'utf8')).trimEnd().split('\n').map((l) => JSON.parse(l));
  const source = { source: 'deb:demo-l10n@1:2.0-1', license: 'GPL-3+' };
  t.deepEqual(lines, [{ en: 'Open', fa: 'باز کردن', ...source }, { en: 'item', fa: 'مورد', ...source }, { en: 'items', fa: 'مورد', ...source }, { en: 'Quit', fa: 'خروج', ...source }]);
  t.deepEqual(manifest.sources.map((s) => [s.id, s.status]), [['deb:demo-l10n', 'ok'], ['deb:no-persian', 'failed'], ['deb:not-cached', 'failed']]);
  t.is(manifest.sources[1]!.error, 'no-persian_1%3a2.0-1_all.deb ships no fa gettext catalog (no */fa/LC_MESSAGES/*.mo)');
});
