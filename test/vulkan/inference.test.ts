// Inference with every layer on a Vulkan device (lavapipe here) against the CPU: the logits of every position and
// option scores within stated tolerances, with and without a LoRA adapter.
import { loadModel } from '../../lib/model.js';
import { writeLoraAdapter } from '../../lib/lora/adapter-file.js';
import { scratchPath, tinyModel } from '../native/helpers.js';
import { seededArray } from '../native/train/helpers.js';
import { vulkanTest } from './device.js';

const DIM = 64, LAYERS = 2;

// Tolerances of the largest logit, about 3x the differences measured on lavapipe (docs/training.md "GPU and Vulkan"):
// F32 7e-4 (ggml-vulkan sums in another order, F16 KV cache on both); Q8_0 1.1e-2 (ggml-vulkan quantizes the
// activations to Q8_1 blocks where the CPU uses Q8_0, on a random tiny model whose logits carry little signal).
const TOLERANCE = { f32: 2e-3, q8_0: 3e-2 };

function relativeDiff(a: Float32Array, b: Float32Array): number {
  let largest = 0, worst = 0;
  a.forEach((v, i) => {
    largest = Math.max(largest, Math.abs(v));
    worst = Math.max(worst, Math.abs(v - b[i]!));
  });
  return worst / largest;
}

for (const quant of ['f32', 'q8_0'] as const) {
  vulkanTest(`Vulkan inference matches the CPU: logits of every position and option scores, with an adapter (${quant})`, async (t) => {
    const file = await tinyModel({ vocab: 'llama-spm', layers: LAYERS, dim: DIM, quant });
    const adapterFile = scratchPath(`vk-infer-${quant}.gguf`);
    writeLoraAdapter(adapterFile, {
      architecture: 'llama', alpha: 8,
      pairs: Array.from({ length: LAYERS }, (_, l) => ({
        target: `blk.${l}.attn_q.weight`, rank: 4, inFeatures: DIM, outFeatures: DIM,
        a: seededArray(4 * DIM, 3 + l, 0.5), b: seededArray(DIM * 4, 9 + l, 0.5),
      })),
    });
    const results = [];
    for (const gpuLayers of [0, 'all'] as const) {
      const model = await loadModel(file, { gpuLayers });
      const ctx = await model.createContext({ contextSize: 128 });
      try {
        const tokens = model.tokenize('سلام دنیا! Hello, world. The answer is');
        const plain = await ctx.logits(tokens, { all: true });
        const scores = await ctx.scoreContinuations('The answer is', [' yes', ' no', ' بله']);
        const adapter = await model.loadAdapter(adapterFile);
        ctx.setAdapters([{ adapter, scale: 1 }]);
        const adapted = await ctx.logits(tokens, { all: true });
        results.push({ plain, adapted, scores: scores.map((s) => s.logProb) });
      } finally {
        ctx.dispose();
        model.dispose();
      }
    }
    const [cpu, vk] = results as [typeof results[0], typeof results[0]];
    const plain = relativeDiff(cpu.plain, vk.plain), adapted = relativeDiff(cpu.adapted, vk.adapted);
    t.true(relativeDiff(cpu.plain, cpu.adapted) > 3 * TOLERANCE[quant], 'the adapter changes the logits');
    t.true(plain <= TOLERANCE[quant], `logits differ by ${plain.toExponential(2)} of the largest`);
    t.true(adapted <= TOLERANCE[quant], `logits with the adapter differ by ${adapted.toExponential(2)} of the largest`);
    cpu.scores.forEach((s, i) => t.true(Math.abs(s - vk.scores[i]!) <= 1e-2 * Math.abs(s), `option ${i}: ${vk.scores[i]} vs CPU ${s}`));
    t.log(`${quant}: logits ${plain.toExponential(2)}, with adapter ${adapted.toExponential(2)} of the largest`);
  });
}
