import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import test from 'ava';
import { downloadHubDataset, formatProgress, listHubFiles, type DownloadProgress } from '../../../../lib/data/loaders/hub.js';
import { tempDir } from '../../../helpers/temp-dir.js';

// A local server with the Hub's layout: /api/datasets/{repo}/tree/{rev} (paginated with Link) and /datasets/{repo}/resolve/{rev}/{path} (Range).
const big = Buffer.alloc(300_000);
for (let i = 0; i < big.length; i++) big[i] = (i * 7919) % 251;
const files: Record<string, Buffer> = {
  'README.md': Buffer.from('# داده‌های آزمایشی\n'),
  'data/train-00000.parquet': big,
  'data/test-00000.parquet': Buffer.from('small test split'),
  'data/nested/extra.csv': Buffer.from('en,fa\nbook,کتاب\n'),
};
const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const blobId = (b: Buffer): string => createHash('sha1').update(`blob ${b.length}\0`).update(b).digest('hex');
const entry = (path: string) => (path.endsWith('.md') ? { type: 'file', path, size: files[path]!.length, oid: blobId(files[path]!) } : { type: 'file', path, size: 1234, oid: 'x', lfs: { oid: sha256(files[path]!), size: files[path]!.length } });

interface Fixture { server: Server; baseUrl: string; log: Array<{ url: string; range?: string; auth?: string }>; drop: Set<string>; corrupt: Set<string> }

async function startServer(): Promise<Fixture> {
  const log: Fixture['log'] = [];
  const drop = new Set<string>();
  const corrupt = new Set<string>();
  const server = createServer((req, res) => {
    const url = new URL(req.url!, 'http://x');
    log.push({ url: url.pathname + url.search, range: req.headers.range, auth: req.headers.authorization });
    const tree = url.pathname.match(/^\/api\/datasets\/owner\/corpus\/tree\/(.+)$/);
    if (tree && decodeURIComponent(tree[1]!) === 'v1.0' && url.searchParams.get('recursive') === 'true') {
      const page2 = url.searchParams.get('cursor') === 'p2';
      const entries = page2 ? [entry('data/test-00000.parquet'), entry('data/nested/extra.csv')] : [entry('README.md'), { type: 'directory', path: 'data' }, entry('data/train-00000.parquet')];
      if (!page2) res.setHeader('link', `<${url.pathname}?recursive=true&cursor=p2>; rel="next"`);
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(entries));
      return;
    }
    const resolve = url.pathname.match(/^\/datasets\/owner\/corpus\/resolve\/v1\.0\/(.+)$/);
    const path = resolve ? decodeURIComponent(resolve[1]!) : undefined;
    const body = path === undefined ? undefined : files[path];
    if (body === undefined) {
      res.statusCode = 404;
      res.end('not found');
      return;
    }
    const content = corrupt.has(path!) ? Buffer.from(body).fill(0, 0, 10) : body;
    const range = req.headers.range?.match(/^bytes=(\d+)-$/);
    const start = range ? Number(range[1]) : 0;
    res.statusCode = range ? 206 : 200;
    if (range) res.setHeader('content-range', `bytes ${start}-${content.length - 1}/${content.length}`);
    res.setHeader('content-length', content.length - start);
    if (drop.has(path!) && !range) {
      drop.delete(path!);
      res.write(content.subarray(0, 100_000));
      setTimeout(() => res.destroy(), 50);
      return;
    }
    res.end(content.subarray(start));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, log, drop, corrupt };
}

const base = { repo: 'owner/corpus', revision: 'v1.0', retryDelayMs: 0 };

test('lists files across pages and filters by glob patterns', async (t) => {
  const f = await startServer();
  t.teardown(() => f.server.close());
  const listed = await listHubFiles({ ...base, baseUrl: f.baseUrl, patterns: ['data/**/*.parquet'], token: 'secret' });
  t.deepEqual(listed, [
    { path: 'data/test-00000.parquet', size: 16, sha256: sha256(files['data/test-00000.parquet']!) },
    { path: 'data/train-00000.parquet', size: 300_000, sha256: sha256(big) },
  ]);
  t.is(f.log.length, 2);
  t.is(f.log[1]!.auth, 'Bearer secret');
  const all = await listHubFiles({ ...base, baseUrl: f.baseUrl });
  t.deepEqual(all.map((x) => x.path), ['README.md', 'data/nested/extra.csv', 'data/test-00000.parquet', 'data/train-00000.parquet']);
});

