// Runs in a fresh process: reads a text file a line at a time through normalisation and/or llama.cpp tokenization; prints MB/s and peak memory.
import { statSync } from 'node:fs';
import { readLines } from '../lib/data/loaders/text.js';
import { createNormalizer } from '../lib/data/normalize/persian.js';
import { loadModel } from '../lib/model.js';

const [mode, file, modelPath] = process.argv.slice(2) as ['normalize' | 'tokenize' | 'both', string, string];
const model = mode === 'normalize' ? undefined : await loadModel(modelPath, { vocabOnly: true });
const normalize = createNormalizer();
let peakHeap = 0, tokens = 0, lines = 0;
const started = performance.now();
for await (const { text } of readLines(file)) {
  const t = mode === 'tokenize' ? text : normalize(text);
  if (model) tokens += model.tokenize(t, { addBos: false }).length;
  if (++lines % 20000 === 0) peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
}
const seconds = (performance.now() - started) / 1000;
const bytes = statSync(file).size;
model?.dispose();
process.stdout.write(JSON.stringify({
  mode, bytes, lines, tokens, seconds, mbPerSecond: bytes / 1e6 / seconds,
  peakRssMiB: process.resourceUsage().maxRSS / 1024, peakHeapMiB: peakHeap / 2 ** 20,
}) + '\n');
