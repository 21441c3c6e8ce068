// Gemma 2 and 3 need backward rules ggml does not have (GELU-tanh gate, tanh soft-capping): the trainer refuses them
// by name, and inspect says why.
import test from 'ava';
import { inspectModel } from '../../../lib/inspect.js';
import { Trainer } from '../../../lib/train/trainer.js';
import { tinyModel } from '../helpers.js';

const SHAPE = { vocab: 'llama-spm', layers: 1, dim: 64, heads: 4, kvHeads: 2 } as const;

for (const arch of ['gemma2', 'gemma3'] as const) {
  test(`${arch}: the trainer refuses it with ERR_BACKEND naming the op without a backward; inspect says so`, async (t) => {
    const base = await tinyModel({ ...SHAPE, arch });
    const error = await t.throwsAsync(Trainer.create(base, { threads: 1 }));
    t.is((error as { code?: string }).code, 'ERR_BACKEND');
    t.regex(error!.message, new RegExp(`architecture "${arch}".*GGML_GLU_OP_GEGLU.*no backward`));
    if (arch === 'gemma2') t.regex(error!.message, /TANH/);
    const summary = await inspectModel(base);
    t.is(summary.architecture, arch);
    t.deepEqual(summary.trainer, { supported: false, code: 'ERR_BACKEND', reason: error!.message });
  });
}

test('inspect reports llama, qwen2 and qwen3 bases as trainable', async (t) => {
  for (const arch of ['llama', 'qwen2', 'qwen3'] as const) {
    const summary = await inspectModel(await tinyModel({ ...SHAPE, arch }));
    t.deepEqual(summary.trainer, { supported: true }, arch);
  }
});
