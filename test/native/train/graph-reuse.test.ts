// A micro-batch of the last one's shape (tokens, sequences, target count per loss weight) reuses the gradient graph
// and its allocation; the results are those of a graph built for it alone, bit for bit.
import test from 'ava';
import { Trainer, type TrainBatch } from '../../../lib/train/trainer.js';
import { tinyModel } from '../helpers.js';

const MODEL = { vocab: 'llama-spm', layers: 2, dim: 64, heads: 4, kvHeads: 2, quant: 'q8_0' } as const;
const T = 16;

/** Two sequences; the second packs two documents from position `split` (so the target count is 2T − 3). */
function batch(offset: number, split = 9): TrainBatch {
  const tokens = Uint32Array.from({ length: 2 * T }, (_, i) => 100 + (((i + offset) * 7919) % 5000));
  const weights = new Float32Array(2 * T).fill(1);
  weights[5] = 0.5;
  const docStarts = new Uint8Array(2 * T);
  if (split > 0) docStarts[T + split] = 1;
  return { tokens, sequences: 2, weights, docStarts };
}

for (const [name, options] of [['CPU default graph', {}], ['portable graph', { portable: true, cpuKernels: false }]] as const) {
  test(`gradient graphs are reused for batches of one shape and equal fresh ones bit for bit (${name})`, async (t) => {
    const base = await tinyModel(MODEL);
    const create = () => Trainer.create(base, { rank: 4, alpha: 8, dropout: 0.1, threads: 2, seed: 7, ...options });
    const trainer = await create();
    try {
      await trainer.gradients(batch(0));
      t.is(trainer.gradientGraphsBuilt, 1);
      const reused = await trainer.gradients(batch(1000, 4));   // other tokens and document start, same shape
      t.is(trainer.gradientGraphsBuilt, 1, 'same shape: the graph is reused');
      const fresh = await create();
      try {
        const alone = await fresh.gradients(batch(1000, 4));
        t.is(reused.loss, alone.loss);
        t.deepEqual(reused.gradients, alone.gradients);
      } finally {
        fresh.dispose();
      }
      await trainer.gradients(batch(0, 0));   // one document fewer: one more target
      t.is(trainer.gradientGraphsBuilt, 2, 'another shape: a new graph');
      await trainer.loss(batch(0, 0));
      await trainer.gradients(batch(0, 0));
      t.is(trainer.gradientGraphsBuilt, 3, 'after a loss graph took the buffer: built again');
      // a step of three micro-batches of one shape builds one graph
      await trainer.step([batch(1), batch(2), batch(3)], { lr: 1e-3 });
      t.is(trainer.gradientGraphsBuilt, 4);
    } finally {
      trainer.dispose();
    }
  });
}
