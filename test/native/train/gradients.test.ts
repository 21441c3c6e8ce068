// Loss and LoRA gradients of the training graph: weighted cross-entropy from logits, central finite differences,
// and agreement of the frozen-weight backward routes.
import { readFileSync } from 'node:fs';
import test from 'ava';
import { Trainer, type TrainBatch } from '../../../lib/train/trainer.js';
import { tinyModel } from '../helpers.js';
import { finiteDifferences, randomiseB } from './helpers.js';

const SMALL = { vocab: 'llama-spm', layers: 2, dim: 64, heads: 4, kvHeads: 2, initStd: 0.1 } as const;

/** Two sequences of 12 tokens; the second packs two documents; weights 0, 0.5 and 2 among the 1s. */
function batch(): TrainBatch {
  const T = 12;
  const tokens = new Uint32Array(2 * T).map((_, i) => 100 + ((i * 7919) % 5000));
  const weights = new Float32Array(2 * T).fill(1);
  weights[3] = 0;
  weights[4] = 0.5;
  weights[15] = 2;
  const docStarts = new Uint8Array(2 * T);
  docStarts[T + 7] = 1;
  return { tokens, sequences: 2, weights, docStarts };
}

test('the loss is the weighted mean of -log p(target) over the targets, from the same logits', async (t) => {
  const trainer = await Trainer.create(await tinyModel({ ...SMALL, quant: 'f32' }), { alpha: 16, dropout: 0, rank: 4, threads: 2 });
  try {
    await randomiseB(trainer, 0.1);
    const b = batch();
    const logits = await trainer.logits(b);
    const V = trainer.vocabularySize, T = 12;
    let num = 0, den = 0;
    for (let i = 0; i < b.tokens.length; i++) {
      // a target: not the first token of its sequence or document, with a non-zero weight
      if (i % T === 0 || b.docStarts![i] === 1 || b.weights![i] === 0) continue;
      const row = logits.subarray((i - 1) * V, i * V);
      let max = -Infinity;
      for (const v of row) max = Math.max(max, v);
      let sum = 0;
      for (const v of row) sum += Math.exp(v - max);
      num += b.weights![i]! * (Math.log(sum) + max - row[b.tokens[i]!]!);
      den += b.weights![i]!;
    }
    const loss = await trainer.loss(b);
    t.true(Math.abs(loss - num / den) < 1e-5, `${loss} vs ${num / den}`);
    const g = await trainer.gradients(b);
    t.is(g.loss, loss);
    t.is(g.targets, 2 * 11 - 1 - 1);
  } finally {
    trainer.dispose();
  }
});

// Central differences of the F32 loss, step 1e-2, at the 3 largest-gradient entries of 8 parameters. The loss is
// about 11 and F32 rounds it to ~1e-6, so the difference quotient carries ~5e-5 of noise; the O(h²) truncation is
// below that (measured worst 7e-5 absolute, 1.3e-3 relative). Tolerance: 2e-4 absolute + 1 % relative.
test('LoRA A and B gradients match central finite differences (F32 base, GQA, 2 sequences, packed documents)', async (t) => {
  const trainer = await Trainer.create(await tinyModel({ ...SMALL, quant: 'f32' }), { dropout: 0, rank: 4, alpha: 8, threads: 2 });
  try {
    await randomiseB(trainer, 0.1);
    const b = batch();
    const g = await trainer.gradients(b);
    let checked = 0, worst = 0;
    for (const d of await finiteDifferences(trainer, b, g.gradients, [0, 1, 6, 7, 12, 13, 26, 27])) {
      const err = Math.abs(d.fd - d.autodiff);
      worst = Math.max(worst, err);
      t.true(err <= 2e-4 + 1e-2 * Math.abs(d.autodiff), `${d.name}[${d.index}]: autodiff ${d.autodiff} vs finite difference ${d.fd}`);
      t.true(Math.abs(d.autodiff) > 1e-3);  // the entries checked carry signal
      checked++;
    }
    t.is(checked, 24);
    t.log(`worst |autodiff - finite difference| = ${worst.toExponential(2)}`);
  } finally {
    trainer.dispose();
  }
});

function relDiff(a: Float32Array[], b: Float32Array[]): number {
  let num = 0, den = 0;
  a.forEach((x, i) => x.forEach((v, k) => { num += (v - b[i]![k]!) ** 2; den += v * v; }));
  return Math.sqrt(num / den);
}

