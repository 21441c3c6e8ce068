import test from 'ava';
import { extendedVocab, fertility, planExtension } from '../../../lib/vocab/extend-plan.js';
import { SpmTokenizer, SPACE_MARK } from '../../../lib/vocab/spm-tokenizer.js';
import { readVocab } from '../../../lib/vocab/vocab.js';
import { missingMessage, vocabFile } from './fixtures.js';
import { PERSIAN_CORPUS } from './train-spm.test.js';

test('fertility counts whitespace words, tokens and characters', (t) => {
  const f = fertility((s) => [...s].map((_, i) => i), ['ab  c', 'د']);
  t.deepEqual(f, { words: 3, tokens: 6, characters: 6, tokensPerWord: 2, charactersPerToken: 1 });
});

const spm = vocabFile('ggml-vocab-llama-spm.gguf');
const bpe = vocabFile('ggml-vocab-llama-bpe.gguf');
const train = PERSIAN_CORPUS.slice(0, 5), held = PERSIAN_CORPUS.slice(5);

test('SPM plan: base ids of each new piece, reachability, fertility before/after', async (t) => {
  if (!spm) { t.log(missingMessage('ggml-vocab-llama-spm.gguf')); t.pass(); return; }
  const base = readVocab(spm);
  const plan = await planExtension(base, train, { newPieces: 80, minCount: 1 }, held);
  const baseTok = new SpmTokenizer(base);
  t.is(plan.baseTokenCount, 32000);
  t.is(plan.tokens.length, 80);
  t.deepEqual(plan.unreachable, []);
  for (const tk of plan.tokens) t.deepEqual(tk.baseIds, baseTok.tokenizeEscaped(tk.text));
  // the base pieces of a new piece spell its text (a byte token stands for its byte)
  const decode = (ids: number[]): string => Buffer.from(ids.flatMap((id) => {
    const p = base.tokens[id]!;
    return /^<0x[0-9A-F]{2}>$/.test(p) ? [parseInt(p.slice(3, 5), 16)] : [...Buffer.from(p)];
  })).toString('utf8');
  for (const tk of plan.tokens) t.is(decode(tk.baseIds), tk.text);
  t.true(plan.tokens.some((tk) => tk.text.startsWith(SPACE_MARK) && tk.baseIds.length >= 3));
  t.true(plan.fertility!.after.tokensPerWord < plan.fertility!.before.tokensPerWord);
  t.is(extendedVocab(base, plan).tokens.length, 32080);
});

test('BPE plan: merges and base ids; plan checked against its vocabulary', async (t) => {
  if (!bpe || !spm) { t.log(missingMessage('ggml-vocab-llama-{bpe,spm}.gguf')); t.pass(); return; }
  const base = readVocab(bpe);
  const plan = await planExtension(base, train, { newPieces: 20, minCount: 1 }, held);
  t.is(plan.merges.length, 20);
  t.deepEqual(plan.unreachable, []);
  t.true(plan.tokens.every((tk) => tk.baseIds.length >= 2));
  t.throws(() => extendedVocab(readVocab(spm), plan), { message: /Expected a plan made for a "llama" vocabulary of 32000 tokens but received one for "gpt2" with 128256/ });
});
