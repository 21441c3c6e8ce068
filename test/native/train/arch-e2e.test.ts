// Each architecture the trainer supports, end to end through the CLI on a tiny Q8_0 model with its real vocabulary:
// train, export to PEFT and import it back, merge, and evaluate the base with the adapter and the merged model.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import { demoDataDir, demoTaskFiles } from '../../../lib/pipeline/presets.js';
import { readLoraAdapter } from '../../../lib/lora/adapter-read.js';
import { runCli } from '../../helpers/cli.js';
import { vocabFile } from '../../helpers/llama-vocab.js';
import { tinyModel } from '../helpers.js';
import { TRAIN_FA } from '../vocab/fixtures.js';

const SHAPES = {
  'llama (Llama 3.2 shape)': { arch: 'llama', vocab: 'llama-bpe', ropeFreqs: true, tiedEmbeddings: true, ropeBase: 500000 },
  'qwen2': { arch: 'qwen2', vocab: 'qwen2', ropeBase: 1e6 },
  'qwen3': { arch: 'qwen3', vocab: 'qwen2', ropeBase: 1e6 },
} as const;

const resultsOf = (dir: string) => JSON.parse(readFileSync(path.join(dir, readdirSync(dir).find((f) => f.endsWith('.json'))!), 'utf8'));

for (const [name, shape] of Object.entries(SHAPES)) {
  test(`${name}: train, export to PEFT and back, merge, eval with the adapter and merged`, async (t) => {
    if (!vocabFile(`ggml-vocab-${shape.vocab}.gguf`)) return t.pass(`no ${shape.vocab} vocabulary here`);
    const dir = mkdtempSync(path.join(os.tmpdir(), `pl-e2e-${shape.arch}-`));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    const base = await tinyModel({ ...shape, layers: 2, dim: 64, heads: 4, kvHeads: 2, quant: 'q8_0' });
    const corpus = path.join(dir, 'fa.txt');
    writeFileSync(corpus, [...TRAIN_FA, ...TRAIN_FA].join('\n') + '\n');

    const run = path.join(dir, 'run');
    const trained = await runCli('train', '--base', base, '--data', corpus, '--out', run, '--seq-len', '32', '--batch', '2',
      '--grad-accum', '1', '--max-steps', '3', '-t', '2', '--rank', '4');
    t.is(trained.code, 0, trained.err);
    const adapterFile = path.join(run, 'adapter.gguf');
    const adapter = readLoraAdapter(adapterFile);
    t.is(adapter.architecture, shape.arch);
    t.is(adapter.pairs.length, 2 * 7, 'q, k, v, o, gate, up, down in both layers');

    const peft = path.join(dir, 'peft');
    const exported = await runCli('export', '--adapter', adapterFile, '--format', 'peft', '--base', base, '--out', peft);
    t.is(exported.code, 0, exported.err);
    const config = JSON.parse(readFileSync(path.join(peft, 'adapter_config.json'), 'utf8')) as { target_modules: string[] };
    t.deepEqual([...config.target_modules].sort(), ['down_proj', 'gate_proj', 'k_proj', 'o_proj', 'q_proj', 'up_proj', 'v_proj']);
    const back = path.join(dir, 'back.gguf');
    const imported = await runCli('export', '--peft', peft, '--arch', shape.arch, '--base', base, '--out', back);
    t.is(imported.code, 0, imported.err);
    const again = readLoraAdapter(back);
    for (const p of adapter.pairs) {
      const q = again.pairs.find((x) => x.target === p.target)!;
      t.deepEqual([q.a, q.b], [p.a, p.b], `${p.target}: the PEFT round trip keeps the values`);
    }

    const merged = path.join(dir, 'merged.gguf');
    const merge = await runCli('merge', '--base', base, '--lora', adapterFile, '--out', merged);
    t.is(merge.code, 0, merge.err);
    t.true(existsSync(merged));

    const common = ['--tasks', demoTaskFiles().join(','), '--data-dir', demoDataDir(), '--limit', '4', '--max-tokens', '4', '-t', '2',
      '--bootstrap', '50', '--no-hash'];
    const withAdapter = await runCli('eval', '-m', base, '--lora', adapterFile, ...common, '-o', path.join(dir, 'eval-lora'));
    t.is(withAdapter.code, 0, withAdapter.err);
    const ofMerged = await runCli('eval', '-m', merged, ...common, '-o', path.join(dir, 'eval-merged'));
    t.is(ofMerged.code, 0, ofMerged.err);
    const [a, b] = [resultsOf(path.join(dir, 'eval-lora')), resultsOf(path.join(dir, 'eval-merged'))];
    t.deepEqual(b.tasks.map((x: { name: string }) => x.name), a.tasks.map((x: { name: string }) => x.name));
    t.true(a.tasks.length >= 3);
  });
}
