// After `vocab extend` on a tiny qwen2 model with Qwen2's real vocabulary, `train --train-rows new` trains the new
// token rows only: base.gguf carries the old rows unchanged (dequantized) and new rows that moved, and llama.cpp runs it
// with the adapter.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { extendGguf, FIRST_NEW_ID_KEY } from '../../../lib/vocab/extend-gguf.js';
import { readGgufMetadata } from '../../../lib/vocab/gguf-read.js';
import { runCli } from '../../helpers/cli.js';
import { vocabFile } from '../../helpers/llama-vocab.js';
import { tinyModel } from '../helpers.js';
import { tensorRowValues } from '../tensor-rows.js';
import { TRAIN_FA } from './fixtures.js';
import { tempDir } from '../../helpers/temp-dir.js';

const maxAbsDiff = (a: Float32Array, b: Float32Array): number => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

test('qwen2: vocab extend, then train --train-rows new moves only the new rows; llama.cpp runs the result', async (t) => {
  if (!vocabFile('ggml-vocab-qwen2.gguf')) return t.pass('no qwen2 vocabulary in the vendored tree');
  const dir = tempDir('pl-qwen2-rows-');
  const corpus = path.join(dir, 'fa.txt');
  writeFileSync(corpus, [...TRAIN_FA, ...TRAIN_FA].join('\n') + '\n');
  const base = await tinyModel({ arch: 'qwen2', vocab: 'qwen2', layers: 2, dim: 64, heads: 4, kvHeads: 2, quant: 'q8_0' });
  const extended = path.join(dir, 'extended.gguf');
  const { written } = await extendGguf({ base, corpus, newPieces: 60, minCount: 1, out: extended });
  const n = written.firstNewId, total = n + written.newTokens;
  t.is(readGgufMetadata(extended).kv.get(FIRST_NEW_ID_KEY)?.value, n);

  const run = path.join(dir, 'run');
  const r = await runCli('train', '--base', extended, '--data', corpus, '--out', run, '--seq-len', '32', '--batch', '2', '--grad-accum', '1',
    '--max-steps', '3', '-t', '2', '--rank', '2', '--train-rows', 'new', '--embedding-lr', '5e-2');
  t.is(r.code, 0, r.err);
  const trained = path.join(run, 'base.gguf');
  for (const name of ['token_embd.weight', 'output.weight']) {
    const [oldBefore, oldAfter] = [await tensorRowValues(extended, name, 0, n), await tensorRowValues(trained, name, 0, n)];
    t.is(maxAbsDiff(oldBefore, oldAfter), 0, `${name}: rows below ${n} unchanged`);
    const [newBefore, newAfter] = [await tensorRowValues(extended, name, n, total), await tensorRowValues(trained, name, n, total)];
    const moved = maxAbsDiff(newBefore, newAfter);
    t.true(moved > 1e-3, `${name}: the new rows trained (largest change ${moved})`);
    t.log(`${name}: new rows moved by up to ${moved.toExponential(2)}; old rows identical`);
  }
  const gen = await runCli('generate', '-m', trained, '--lora', path.join(run, 'adapter.gguf'), '-p', 'کتابخانه دانشگاه', '-n', '4', '-t', '2');
  t.is(gen.code, 0, gen.err);
});