test('a dropped connection leaves a .partial file that the next call resumes with a Range request', async (t) => {
  const f = await startServer();
  t.teardown(() => f.server.close());
  const cacheDir = tempDir('pl-hub-');
  const opts = { ...base, baseUrl: f.baseUrl, cacheDir, patterns: ['data/train-*'] };
  const local = join(cacheDir, 'datasets', 'owner--corpus', 'v1.0', 'data', 'train-00000.parquet');
  f.drop.add('data/train-00000.parquet');
  await t.throwsAsync(downloadHubDataset({ ...opts, retries: 0 }), { code: 'ERR_NETWORK', message: /stopped after 100000 of 300000 bytes/ });
  t.is(statSync(local + '.partial').size, 100_000);
  t.false(existsSync(local));

  const progress: DownloadProgress[] = [];
  const [result] = await downloadHubDataset({ ...opts, onProgress: (p) => progress.push(p) });
  t.is(f.log.at(-1)!.range, 'bytes=100000-');
  t.true(result!.downloaded);
  t.true(readFileSync(local).equals(big));
  t.false(existsSync(local + '.partial'));
  t.true(progress[0]!.bytes > 100_000);
  t.deepEqual({ ...progress.at(-1)!, rate: 0 }, { path: 'data/train-00000.parquet', bytes: 300_000, total: 300_000, rate: 0 });
  t.true(progress.every((p, i) => i === 0 || p.bytes >= progress[i - 1]!.bytes));
  t.regex(formatProgress(progress.at(-1)!), /^data\/train-00000\.parquet \[#{24}\] 100% 0\.3\/0\.3 MB [\d.]+ MB\/s$/);

  const requests = f.log.length;
  const [again] = await downloadHubDataset(opts);
  t.false(again!.downloaded);
  t.is(f.log.length, requests + 2, 'only the two listing pages are fetched again');
});

test('retries inside one call resume after the drop', async (t) => {
  const f = await startServer();
  t.teardown(() => f.server.close());
  const cacheDir = tempDir('pl-hub-');
  f.drop.add('data/train-00000.parquet');
  const out = await downloadHubDataset({ ...base, baseUrl: f.baseUrl, cacheDir, retries: 2 });
  t.is(out.length, 4);
  for (const file of out) t.true(readFileSync(file.localPath).equals(files[file.path]!), file.path);
  t.deepEqual(f.log.filter((r) => r.url.includes('train-')).map((r) => r.range), [undefined, 'bytes=100000-']);
});

test('a checksum mismatch fails and removes the partial file', async (t) => {
  const f = await startServer();
  t.teardown(() => f.server.close());
  const cacheDir = tempDir('pl-hub-');
  f.corrupt.add('README.md');
  await t.throwsAsync(downloadHubDataset({ ...base, baseUrl: f.baseUrl, cacheDir, patterns: ['*.md'] }), { code: 'ERR_DATA', message: /git blob id [0-9a-f]{40} does not match the listed [0-9a-f]{40}; the partial file was removed$/ });
  t.false(existsSync(join(cacheDir, 'datasets', 'owner--corpus', 'v1.0', 'README.md.partial')));
});

test('unknown repository: 404 is not retried and names the URL', async (t) => {
  const f = await startServer();
  t.teardown(() => f.server.close());
  await t.throwsAsync(listHubFiles({ repo: 'owner/missing', baseUrl: f.baseUrl }), {
    code: 'ERR_NETWORK',
    message: `GET ${f.baseUrl}/api/datasets/owner/missing/tree/main?recursive=true answered 404 Not Found (check the repository id, revision and path)`,
  });
  t.is(f.log.length, 1);
});

test.serial('HF_ENDPOINT sets the base URL; bad options are named', async (t) => {
  const f = await startServer();
  t.teardown(() => f.server.close());
  const saved = process.env.HF_ENDPOINT;
  process.env.HF_ENDPOINT = f.baseUrl;
  t.teardown(() => (saved === undefined ? delete process.env.HF_ENDPOINT : (process.env.HF_ENDPOINT = saved)));
  t.is((await listHubFiles({ ...base })).length, 4);
  await t.throwsAsync(listHubFiles({ repo: 'no-slash' }), { message: 'Expected owner/name for listHubFiles options.repo but received "no-slash"' });
});
