// Trainable token rows (trainRows): finite-difference gradients, frozen rows below fromId, the embedding learning
// rate, memorisation through new tokens, llama.cpp parity of the exported base with the adapter, and the train CLI.
import { writeFileSync, existsSync } from 'node:fs';
import nodePath from 'node:path';
import test from 'ava';
import { loadModel } from '../../../lib/model.js';
import { native } from '../../../lib/native/addon.js';
import { Trainer, type TrainBatch } from '../../../lib/train/trainer.js';
import { readGgufMetadata } from '../../../lib/vocab/gguf-read.js';
import { scratchPath, tinyModel } from '../helpers.js';
import { tensorRows } from '../tensor-rows.js';
import { runCli } from '../../helpers/cli.js';
import { BASE, finiteDifferences, maxAbs, maxAbsDiff, randomiseB } from './helpers.js';
import { tempDir } from '../../helpers/temp-dir.js';

const SMALL = { vocab: 'llama-spm', layers: 2, dim: 64, heads: 4, kvHeads: 2, initStd: 0.1 } as const;
const FROM = 31900;  // the last 100 ids of the 32000-token vocabulary train, as after a vocabulary extension

/** Two sequences of 12 tokens mixing frozen ids and ids >= FROM (as inputs and as targets). */
function batch(): TrainBatch {
  const T = 12;
  const tokens = new Uint32Array(2 * T).map((_, i) => (i % 3 === 1 ? FROM + ((i * 37) % 100) : 100 + ((i * 7919) % 5000)));
  return { tokens, sequences: 2 };
}

// Central differences as in gradients.test.ts (step 1e-2, 2e-4 absolute + 1 % relative), at the 3 largest-gradient
// entries of each row parameter: with tied embeddings the one parameter carries lookup and head gradients.
for (const tied of [false, true]) {
  test(`embedding and output row gradients match central finite differences${tied ? ' (tied embeddings)' : ''}`, async (t) => {
    const trainer = await Trainer.create(await tinyModel({ ...SMALL, quant: 'f32', tiedEmbeddings: tied }), { alpha: 16, dropout: 0, rank: 4, threads: 2, trainRows: { fromId: FROM } });
    try {
      t.is(trainer.tiedEmbeddings, tied);
      t.is(trainer.rowsFrom, FROM);
      const rows = trainer.parameters.slice(trainer.loraParameterCount);
      t.deepEqual(rows.map((p) => p.name), tied ? ['token_embd.rows'] : ['token_embd.rows', 'output.rows']);
      for (const p of rows) t.deepEqual(p.shape, [SMALL.dim, 32000 - FROM]);
      await randomiseB(trainer, 0.1);
      const b = batch();
      const g = await trainer.gradients(b);
      const rowIndices = Array.from({ length: trainer.parameters.length - trainer.loraParameterCount }, (_, i) => trainer.loraParameterCount + i);
      for (const d of await finiteDifferences(trainer, b, g.gradients, rowIndices)) {
        t.true(Math.abs(d.fd - d.autodiff) <= 2e-4 + 1e-2 * Math.abs(d.autodiff), `${d.name}[${d.index}]: autodiff ${d.autodiff} vs finite difference ${d.fd}`);
        t.true(Math.abs(d.autodiff) > 1e-3);
      }
      if (!tied) {
        // an embedding row whose id is absent from the batch gets no gradient
        const present = new Set([...b.tokens].filter((id) => id >= FROM).map((id) => id - FROM));
        const absent = [...Array(32000 - FROM).keys()].find((r) => !present.has(r))!;
        t.is(maxAbs(g.gradients[trainer.loraParameterCount]!.subarray(absent * SMALL.dim, (absent + 1) * SMALL.dim)), 0);
      }
    } finally {
      trainer.dispose();
    }
  });
}

