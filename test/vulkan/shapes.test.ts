// One Vulkan trainer over batches of changing shapes, against the CPU. A graph of a new shape can make ggml-vulkan
// grow its scratch buffers (prealloc_x/y) mid-graph; before third_party/patches/vulkan-descriptor-set-stale-bindings.patch
// its reused descriptor sets kept the destroyed buffers in unused bindings, and Mesa 22's lavapipe crashed on them
// (SIGSEGV in libvulkan_lvp, or glibc heap corruption: 'malloc(): unsorted double linked list corrupted') within the
// first graphs below, in every run of 4 without the patch.
import type { TrainBatch } from '../../lib/train/trainer.js';
import { Trainer } from '../../lib/train/trainer.js';
import { tinyModel } from '../native/helpers.js';
import { BASE, cosine, randomiseB } from '../native/train/helpers.js';
import { vulkanDevice, vulkanTest } from './device.js';

/** Batches that grow (ggml-vulkan grows its scratch buffers on 2×12, 3×16, 2×32 and 1×64) with smaller ones between. */
function shapes(): [string, TrainBatch][] {
  return ([[1, 6], [2, 12], [1, 12], [3, 16], [2, 32], [1, 64]] as const).map(([sequences, n]) => {
    const tokens = new Uint32Array(sequences * n).map((_, i) => 100 + ((i * 7919) % 5000));
    return [`${sequences}×${n}`, { tokens, sequences }];
  });
}

// Tolerances as test/vulkan/train.test.ts measured them on lavapipe: F32 base loss 1e-4, quantized 2e-3 (relative);
// gradients' direction within cos ≥ 0.999.
for (const [quant, lossTolerance] of [['f32', 1e-4], ['q8_0', 2e-3]] as const) {
  vulkanTest(`Vulkan: one trainer over batches of changing shapes gives the CPU's losses, logits and gradients (${quant})`, async (t) => {
    const base = await tinyModel({ ...BASE, quant });
    const runs: { loss: number; lossOnly: number; logits: Float32Array; gradients: Float32Array[] }[][] = [];
    for (const device of ['cpu', vulkanDevice!]) {
      const trainer = await Trainer.create(base, { alpha: 16, rank: 4, threads: 2, dropout: 0.1, device });
      try {
        await randomiseB(trainer, 0.1);
        // the backward graphs over every shape first (the order that crashed lavapipe), then the forward-only ones
        const backward = [];
        for (const [, batch] of shapes()) backward.push(await trainer.gradients(batch));
        const run = [];
        for (const [i, [, batch]] of shapes().entries()) {
          run.push({ ...backward[i]!, logits: await trainer.logits(batch), lossOnly: await trainer.loss(batch) });
        }
        runs.push(run);
      } finally {
        trainer.dispose();
      }
    }
    const [cpu, vk] = runs as [typeof runs[0], typeof runs[0]];
    shapes().forEach(([name], i) => {
      const a = cpu[i]!, b = vk[i]!;
      t.true(Math.abs(b.loss - a.loss) <= lossTolerance * a.loss, `${name}: gradients() loss ${b.loss} vs CPU ${a.loss}`);
      t.true(Math.abs(b.lossOnly - a.lossOnly) <= lossTolerance * a.lossOnly, `${name}: loss() ${b.lossOnly} vs CPU ${a.lossOnly}`);
      const logitsCos = cosine([a.logits], [b.logits]), gradientsCos = cosine(a.gradients, b.gradients);
      t.true(logitsCos >= 0.999, `${name}: logits' cosine ${logitsCos}`);
      t.true(gradientsCos >= 0.999, `${name}: gradients' cosine ${gradientsCos}`);
    });
  });
}
