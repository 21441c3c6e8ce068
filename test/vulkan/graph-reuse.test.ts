// On a device the loss runs over every position with per-row weights (train_inputs::weigh_all_rows), so micro-batches
// of one length and sequence count share one gradient graph whatever their documents and weights; the loss and
// gradients stay the CPU's (its own graphs per target count) within the tolerances of test/vulkan/train.test.ts.
import type { TrainBatch } from '../../lib/train/trainer.js';
import { Trainer } from '../../lib/train/trainer.js';
import { tinyModel } from '../native/helpers.js';
import { cosine, relL2 } from '../native/train/helpers.js';
import { vulkanDevice, vulkanTest } from './device.js';

const T = 16;

/** Two sequences; the second packs two documents from `split`; one token at weight `w`, one at 0. */
function batch(offset: number, split: number, w: number): TrainBatch {
  const tokens = Uint32Array.from({ length: 2 * T }, (_, i) => 100 + (((i + offset) * 7919) % 5000));
  const weights = new Float32Array(2 * T).fill(1);
  weights[3] = w;
  weights[20] = 0;
  const docStarts = new Uint8Array(2 * T);
  docStarts[T + split] = 1;
  return { tokens, sequences: 2, weights, docStarts };
}

vulkanTest('on the device, packed micro-batches with other documents and weights reuse one gradient graph, with the CPU\'s loss and gradients', async (t) => {
  const base = await tinyModel({ vocab: 'llama-spm', layers: 2, dim: 64, heads: 4, kvHeads: 2, quant: 'f32' });
  const options = { rank: 4, alpha: 8, dropout: 0, threads: 2, seed: 3 };
  const device = await Trainer.create(base, { ...options, device: vulkanDevice! });
  const cpu = await Trainer.create(base, options);
  try {
    const batches = [batch(0, 9, 0.5), batch(500, 3, 2), batch(900, 12, 1)];
    for (const b of batches) {
      const [d, c] = [await device.gradients(b), await cpu.gradients(b)];
      t.true(Math.abs(d.loss - c.loss) <= 1e-4 * Math.abs(c.loss), `loss ${d.loss} vs ${c.loss}`);
      t.is(d.targets, c.targets);
      const [dg, cg] = [d.gradients, c.gradients];
      t.true(relL2(dg, cg) <= 5e-3 && cosine(dg, cg) >= 0.9999, `gradients: relative L2 ${relL2(dg, cg)}, cosine ${cosine(dg, cg)}`);
    }
    t.is(device.gradientGraphsBuilt, 1, 'one graph on the device');
    t.is(cpu.gradientGraphsBuilt, 3, 'the CPU builds one per target count');
  } finally {
    device.dispose();
    cpu.dispose();
  }
});
