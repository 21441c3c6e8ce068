// vocab extend end to end on tiny models with real vocabularies: llama.cpp loads the result, tokenization, logits and new rows.
import test from 'ava';
import { openSync, readSync, closeSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { writeExtendedGguf, FIRST_NEW_ID_KEY, VOCAB_TENSORS, type ExtendedGguf } from '../../../lib/vocab/extend-gguf.js';
import { planExtension, type ExtensionPlan } from '../../../lib/vocab/extend-plan.js';
import { readGgufMetadata, type GgufMetadata, type GgufTensorInfo } from '../../../lib/vocab/gguf-read.js';
import { readVocab } from '../../../lib/vocab/vocab.js';
import { SPACE_MARK } from '../../../lib/vocab/spm-tokenizer.js';
import { vocabStats } from '../../../lib/vocab/stats.js';
import { writeGgufStream, fileRange } from '../../../lib/gguf/stream-writer.js';
import { loadModel } from '../../../lib/model.js';
import { scratchPath, tinyModel } from '../helpers.js';
import { vocabFile } from '../../helpers/llama-vocab.js';
import { ENGLISH, HELD_OUT_FA, TRAIN_FA, decodeRows, rowBytes, storageTolerance } from './fixtures.js';

interface Setup { base: string; out: string; plan: ExtensionPlan; written: ExtendedGguf; n: number }

/** Same kernels over the same rows: logits of old tokens are expected bit-identical; 1e-6 absolute leaves room for summation order. */
const LOGIT_TOLERANCE = 1e-6;

const setups = new Map<string, Promise<Setup>>();
function extended(name: string, makeBase: () => Promise<string>, newPieces: number): Promise<Setup> {
  let p = setups.get(name);
  if (!p) {
    p = (async () => {
      const base = await makeBase();
      const plan = await planExtension(readVocab(base), TRAIN_FA, { newPieces, minCount: 1 }, HELD_OUT_FA);
      const out = scratchPath(`ext-${name.replace(/\W+/g, '-')}.gguf`);
      const written = await writeExtendedGguf(base, plan, out);
      return { base, out, plan, written, n: plan.baseTokenCount };
    })();
    setups.set(name, p);
  }
  return p;
}

function readBytes(file: string, offset: number, length: number): Buffer {
  const fd = openSync(file, 'r');
  try {
    const b = Buffer.alloc(length);
    readSync(fd, b, 0, length, offset);
    return b;
  } finally {
    closeSync(fd);
  }
}
const tensorOf = (m: GgufMetadata, name: string): GgufTensorInfo | undefined => m.tensors.find((t) => t.name === name);
function row(file: string, m: GgufMetadata, t: GgufTensorInfo, id: number): Float64Array {
  const rb = rowBytes(t.ggmlType, t.ne[0]!);
  return decodeRows(t.ggmlType, readBytes(file, Number(m.dataOffset) + Number(t.offset) + id * rb, rb));
}

/** Tied-embedding copy of a model: the same file without output.weight (llama.cpp then uses token_embd as the output). */
async function tiedCopy(src: string): Promise<string> {
  const m = readGgufMetadata(src);
  const out = scratchPath('tied-base.gguf');
  const fh = await open(src, 'r');
  try {
    const kvs = [...m.kv.values()].map((kv) => readBytes(src, kv.start, kv.end - kv.start));
    const tensors = m.tensors.filter((t) => t.name !== 'output.weight').map((t) => {
      const bytes = (t.ne[0]! * 4) * t.ne.slice(1).reduce((a, b) => a * b, 1);
      return { name: t.name, ne: t.ne, ggmlType: t.ggmlType, bytes, data: () => fileRange(fh, Number(m.dataOffset) + Number(t.offset), bytes) };
    });
    await writeGgufStream(out, kvs, tensors, m.alignment);
  } finally {
    await fh.close();
  }
  return out;
}

const haveVocab = (name: string): boolean => vocabFile(`ggml-vocab-${name}.gguf`) !== undefined;
const cases = [
  { name: 'llama-spm f32', vocab: 'llama-spm', make: () => tinyModel({ vocab: 'llama-spm', quant: 'f32' }), pieces: 150 },
  { name: 'llama-spm q8_0', vocab: 'llama-spm', make: () => tinyModel({ vocab: 'llama-spm', quant: 'q8_0' }), pieces: 150 },
  { name: 'llama-bpe q8_0', vocab: 'llama-bpe', make: () => tinyModel({ vocab: 'llama-bpe', quant: 'q8_0' }), pieces: 60 },
  { name: 'qwen2 (arch qwen2) q8_0', vocab: 'qwen2', make: () => tinyModel({ arch: 'qwen2', vocab: 'qwen2', quant: 'q8_0' }), pieces: 60 },
  { name: 'llama-spm f32 tied', vocab: 'llama-spm', make: async () => tiedCopy(await tinyModel({ vocab: 'llama-spm', quant: 'f32' })), pieces: 150 },
];

for (const c of cases) {
  test.serial(`${c.name}: llama.cpp loads the result; new rows start at the old vocabulary size; everything else is byte-identical`, async (t) => {
    if (!haveVocab(c.vocab)) return t.pass(`no ${c.vocab} vocabulary in the vendored tree`);
    const s = await extended(c.name, c.make, c.pieces);
    const k = s.plan.tokens.length;
    t.true(k > 0);
    t.deepEqual(s.plan.unreachable, []);
    t.is(s.written.firstNewId, s.n);
    const model = await loadModel(s.out);
    t.is(model.info.vocabularySize, s.n + k);
    model.dispose();
    const mb = readGgufMetadata(s.base), mo = readGgufMetadata(s.out);
    t.deepEqual(mo.tensors.map((x) => x.name), mb.tensors.map((x) => x.name));
    const sizeKey = `${String(mb.kv.get('general.architecture')!.value)}.vocab_size`;
    if (mb.kv.has(sizeKey)) t.is(mo.kv.get(sizeKey)?.value, s.n + k);
    t.is(mo.kv.get(FIRST_NEW_ID_KEY)?.value, s.n);
    t.deepEqual(mo.kv.get('tokenizer.ggml.tokens')!.value, [...(mb.kv.get('tokenizer.ggml.tokens')!.value as string[]), ...s.plan.tokens.map((x) => x.text)]);
    for (const kv of mb.kv.values()) {
      if (kv.key.startsWith('tokenizer.ggml.') && ['tokens', 'scores', 'token_type', 'merges'].includes(kv.key.slice(15)) || kv.key === sizeKey || kv.key === FIRST_NEW_ID_KEY) continue;
      const o = mo.kv.get(kv.key)!;
      t.deepEqual(readBytes(s.out, o.start, o.end - o.start), readBytes(s.base, kv.start, kv.end - kv.start), kv.key);
    }
    t.is(Number(mo.dataOffset) % mo.alignment, 0);
    for (const tb of mb.tensors) {
      const to = tensorOf(mo, tb.name)!;
      t.is(to.ggmlType, tb.ggmlType, tb.name);
      t.is(Number(to.offset) % mo.alignment, 0);
      const bytes = rowBytesOf(tb) * tb.ne.slice(1).reduce((a, b) => a * b, 1);
      const same = readBytes(s.out, Number(mo.dataOffset) + Number(to.offset), bytes).equals(readBytes(s.base, Number(mb.dataOffset) + Number(tb.offset), bytes));
      t.true(same, `${tb.name}: ${(VOCAB_TENSORS as readonly string[]).includes(tb.name) ? 'old rows' : 'tensor'} byte-identical`);
      if ((VOCAB_TENSORS as readonly string[]).includes(tb.name)) t.deepEqual(to.ne, [tb.ne[0], s.n + k]);
      else t.deepEqual(to.ne, tb.ne);
    }
    t.deepEqual(s.written.grownTensors.map((g) => g.name), mb.tensors.filter((x) => (VOCAB_TENSORS as readonly string[]).includes(x.name)).map((x) => x.name));
  });

  test.serial(`${c.name}: each new row is the mean of its base tokens' rows (within the storage type's rounding)`, async (t) => {
    if (!haveVocab(c.vocab)) return t.pass(`no ${c.vocab} vocabulary in the vendored tree`);
    const s = await extended(c.name, c.make, c.pieces);
    const mb = readGgufMetadata(s.base), mo = readGgufMetadata(s.out);
    for (const name of VOCAB_TENSORS) {
      const tb = tensorOf(mb, name), to = tensorOf(mo, name);
      if (!tb) { t.is(to, undefined); continue; }
      let worst = 0;
      for (const [i, tok] of s.plan.tokens.entries()) {
        const mean = new Float64Array(tb.ne[0]!);
        for (const id of tok.baseIds) row(s.base, mb, tb, id).forEach((v, j) => { mean[j]! += v / tok.baseIds.length; });
        const got = row(s.out, mo, to!, s.n + i);
        for (let j = 0; j < mean.length; j++) {
          const err = Math.abs(got[j]! - mean[j]!), tol = storageTolerance(tb.ggmlType, mean, j);
          if (err > tol) return t.fail(`${name} row ${s.n + i} (${JSON.stringify(tok.text)}) element ${j}: ${got[j]} vs mean ${mean[j]} (tolerance ${tol})`);
          worst = Math.max(worst, err);
        }
      }
      t.log(`${name}: largest deviation from the exact mean ${worst.toExponential(2)}`);
    }
    t.pass();
  });

  test.serial(`${c.name}: Persian round-trips and uses the new tokens; old-piece text tokenizes and scores as before`, async (t) => {
    if (!haveVocab(c.vocab)) return t.pass(`no ${c.vocab} vocabulary in the vendored tree`);
    const s = await extended(c.name, c.make, c.pieces);
    const [base, ext] = [await loadModel(s.base), await loadModel(s.out)];
    try {
      for (const text of [...TRAIN_FA, ...HELD_OUT_FA, 'متنی با واژه‌های ناآشنا: ژرفنگری، ۱۲۳ و Hello!']) {
        const ids = ext.tokenize(text, { addBos: false });
        t.is(ext.detokenize(ids), text);
      }
      t.true(HELD_OUT_FA.some((text) => ext.tokenize(text, { addBos: false }).some((id) => id >= s.n)), 'held-out Persian uses new tokens');
      if (c.vocab === 'llama-spm') {
        // a whole-word piece is what llama.cpp's tokenizer produces for that word, at the id its row is stored under
        const words = s.plan.tokens.map((tok, i) => ({ tok, id: s.n + i })).filter(({ tok }) => tok.text.startsWith(SPACE_MARK) && !tok.text.slice(1).includes(SPACE_MARK));
        t.true(words.length > 10);
        for (const { tok, id } of words) t.deepEqual(Array.from(ext.tokenize(tok.text.slice(1), { addBos: false })), [id], tok.text);
      }
      const [cb, ce] = [await base.createContext({ contextSize: 128, threads: 2 }), await ext.createContext({ contextSize: 128, threads: 2 })];
      for (const text of ENGLISH) {
        const ids = base.tokenize(text);
        t.deepEqual(ext.tokenize(text), ids, text);
        const [lb, le] = [await cb.logits(ids, { all: true }), await ce.logits(ids, { all: true })];
        const nb = s.n, ne = s.n + s.plan.tokens.length;
        t.is(le.length, ids.length * ne);
        let worst = 0;
        for (let p = 0; p < ids.length; p++) for (let v = 0; v < nb; v++) worst = Math.max(worst, Math.abs(le[p * ne + v]! - lb[p * nb + v]!));
        t.true(lb.some((v) => Math.abs(v) > 1e-3), 'the base logits are not trivial');
        t.true(worst <= LOGIT_TOLERANCE, `${text}: largest logit difference ${worst}`);
        t.log(`${JSON.stringify(text.slice(0, 20))}: largest logit difference ${worst}`);
      }
      cb.dispose();
      ce.dispose();
    } finally {
      base.dispose();
      ext.dispose();
    }
  });

  test.serial(`${c.name}: Persian fertility improves on held-out text (llama.cpp's tokenizer agrees with the planner's)`, async (t) => {
    if (!haveVocab(c.vocab)) return t.pass(`no ${c.vocab} vocabulary in the vendored tree`);
    const s = await extended(c.name, c.make, c.pieces);
    const before = (await vocabStats(s.base, HELD_OUT_FA, { language: 'fa' }))['fa']!;
    const after = (await vocabStats(s.out, HELD_OUT_FA, { language: 'fa' }))['fa']!;
    t.log(`tokens per word ${before.fertility.toFixed(2)} -> ${after.fertility.toFixed(2)}`);
    t.true(after.fertility < before.fertility * 0.8);
    t.is(before.tokens, s.plan.fertility!.before.tokens);
    t.is(after.tokens, s.plan.fertility!.after.tokens);
  });
}

function rowBytesOf(t: GgufTensorInfo): number {
  return rowBytes(t.ggmlType, t.ne[0]!);
}

test.serial('a plan made for another vocabulary is refused before anything is written', async (t) => {
  if (!haveVocab('llama-spm') || !haveVocab('llama-bpe')) return t.pass('no vendored vocabularies');
  const s = await extended('llama-bpe q8_0', cases[2]!.make, 60);
  const spm = await tinyModel({ vocab: 'llama-spm', quant: 'f32' });
  await t.throwsAsync(writeExtendedGguf(spm, s.plan, scratchPath('wrong.gguf')), { message: /Expected a plan made for a "llama" vocabulary of 32000 tokens but received one for "gpt2" with 128256/ });
});