// ggml's own OUT_PROD kernel (cpuKernels: false) on the plain autodiff backward is the reference. The packed GEMM
// (pl_out_prod, the default on the CPU) sums every output in the same k order with FMAs, like ggml's row updates,
// so only rounding may differ (1e-6). The F32 route differs only in summation order (1e-5); the F16 route rounds dy
// and the dequantized weight to F16 (relative 2^-11 each), so 1e-2 of the gradient norm.
for (const quant of ['f32', 'f16', 'bf16', 'q8_0', 'q4_k_m', 'q6_k'] as const) {
  test(`frozen-weight backward routes and the GEMM agree with ggml's out_prod: ${quant}`, async (t) => {
    const base = await tinyModel({ ...SMALL, dim: 256, quant });
    const routes = { ggml: { backward: 'out_prod', cpuKernels: false }, gemm: { backward: 'out_prod' }, f32: { backward: 'f32' }, f16: { backward: 'f16' } } as const;
    const grads: Record<string, Float32Array[]> = {};
    for (const [name, options] of Object.entries(routes)) {
      const trainer = await Trainer.create(base, { alpha: 16, dropout: 0, rank: 4, threads: 2, ...options });
      try {
        t.is(trainer.cpuKernels, name !== 'ggml');
        await randomiseB(trainer, 0.1);
        grads[name] = (await trainer.gradients(batch())).gradients;
      } finally {
        trainer.dispose();
      }
    }
    const gemm = relDiff(grads.ggml!, grads.gemm!), f32 = relDiff(grads.ggml!, grads.f32!), f16 = relDiff(grads.ggml!, grads.f16!);
    t.log(`${quant}: relative L2 difference GEMM ${gemm.toExponential(2)}, f32 route ${f32.toExponential(2)}, f16 route ${f16.toExponential(2)}`);
    t.true(gemm < 1e-6);
    t.true(f32 < 1e-5);
    t.true(f16 < 1e-2);
  });
}

// The 'bf16' route rounds W and dy to BF16 (8 significant bits, relative 2^-9 each) in the input gradient through the
// frozen weights; the LoRA gradients themselves stay F32. Against ggml's own out_prod: within 1e-2 of the gradient
// norm, and further from it than the exact GEMM (0). Where the CPU has no AVX512_BF16 the route is refused by name.
const cpuFlags = process.platform === 'linux' ? readFileSync('/proc/cpuinfo', 'utf8') : '';
for (const quant of ['f32', 'q8_0', 'q4_k_m'] as const) {
  test(`the bf16 route keeps the gradients within BF16 rounding: ${quant}`, async (t) => {
    const base = await tinyModel({ ...SMALL, dim: 256, quant });
    if (!/\bavx512_bf16\b/.test(cpuFlags)) {
      await t.throwsAsync(Trainer.create(base, { rank: 4, threads: 2, backward: 'bf16' }), { code: 'ERR_INVALID_OPTION', message: /AVX512_BF16/ });
      return;
    }
    const grads: Float32Array[][] = [];
    for (const backward of ['out_prod', 'bf16'] as const) {
      const trainer = await Trainer.create(base, { alpha: 16, dropout: 0, rank: 4, threads: 2, backward, cpuKernels: backward === 'bf16' });
      try {
        t.is(trainer.backward, backward);
        await randomiseB(trainer, 0.1);
        grads.push((await trainer.gradients(batch())).gradients);
      } finally {
        trainer.dispose();
      }
    }
    const d = relDiff(grads[0]!, grads[1]!);
    t.log(`${quant}: relative L2 difference ${d.toExponential(2)}`);
    t.true(d > 0 && d < 1e-2);
  });
}

// With AMX (where the CPU has it and the OS grants the tile state), the bf16 route runs on 32 × 32 tile blocks: 2 × 40
// tokens and width 256 reach both whole blocks, written in place, and partial ones (through a scratch block); with 2
// threads the FFN's 512 columns split by columns and the 256-wide projections by rows.
test('the bf16 route on whole and partial tile blocks stays within BF16 rounding', async (t) => {
  if (!/\bavx512_bf16\b/.test(cpuFlags)) return t.pass();
  const base = await tinyModel({ ...SMALL, dim: 256, ffn: 512, quant: 'q8_0' });
  const tokens = new Uint32Array(2 * 40).map((_, i) => 100 + ((i * 104729) % 9000));
  const grads: Float32Array[][] = [];
  for (const backward of ['out_prod', 'bf16'] as const) {
    const trainer = await Trainer.create(base, { alpha: 16, dropout: 0, rank: 4, threads: 2, backward });
    try {
      if (backward === 'bf16') t.log(trainer.amx ? 'on AMX tiles' : 'on AVX512_BF16 dot products');
      await randomiseB(trainer, 0.1);
      grads.push((await trainer.gradients({ tokens, sequences: 2 })).gradients);
    } finally {
      trainer.dispose();
    }
  }
  const d = relDiff(grads[0]!, grads[1]!);
  t.log(`relative L2 difference ${d.toExponential(2)}`);
  t.true(d > 0 && d < 1e-2);
});

