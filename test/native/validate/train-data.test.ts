// `train --data` given binary garbage, a Parquet or CSV file without the text field: a clear ERR_DATA naming the file,
// never a run on noise.
import test from 'ava';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { loadModel, type Model } from '../../../lib/model.js';
import { modelTokenizer } from '../../../lib/model-tokenizer.js';
import { readTrainData } from '../../../lib/train/sources.js';
import { scratchPath, tinyModel } from '../helpers.js';

let model: Model;
let base: string;
test.before(async () => {
  base = await tinyModel({ vocab: 'llama-spm', layers: 2, dim: 64, heads: 4, quant: 'q8_0' });
  model = await loadModel(base, { vocabOnly: true });
});
test.after.always(() => model?.dispose());

const read = (data: string) => readTrainData(data, { tokenizer: modelTokenizer(model), seqLen: 32, seed: 1 });

test('binary garbage given as plain text is refused with the file and line', async (t) => {
  for (const name of ['garbage.txt', 'garbage.bin']) {
    const file = scratchPath(name);
    copyFileSync(base, file); // a GGUF: NUL bytes and undecodable bytes
    await t.throwsAsync(read(file), { code: 'ERR_DATA', message: new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: line 1 holds binary data \\(NUL bytes or invalid UTF-8\\), not plain text`) } as never);
  }
  const text = scratchPath('fine.txt');
  writeFileSync(text, 'Hello world.\nسلام دنیا، این یک متن است.\nA line with one \ufffd replacement character is still text.\n'.repeat(20));
  t.true((await read(text)).examples.length > 0);
});

test('CSV and Parquet are read as records, and refused by name without a text field', async (t) => {
  const csv = scratchPath('data.csv');
  writeFileSync(csv, 'id,body\n1,hello there\n');
  const error = await t.throwsAsync(read(csv));
  t.is((error as { code?: string }).code, 'ERR_DATA', error?.message);
  t.regex(error!.message, /data\.csv/);
  t.regex(error!.message, /text/);
  const parquet = scratchPath('data.parquet');
  writeFileSync(parquet, readFileSync(base).subarray(0, 4096)); // not Parquet at all
  const bad = await t.throwsAsync(read(parquet));
  t.regex(bad!.message, /data\.parquet/);
  t.false(/[\u0000-\u0008\u000e-\u001f\ufffd]/.test(bad!.message), bad!.message);
  t.log(bad!.message);
});
