// vocab stats: byte-fallback and unknown ids from the GGUF, llama.cpp's counts against the TypeScript port, the CLI (stats and extend).
import test from 'ava';
import { writeFileSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { main } from '../../../lib/cli/main.js';
import { vocabStats, vocabularyClasses } from '../../../lib/vocab/stats.js';
import { SpmTokenizer } from '../../../lib/vocab/spm-tokenizer.js';
import { readVocab } from '../../../lib/vocab/vocab.js';
import { scratchPath, tinyModel } from '../helpers.js';
import { vocabFile } from '../../helpers/llama-vocab.js';
import { ENGLISH, HELD_OUT_FA, TRAIN_FA } from './fixtures.js';

async function cli(...argv: string[]) {
  const stdout = new PassThrough(), stderr = new PassThrough();
  let out = '', err = '';
  stdout.on('data', (d) => (out += d));
  stderr.on('data', (d) => (err += d));
  const code = await main(argv, { stdout, stderr, signal: new AbortController().signal });
  return { code, out, err };
}

/** Persian with letters Llama 2's vocabulary lacks (they fall back to bytes). */
const RARE = ['پژوهشگران گچ‌کاری را در گیلان آموختند', 'ژاله چای پخت'];

test('byte-fallback ids and the unknown id come from the vocabulary', (t) => {
  const spm = vocabFile('ggml-vocab-llama-spm.gguf'), bpe = vocabFile('ggml-vocab-llama-bpe.gguf');
  if (!spm || !bpe) return t.pass('no vendored vocabularies');
  const s = vocabularyClasses(spm);
  t.is(s.byteIds.size, 256);
  t.true(s.byteIds.has(3) && s.byteIds.has(258));
  t.is(s.unknownId, 0);
  const b = vocabularyClasses(bpe);
  t.is(b.byteIds.size, 0);
  t.is(b.unknownId, null);
});

test('llama-spm: per-language counts equal the TypeScript SentencePiece port; Persian falls back to bytes, English does not', async (t) => {
  const files = vocabFile('ggml-vocab-llama-spm.gguf');
  if (!files) return t.pass('no vendored vocabulary');
  const texts = [...ENGLISH, ...RARE, ...HELD_OUT_FA];
  const stats = await vocabStats(files, texts);
  const vocab = readVocab(files), port = new SpmTokenizer(vocab);
  const isByte = (id: number): boolean => /^<0x[0-9A-F]{2}>$/.test(vocab.tokens[id]!);
  for (const [lang, group] of [['en', ENGLISH], ['fa', [...RARE, ...HELD_OUT_FA]]] as const) {
    const ids = group.flatMap((x) => port.tokenize(x));
    t.is(stats[lang]!.tokens, ids.length, lang);
    t.is(stats[lang]!.byteTokens, ids.filter(isByte).length, lang);
    t.is(stats[lang]!.words, group.join(' ').split(/\s+/).length, lang);
    t.is(stats[lang]!.fertility, stats[lang]!.tokens / stats[lang]!.words);
  }
  t.is(stats['en']!.byteTokens, 0);
  t.true(stats['fa']!.byteFallbackRate > 0, `Persian byte fallback ${stats['fa']!.byteFallbackRate}`);
  t.is(stats['fa']!.unknownTokens, 0);
  const forced = await vocabStats(files, ENGLISH, { language: 'fa' });
  t.deepEqual(Object.keys(forced), ['fa']);
});

test('vocab stats CLI: table and JSON; usage errors exit 2', async (t) => {
  const files = vocabFile('ggml-vocab-llama-spm.gguf');
  if (!files) return t.pass('no vendored vocabulary');
  const text = scratchPath('stats.txt');
  writeFileSync(text, [...ENGLISH, '', ...HELD_OUT_FA].join('\n') + '\n');
  const json = await cli('vocab', 'stats', '-m', files, '--text', text, '--json');
  t.is(json.code, 0, json.err);
  const parsed = JSON.parse(json.out);
  t.deepEqual(Object.keys(parsed).sort(), ['en', 'fa']);
  t.is(parsed.fa.texts, HELD_OUT_FA.length);
  const table = await cli('vocab', 'stats', '-m', files, '--text', text, '--lang', 'fa');
  t.is(table.code, 0, table.err);
  t.regex(table.out, /^language\s+texts\s+words\s+tokens\s+tokens\/word\s+chars\/token\s+byte fallback\s+unknown\nfa\s+6\s/);
  const bad = await cli('vocab', 'stats', '-m', files, '--text', text, '--lang', 'de');
  t.is(bad.code, 2);
  t.regex(bad.err, /Expected one of fa, en, auto for --lang but received "de"/);
  t.is((await cli('vocab', 'stats', '--text', text)).code, 2);
});

test('vocab extend CLI on a tiny q8_0 model, then vocab stats on the result', async (t) => {
  if (!vocabFile('ggml-vocab-llama-spm.gguf')) return t.pass('no vendored vocabulary');
  const base = await tinyModel({ vocab: 'llama-spm', quant: 'q8_0' });
  const corpus = scratchPath('corpus.txt'), held = scratchPath('held.txt'), out = scratchPath('cli-ext.gguf');
  writeFileSync(corpus, TRAIN_FA.join('\n'));
  writeFileSync(held, HELD_OUT_FA.join('\n'));
  const r = await cli('vocab', 'extend', '--base', base, '--corpus', corpus, '--new-pieces', '100', '--min-count', '1', '--normalize', '--held-out', held, '--out', out);
  t.is(r.code, 0, r.err);
  t.regex(r.out, /wrote .*cli-ext\.gguf: 100 new tokens, ids 32000\.\.32099\ngrown: (token_embd\.weight \(q8_0\), output\.weight \(q8_0\)|output\.weight \(q8_0\), token_embd\.weight \(q8_0\)); \d+ tensors copied unchanged\nheld-out tokens\/word: [\d.]+ -> [\d.]+\n/);
  const stats = await cli('vocab', 'stats', '-m', out, '--text', held, '--json');
  t.is(stats.code, 0, stats.err);
  const [before, after] = /held-out tokens\/word: ([\d.]+) -> ([\d.]+)/.exec(r.out)!.slice(1).map(Number);
  t.true(after! < before!);
  t.is(Number(JSON.parse(stats.out).fa.fertility.toFixed(3)), after);
  const same = await cli('vocab', 'extend', '--base', base, '--corpus', corpus, '--new-pieces', '10', '--out', base);
  t.is(same.code, 2);
  t.regex(same.err, /Expected an output path other than the base model/);
  const missing = await cli('vocab', 'extend', '--base', base, '--corpus', corpus, '--out', out);
  t.is(missing.code, 2);
  t.regex(missing.err, /Expected an integer for --new-pieces but received nothing/);
});
