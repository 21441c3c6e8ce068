// Runs in a fresh process: prompt processing (pp) and generation (tg) tokens/s of the addon on one model, with tinybench.
import { Bench } from 'tinybench';
import { loadModel } from '../lib/model.js';

const [modelPath, threadsArg, ppArg, tgArg, repsArg] = process.argv.slice(2);
const threads = Number(threadsArg);
const nPrompt = Number(ppArg);
const nGen = Number(tgArg);
const reps = Number(repsArg);

const model = await loadModel(modelPath!, { gpuLayers: 'auto' });
const ctx = await model.createContext({ contextSize: nPrompt + nGen + 8, batchSize: nPrompt, threads, sequences: 1 });
const V = model.info.vocabularySize;
let seed = 12345;
const randomTokens = (n: number) => Uint32Array.from({ length: n }, () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % V);

// pp: a fresh random prompt every time, so the prefix cache cannot help (llama-bench clears its cache too).
// tg: the BOS token, then nGen greedy tokens, nGen decodes in all as in llama-bench's tg (which decodes without sampling);
// a one-token prompt is never served from the prefix cache (the last prompt token is always decoded).
const bench = new Bench({ iterations: reps, warmupIterations: 1, time: 0 });
bench.add(`pp${nPrompt}`, async () => { await ctx.logits(randomTokens(nPrompt)); });
bench.add(`tg${nGen}`, async () => {
  const r = await ctx.complete(Uint32Array.of(model.info.bos >= 0 ? model.info.bos : 1), { maxTokens: nGen, temperature: 0, stop: [] });
  if (r.tokens.length !== nGen && r.stopReason !== 'eog') throw new Error(`generated ${r.tokens.length} tokens`);
});
await bench.run();
// best (fastest) repetition and mean: on a shared machine the best is the robust figure
const out: Record<string, { best: number; mean: number; samples: number }> = {};
for (const task of bench.tasks) {
  const r = task.result as unknown as { latency: { mean: number; min: number; samplesCount?: number } };
  const n = task.name.startsWith('pp') ? nPrompt : nGen;
  out[task.name] = { best: n / (r.latency.min / 1000), mean: n / (r.latency.mean / 1000), samples: r.latency.samplesCount ?? reps };
}
ctx.dispose();
model.dispose();
process.stdout.write(JSON.stringify(out) + '\n');