test('the bf16 route needs the CPU kernels', async (t) => {
  const base = await tinyModel({ ...SMALL, quant: 'f32' });
  await t.throwsAsync(Trainer.create(base, { rank: 4, threads: 2, backward: 'bf16', cpuKernels: false }), { code: 'ERR_INVALID_OPTION', message: /bf16/ });
});

// Shapes off the GEMM's tiles: widths that are not multiples of its register tile (head size 16, FFN 144, rank 3),
// 7 kv-shared heads, an F16 base (dequantized one value at a time) and three sequences of 40 tokens.
test('the GEMM OUT_PROD equals ggml\'s on shapes off its tiles', async (t) => {
  const base = await tinyModel({ vocab: 'llama-spm', layers: 1, dim: 112, heads: 7, kvHeads: 1, ffn: 144, initStd: 0.1, quant: 'f16' });
  const tokens = new Uint32Array(3 * 40).map((_, i) => 100 + ((i * 104729) % 9000));
  const grads: Float32Array[][] = [];
  for (const cpuKernels of [false, true]) {
    const trainer = await Trainer.create(base, { alpha: 16, dropout: 0, rank: 3, threads: 2, backward: 'out_prod', cpuKernels, trainRows: { fromId: 31000 } });
    try {
      await randomiseB(trainer, 0.1);
      grads.push((await trainer.gradients({ tokens, sequences: 3 })).gradients);
    } finally {
      trainer.dispose();
    }
  }
  const d = relDiff(grads[0]!, grads[1]!);
  t.log(`relative L2 difference ${d.toExponential(2)}`);
  t.true(d < 1e-6);
});

// LoRA's B·u sums over K = rank values: the short-K kernel (pl_short_k_matmul) must give ggml's MUL_MAT bit for bit,
// and it runs only where a probe found that it does. Rank 16 is a multiple of every x86 vector width, so ggml's tiled
// GEMM takes it and the probe must leave it alone; ranks 3 and 8 go to ggml's per-element dot products.
for (const rank of [3, 8, 16]) {
  test(`short-K products equal ggml's bitwise: rank ${rank}`, async (t) => {
    const base = await tinyModel({ ...SMALL, dim: 96, heads: 6, ffn: 160, quant: 'f32' });
    const logits: Float32Array[] = [];
    const nodes: number[] = [];
    for (const cpuKernels of [false, true]) {
      const trainer = await Trainer.create(base, { alpha: 16, dropout: 0, rank, threads: 2, cpuKernels });
      try {
        await randomiseB(trainer, 0.1);
        logits.push(await trainer.logits(batch()));
        nodes.push(trainer.cpuKernelNodes.shortK);
      } finally {
        trainer.dispose();
      }
    }
    t.is(nodes[0], 0);
    t.log(`rank ${rank}: ${nodes[1]} products on the short-K kernel`);
    if (process.arch === 'x64') t.is(nodes[1], rank === 16 ? 0 : 2 * 7);
    t.deepEqual(logits[1], logits[0]);
  });
}

// The quantized and F16 product kernels must give ggml's MUL_MAT bit for bit, forward and gradients, where the CPU
// has their instructions (the build targets this CPU); both trainers take the out_prod route ('auto' without the CPU
// kernels is the f16 one). 2 × 13 tokens reach the edge tiles (an odd token pair; no multiple of the F16 kernel's
// 6-token tile).
// - Q8_0 (pl_q8_matmul, AVX-512 VNNI): widths 96 and 160, off its tiles.
// - Q4_K and Q6_K (pl_kquant_matmul, AVX-512 VNNI): a Q4_K_M base of width 256 holds both types (Q6_K: the output
//   head, some attn_v and ffn_down); 32,000 head rows and 256 attention rows reach the row tiles.
// - F16 (pl_f16_matmul, AVX-512, tinyBLAS's arithmetic): rows in 4-row tiles.
const productKernels = [
  { name: 'Q8_0', shape: { dim: 96, heads: 6, ffn: 160 }, quant: 'q8_0', nodes: 'q8_0', cpu: /\bavx512_vnni\b/ },
  { name: 'Q4_K and Q6_K', shape: { dim: 256, heads: 4, ffn: 512 }, quant: 'q4_k_m', nodes: 'kQuant', cpu: /\bavx512_vnni\b/ },
  { name: 'F16', shape: { dim: 96, heads: 6, ffn: 160 }, quant: 'f16', nodes: 'f16', cpu: /\bavx512f\b/ },
] as const;
for (const k of productKernels) {
  test(`${k.name} products equal ggml's bitwise`, async (t) => {
    const base = await tinyModel({ ...SMALL, ...k.shape, quant: k.quant });
    const logits: Float32Array[] = [];
    const grads: Float32Array[][] = [];
    const nodes: number[] = [];
    const tokens = new Uint32Array(2 * 13).map((_, i) => 100 + ((i * 7919) % 5000));
    for (const cpuKernels of [false, true]) {
      const trainer = await Trainer.create(base, { alpha: 16, dropout: 0, rank: 4, threads: 2, backward: 'out_prod', cpuKernels });
      try {
        await randomiseB(trainer, 0.1);
        logits.push(await trainer.logits({ tokens, sequences: 2 }));
        grads.push((await trainer.gradients({ tokens, sequences: 2 })).gradients);
        nodes.push(trainer.cpuKernelNodes[k.nodes]);
      } finally {
        trainer.dispose();
      }
    }
    t.is(nodes[0], 0);
    t.log(`${nodes[1]} ${k.name} products on the kernel`);
    if (process.arch === 'x64' && k.cpu.test(cpuFlags)) t.is(nodes[1], 2 * 7 + 1);
    t.deepEqual(logits[1], logits[0]);
    t.deepEqual(grads[1], grads[0]);
  });
}