test('rows below fromId never change; rows from fromId train at embeddingLr; exportBase keeps the frozen rows', async (t) => {
  const path = await tinyModel({ ...SMALL, quant: 'q8_0' });
  const trainer = await Trainer.create(path, { alpha: 16, dropout: 0, rank: 4, threads: 2, trainRows: { fromId: FROM } });
  try {
    const e = trainer.loraParameterCount;
    const before = await Promise.all(trainer.parameters.map((_, i) => trainer.getParameter(i)));
    // initialised from the base: the stored Q8_0 rows, dequantized
    const stored = tensorRows(path, 'token_embd.weight', FROM, 32000);
    t.deepEqual(await native().dequantizeRows(stored.type, stored.bytes, SMALL.dim), before[e]!);
    // lr 0 with an embedding lr: only the rows move
    await trainer.step(batch(), { lr: 0, embeddingLr: 1e-2, weightDecay: 0 });
    const after = await Promise.all(trainer.parameters.map((_, i) => trainer.getParameter(i)));
    for (let i = 0; i < e; i++) t.deepEqual(after[i], before[i]);
    t.true(maxAbsDiff(after[e]!, before[e]!) > 1e-3);
    t.true(maxAbsDiff(after[e + 1]!, before[e + 1]!) > 1e-3);
    // embedding lr 0: the rows stay, LoRA moves (B; A has no gradient while B is still zero)
    await trainer.step(batch(), { lr: 1e-2, embeddingLr: 0, weightDecay: 0 });
    t.deepEqual(await trainer.getParameter(e), after[e]);
    t.true(maxAbsDiff(await trainer.getParameter(1), after[1]!) > 1e-3);
    // the exported base: rows < FROM byte for byte (keepType) or their exact dequantization (F32); rows >= FROM trained
    for (const keepType of [true, false]) {
      const out = scratchPath(`rows-base-${keepType}.gguf`);
      await trainer.exportBase(out, { keepType });
      for (const name of ['token_embd.weight', 'output.weight']) {
        const src = tensorRows(path, name, 0, FROM), got = tensorRows(out, name, 0, FROM);
        if (keepType) t.deepEqual(got.bytes, src.bytes);
        else t.deepEqual(new Float32Array(got.bytes.buffer), await native().dequantizeRows(src.type, src.bytes, SMALL.dim));
        const trained = tensorRows(out, name, FROM, 32000);
        const want = await trainer.getParameter(name === 'token_embd.weight' ? e : e + 1);
        const values = keepType ? await native().dequantizeRows(trained.type, trained.bytes, SMALL.dim) : new Float32Array(trained.bytes.slice().buffer);
        // Q8_0 rounds each value to 1/254 of its block's maximum
        t.true(maxAbsDiff(values, want) <= (keepType ? maxAbs(want) / 200 : 0), `${name}, keepType ${keepType}`);
      }
      t.is(readGgufMetadata(out).kv.get('persian_lora.train.rows_from')?.value, FROM);
    }
  } finally {
    trainer.dispose();
  }
});

test('memorising a sequence of new tokens: the loss falls towards zero with LoRA and trainable rows', async (t) => {
  const path = await tinyModel({ vocab: 'llama-spm', layers: 2, dim: 128, heads: 4, kvHeads: 2, initStd: 0.2, quant: 'q8_0' });
  const trainer = await Trainer.create(path, { alpha: 16, dropout: 0, rank: 8, threads: 2, trainRows: { fromId: FROM }, optimizer: { lr: 1e-2, embeddingLr: 5e-2, weightDecay: 0 } });
  try {
    // new ids as inputs and as targets, alternating with frozen ones
    const tokens = new Uint32Array(16).map((_, i) => (i % 2 === 0 ? FROM + ((i * 13) % 100) : 200 + i));
    const b = { tokens };
    const rows0 = await trainer.getParameter(trainer.loraParameterCount);
    const first = (await trainer.step(b)).loss;
    for (let s = 1; s < 40; s++) await trainer.step(b);
    const final = await trainer.loss(b);
    t.log(`loss ${first.toFixed(3)} → ${final.toFixed(4)} after 40 steps`);
    t.true(first > 10);
    t.true(final < 0.01, `final loss ${final}`);
    t.true(maxAbsDiff(await trainer.getParameter(trainer.loraParameterCount), rows0) > 0.1);
  } finally {
    trainer.dispose();
  }
});

/** Max |a - b| over the vocabulary columns [c0, c1) of row-major [tokens][V] logits. */
function columnDiff(a: Float32Array, b: Float32Array, V: number, c0: number, c1: number): number {
  let m = 0;
  for (let r = 0; r < a.length / V; r++) m = Math.max(m, maxAbsDiff(a, b, r * V + c0, r * V + c1));
  return m;
}

