// Tests for the streaming tar reader on archives written byte by byte, fed whole and in tiny chunks.
import test from 'ava';
import { readTar, type TarEntry } from '../../../../lib/data/parallel/tar.js';
import { PersianLoraError } from '../../../../lib/errors.js';
import { buildTar, paxRecords } from './fixtures.js';

const longPath = `./usr/share/${'deep/'.repeat(30)}fa/LC_MESSAGES/long.mo`;
const archive = buildTar([
  { path: './usr/', type: '5' },
  { path: './usr/share/locale/fa/LC_MESSAGES/gimp20.mo', data: 'catalog bytes' },
  { path: './usr/share/doc/gimp-data/copyright', data: 'x'.repeat(1300) },
  { path: './usr/share/locale/fa/LC_MESSAGES/alias.mo', type: '2', linkName: 'gimp20.mo' },
  { path: '././@LongLink', type: 'L', data: `${longPath}\0` },
  { path: 'truncated-name', data: 'from a GNU long name' },
  { path: 'PaxHeaders/x', type: 'x', data: paxRecords({ path: 'package/ünïcode/pax.json', mtime: '1' }) },
  { path: 'package/short', data: '{"pax":true}' },
  { path: 'package/after-pax', data: 'plain' },
]);

function chunks(buf: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < buf.length; i += size) out.push(buf.subarray(i, i + size));
  return out;
}

for (const size of [archive.length, 1, 7, 512, 1000]) {
  test(`reads every kind of entry in chunks of ${size} bytes`, async (t) => {
    const seen: TarEntry[] = [];
    const files = await readTar(chunks(archive, size), (e) => (seen.push(e), true), 'demo.tar');
    t.deepEqual(files.map((f) => [f.entry.path, f.entry.type, f.data.toString('utf8')]), [
      ['usr/share/locale/fa/LC_MESSAGES/gimp20.mo', 'file', 'catalog bytes'],
      ['usr/share/doc/gimp-data/copyright', 'file', 'x'.repeat(1300)],
      ['usr/share/locale/fa/LC_MESSAGES/alias.mo', 'symlink', ''],
      [longPath.slice(2), 'file', 'from a GNU long name'],
      ['package/ünïcode/pax.json', 'file', '{"pax":true}'],
      ['package/after-pax', 'file', 'plain'],
    ]);
    t.is(seen.find((e) => e.type === 'symlink')?.linkName, 'gimp20.mo');
  });
}

test('keeps only the wanted entries', async (t) => {
  const files = await readTar([archive], (e) => e.path.endsWith('.mo') && e.type === 'file', 'demo.tar');
  t.deepEqual(files.map((f) => f.entry.path), ['usr/share/locale/fa/LC_MESSAGES/gimp20.mo', longPath.slice(2)]);
});

test('reads from an async iterable', async (t) => {
  async function* gen(): AsyncGenerator<Buffer> {
    for (const c of chunks(archive, 300)) yield c;
  }
  const files = await readTar(gen(), (e) => e.path === 'package/after-pax', 'demo.tar');
  t.is(files[0]?.data.toString(), 'plain');
});

test('ignores bytes after the end-of-archive blocks', async (t) => {
  const files = await readTar([archive, Buffer.from('trailing garbage')], () => true, 'demo.tar');
  t.is(files.length, 6);
});

test('rejects a truncated archive, naming the entry', async (t) => {
  const cut = buildTar([{ path: 'a.txt', data: 'y'.repeat(2000) }]).subarray(0, 1024);
  const error = await t.throwsAsync(readTar([cut], () => true, 'cut.tar'), { instanceOf: PersianLoraError });
  t.is(error?.message, 'Truncated tar archive cut.tar: entry "a.txt" is incomplete');
});

test('rejects a header with a bad checksum', async (t) => {
  const broken = Buffer.from(buildTar([{ path: 'a.txt', data: 'y' }]));
  broken[0] = 'b'.charCodeAt(0);
  const error = await t.throwsAsync(readTar([broken], () => true, 'broken.tar'), { instanceOf: PersianLoraError });
  t.is(error?.message, 'Bad tar header checksum in broken.tar after 0 kept entries');
});
