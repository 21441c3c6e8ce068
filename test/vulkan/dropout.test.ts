// LoRA dropout masks computed on a Vulkan device (lavapipe here): bit for bit the integer reference, as on the CPU
// (native/core/pl_dropout.h keeps every value exact in F32, so no backend may differ).
import { native } from '../../lib/native/addon.js';
import { referenceMasks } from '../native/train/dropout-reference.js';
import { vulkanDevice, vulkanTest } from './device.js';

vulkanTest('dropout masks computed on the device equal the integer reference bit for bit', async (t) => {
  for (const [width, tokens, projections, p, seed] of [[96, 40, 3, 0.1, 12345], [1024, 64, 2, 0.05, 99]] as const) {
    const masks = await native().dropoutMasks(vulkanDevice!, width, tokens, projections, p, seed);
    t.deepEqual(masks, referenceMasks(width, tokens, projections, p, seed), `width ${width}, tokens ${tokens}, p ${p}`);
  }
});