// Tolerance as in parity.test.ts (1e-4, F32 KV cache, same kernels). The exported rows are F32, exactly the
// trainer's, so the logits agree wherever both sides run the same products. One exception, by construction: with
// { fromId } on a quantized base the trainer's head keeps the frozen rows < fromId in their stored type, whose
// product quantizes the hidden state to Q8_0, while the exported F32 head multiplies in F32; those logits differ by
// that activation rounding (measured 2.1e-2 at |logit| 10, bound 5e-2). The hidden states themselves are equal
// (the frozen embedding rows dequantize exactly), which the columns >= fromId show.
for (const { quant, trainRows, tied, lowTol } of [
  { quant: 'f32', trainRows: { fromId: FROM }, tied: false, lowTol: 1e-4 },
  { quant: 'q8_0', trainRows: { fromId: FROM }, tied: false, lowTol: 5e-2 },
  { quant: 'q8_0', trainRows: 'all', tied: true, lowTol: 1e-4 },
] as const) {
  const label = `${quant}, ${JSON.stringify(trainRows)}${tied ? ', tied' : ''}`;
  test(`exported base with trained rows + adapter: llama.cpp logits equal the trainer's (${label})`, async (t) => {
    const base = await tinyModel({ ...BASE, quant, tiedEmbeddings: tied });
    const trainer = await Trainer.create(base, { dropout: 0, rank: 4, alpha: 8, threads: 2, trainRows });
    const tokens = new Uint32Array(20).map((_, i) => (i % 2 === 0 ? FROM + ((i * 13) % 100) : 300 + 17 * i));
    const V = 32000, from = trainer.rowsFrom;
    try {
      await randomiseB(trainer, 0.05);
      for (let s = 0; s < 3; s++) await trainer.step({ tokens }, { lr: 1e-2, weightDecay: 0 });
      const adapterFile = scratchPath(`rows-adapter-${quant}-${tied}.gguf`), baseFile = scratchPath(`rows-parity-base-${quant}-${tied}.gguf`);
      await trainer.exportAdapter(adapterFile);
      await trainer.exportBase(baseFile);
      const ours = await trainer.logits({ tokens });
      for (const [file, exported] of [[baseFile, true], [base, false]] as const) {
        const model = await loadModel(file);
        const ctx = await model.createContext({ contextSize: 64, threads: 2, kvCacheType: 'f32' });
        try {
          ctx.setAdapters([{ adapter: await model.loadAdapter(adapterFile) }]);
          const ref = await ctx.logits(tokens, { all: true });
          const low = columnDiff(ours, ref, V, 0, from), high = columnDiff(ours, ref, V, from, V);
          t.log(`${exported ? 'exported' : 'original'} base: max abs diff ids < ${from} ${low.toExponential(2)}, ids >= ${from} ${high.toExponential(2)} (max |logit| ${maxAbs(ours).toFixed(3)})`);
          if (exported) {
            t.true(high <= 1e-4, `ids >= ${from}: max abs diff ${high}`);
            if (from > 0) t.true(low <= lowTol, `ids < ${from}: max abs diff ${low}`);
          } else {
            t.true(Math.max(low, high) > 1e-2);  // the trained rows matter
          }
        } finally {
          ctx.dispose();
          model.dispose();
        }
      }
    } finally {
      trainer.dispose();
    }
  });
}

test('clear errors: fromId outside the vocabulary, exportBase without trainable rows', async (t) => {
  const path = await tinyModel({ ...SMALL, quant: 'f32' });
  const e1 = await t.throwsAsync(Trainer.create(path, { trainRows: { fromId: 32000 }, threads: 1 }));
  t.is((e1 as { code?: string }).code, 'ERR_INVALID_OPTION');
  t.regex(e1!.message, /32000/);
  const trainer = await Trainer.create(path, { alpha: 16, dropout: 0, rank: 2, threads: 1 });
  try {
    t.is(trainer.rowsFrom, -1);
    t.is(trainer.loraParameterCount, trainer.parameters.length);
    t.throws(() => trainer.exportBase(scratchPath('never.gguf')), { message: /trainRows/ });
  } finally {
    trainer.dispose();
  }
});

test('train CLI --train-rows: writes base.gguf with the trained rows next to the adapter; explains bad values', async (t) => {
  const base = await tinyModel({ ...SMALL, quant: 'q8_0' });
  const dir = tempDir('pl-rows-cli-');
  const data = nodePath.join(dir, 'fa.txt');
  writeFileSync(data, Array.from({ length: 20 }, (_, i) => `سلام دنیا ${i}، این یک جمله‌ی آزمایشی است.`).join('\n') + '\n');
  const out = nodePath.join(dir, 'run');
  const r = await runCli('train', '--base', base, '--data', data, '--out', out, '--seq-len', '32', '--batch', '2', '--grad-accum', '1',
    '--max-steps', '2', '-t', '2', '--rank', '2', '--train-rows', 'all', '--embedding-lr', '1e-2');
  t.is(r.code, 0, r.err);
  const made = nodePath.join(out, 'base.gguf');
  t.true(existsSync(made));
  t.regex(r.out, /base with trained rows: .*base\.gguf/);
  // the output head trained (every row gets a gradient), the embedding is now F32
  const before = tensorRows(base, 'output.weight', 0, 32000), after = tensorRows(made, 'output.weight', 0, 32000);
  t.is(native().ggmlTypeInfo(after.type).name, 'f32');
  t.true(maxAbsDiff(new Float32Array(after.bytes.buffer), await native().dequantizeRows(before.type, before.bytes, SMALL.dim)) > 1e-3);
  const gen = await runCli('generate', '-m', made, '--lora', nodePath.join(out, 'adapter.gguf'), '-p', 'سلام', '-n', '4', '-t', '2');
  t.is(gen.code, 0, gen.err);
  const e1 = await runCli('train', '--base', base, '--data', data, '--out', nodePath.join(dir, 'r2'), '--train-rows', 'new');
  t.is(e1.code, 2);
  t.regex(e1.err, /trainRows "new" \(--train-rows new\) needs persian_lora\.vocab\.first_new_id/);
  const e2 = await runCli('train', '--base', base, '--data', data, '--out', nodePath.join(dir, 'r3'), '--train-rows', 'some');
  t.is(e2.code, 2);
  t.regex(e2.err, /Expected none, all, new or a token id for --train-rows but received "some"/);
});