// The cross-entropy forward runs on pl_cross_entropy's vectorised exp on AVX-512: the loss within 1e-6 relative of
// ggml's (scalar expf, another summation order), gradients unchanged (ggml's backward stays), weighted groups included.
test('the vectorised cross-entropy gives ggml\'s loss within 1e-6', async (t) => {
  const base = await tinyModel({ ...SMALL, quant: 'f32' });
  const losses: number[] = [];
  const evalLosses: number[] = [];
  const grads: Float32Array[][] = [];
  const nodes: number[] = [];
  for (const cpuKernels of [false, true]) {
    const trainer = await Trainer.create(base, { alpha: 16, dropout: 0, rank: 4, threads: 2, backward: 'out_prod', cpuKernels });
    try {
      await randomiseB(trainer, 0.1);
      const g = await trainer.gradients(batch());
      losses.push(g.loss);
      grads.push(g.gradients);
      evalLosses.push(await trainer.loss(batch()));
      nodes.push(trainer.cpuKernelNodes.crossEntropy);
    } finally {
      trainer.dispose();
    }
  }
  t.is(nodes[0], 0);
  if (process.arch === 'x64' && /\bavx512f\b/.test(cpuFlags)) t.true(nodes[1]! > 1, 'one node per weight group');
  t.log(`loss ${losses[0]} (ggml) vs ${losses[1]}; relative ${(Math.abs(losses[1]! - losses[0]!) / losses[0]!).toExponential(2)}`);
  t.true(Math.abs(losses[1]! - losses[0]!) <= 1e-6 * losses[0]!);
  t.true(Math.abs(evalLosses[1]! - evalLosses[0]!) <= 1e-6 * evalLosses[0]!);
  t.deepEqual(grads[1], grads[0]);
});

// Dropout masks are drawn from (seed, step): within one step they are fixed, so the dropout loss that gradients()
// reports can itself be differentiated by central differences (same tolerance as above). F32 base: with a quantized
// base the activations are quantized in each product, which makes the loss piecewise constant at fine scales.
test('LoRA dropout: fixed masks within a step, consistent forward and backward, new masks after a step', async (t) => {
  const trainer = await Trainer.create(await tinyModel({ ...SMALL, quant: 'f32' }), { rank: 4, alpha: 8, dropout: 0.3, threads: 2 });
  try {
    await randomiseB(trainer, 0.1);
    const b = batch();
    const g1 = await trainer.gradients(b), g2 = await trainer.gradients(b);
    t.deepEqual(g2.gradients, g1.gradients);
    const evalLoss = await trainer.loss(b);
    t.not(g1.loss, evalLoss);
    const pi = 12, h = 1e-2;
    const base = await trainer.getParameter(pi);
    const grad = g1.gradients[pi]!;
    const k = [...grad.keys()].sort((x, y) => Math.abs(grad[y]!) - Math.abs(grad[x]!))[0]!;
    const v = base.slice();
    v[k] = base[k]! + h;
    await trainer.setParameter(pi, v);
    const plus = (await trainer.gradients(b)).loss;
    v[k] = base[k]! - h;
    await trainer.setParameter(pi, v);
    const minus = (await trainer.gradients(b)).loss;
    await trainer.setParameter(pi, base);
    const fd = (plus - minus) / (2 * h);
    t.true(Math.abs(fd - grad[k]!) <= 2e-4 + 1e-2 * Math.abs(grad[k]!), `autodiff ${grad[k]} vs finite difference ${fd}`);
    await trainer.step(b, { lr: 0, weightDecay: 0 });
    const g3 = await trainer.gradients(b);
    t.notDeepEqual(g3.gradients, g1.gradients);
    t.not(g3.loss, g1.loss);
  } finally {
    trainer.dispose();
  }
});
