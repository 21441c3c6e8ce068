// LoRA dropout masks computed in the training graph (native/core/pl_dropout.h): bit for bit the independent integer
// model of test/native/train/dropout-reference.ts, and statistically what dropout should be.
import test from 'ava';
import { native } from '../../../lib/native/addon.js';
import { Trainer } from '../../../lib/train/trainer.js';
import { tinyModel } from '../helpers.js';
import { keptLevels, referenceMasks } from './dropout-reference.js';

test('the masks computed on the CPU equal the integer reference bit for bit', async (t) => {
  for (const [width, tokens, projections, p, seed] of [[96, 40, 3, 0.1, 12345], [33, 7, 2, 0.05, 0], [64, 16, 1, 0.5, 2 ** 52 + 7]] as const) {
    const masks = await native().dropoutMasks('cpu', width, tokens, projections, p, seed);
    t.deepEqual(masks, referenceMasks(width, tokens, projections, p, seed), `width ${width}, tokens ${tokens}, p ${p}`);
  }
});

/** Pearson correlation of two 0/1 sequences. */
function correlation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sa = 0, sb = 0, sab = 0, saa = 0, sbb = 0;
  const n = a.length;
  for (let i = 0; i < n; i++) {
    sa += a[i]!; sb += b[i]!; sab += a[i]! * b[i]!; saa += a[i]! * a[i]!; sbb += b[i]! * b[i]!;
  }
  return (sab / n - (sa / n) * (sb / n)) / Math.sqrt((saa / n - (sa / n) ** 2) * (sbb / n - (sb / n) ** 2));
}

// Bounds at 5 standard deviations of what independent Bernoulli draws would give.
test('the masks keep round((1 − p)·1024)/1024 of the inputs, independently across projections, tokens and features', async (t) => {
  const width = 1024, tokens = 512, p = 0.05;
  const masks = await native().dropoutMasks('cpu', width, tokens, 2, p, 99);
  const M = width * tokens;
  const keep = keptLevels(p) / 1024;
  t.is(keptLevels(p), 973);
  const first = masks.subarray(0, M), second = masks.subarray(M, 2 * M);
  const kept = first.reduce((s, v) => s + v, 0);
  const sigma = Math.sqrt(M * keep * (1 - keep));
  t.true(Math.abs(kept - M * keep) <= 5 * sigma, `kept ${kept} of ${M}, expected ${M * keep} ± ${5 * sigma}`);
  // per-token kept counts spread as binomial counts do (variance ratio; 5σ of its sampling error over 512 tokens)
  const counts = Array.from({ length: tokens }, (_, n) => first.subarray(n * width, (n + 1) * width).reduce((s, v) => s + v, 0));
  const mean = counts.reduce((s, c) => s + c, 0) / tokens;
  const ratio = counts.reduce((s, c) => s + (c - mean) ** 2, 0) / (tokens - 1) / (width * keep * (1 - keep));
  t.true(Math.abs(ratio - 1) <= 5 * Math.sqrt(2 / (tokens - 1)), `per-token variance ratio ${ratio}`);
  const bound = 5 / Math.sqrt(M);
  const neighbour = (shift: number) => [first.subarray(0, M - shift), first.subarray(shift)] as const;
  const r = { projections: correlation(first, second), features: correlation(...neighbour(1)), tokens: correlation(...neighbour(width)) };
  for (const [what, value] of Object.entries(r)) t.true(Math.abs(value) <= bound, `correlation between neighbouring ${what}: ${value} (bound ${bound})`);
  t.log(`kept ${(kept / M).toFixed(5)} (expected ${keep.toFixed(5)}), variance ratio ${ratio.toFixed(3)}, correlations ${JSON.stringify(r, (_, v) => typeof v === 'number' ? +v.toExponential(2) : v)}`);
});

test('bad sizes, probabilities and devices are refused by name', async (t) => {
  await t.throwsAsync(native().dropoutMasks('cpu', 8, 8, 1, 1, 0), { message: /dropout must be in \[0, 1\), got 1/ });
  await t.throwsAsync(native().dropoutMasks('cpu', 1 << 14, 1 << 13, 1, 0.1, 0), { message: /at most 2\^26 elements/ });
  await t.throwsAsync(native().dropoutMasks('cpu', 1 << 26, 1 << 26, 1 << 26, 0.1, 0), { message: /at most 2\^26 elements/ });   // a product past 2^63
  t.throws(() => native().dropoutMasks('cpu', 0, 8, 1, 0.1, 0), { message: /width/ });
  await t.throwsAsync(native().dropoutMasks('no-such-device', 8, 8, 1, 0.1, 0), { message: /no-such-device/ });
});

// The CPU kernels turn each mask's six ops into one pass (pl_short_k_matmul.h); ggml's own ops give the same bits.
test('the CPU kernel computes the same masks as ggml\'s ops: equal dropout losses and gradients with and without it', async (t) => {
  const base = await tinyModel({ vocab: 'llama-spm', layers: 2, dim: 64, heads: 4, kvHeads: 2, quant: 'f32' });
  const tokens = Uint32Array.from({ length: 24 }, (_, i) => 100 + ((i * 7919) % 5000));
  const results = [], shortK = [];
  for (const [cpuKernels, dropout] of [[true, 0.3], [false, 0.3], [true, 0]] as const) {
    const trainer = await Trainer.create(base, { rank: 4, alpha: 8, dropout, threads: 2, seed: 5, cpuKernels });
    try {
      results.push(await trainer.gradients({ tokens }));
      shortK.push(trainer.cpuKernelNodes.shortK);
    } finally {
      trainer.dispose();
    }
  }
  t.is(shortK[0]! - shortK[2]!, 2 * 7, 'one kernel node per adapted projection\'s mask (2 layers × 7)');
  t.is(results[0]!.loss, results[1]!.loss);
  t.deepEqual(results[0]!.gradients, results[1]!.gradients);
});
