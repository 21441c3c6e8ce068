// Training end to end: AdamW steps memorise two short sequences on F32, Q8_0 and Q4_K bases; clipping and errors.
import test from 'ava';
import { loadModel } from '../../../lib/model.js';
import { Trainer, type TrainBatch } from '../../../lib/train/trainer.js';
import { PersianLoraError } from '../../../lib/errors.js';
import { tinyModel } from '../helpers.js';

// initStd 0.2 lets a frozen random output head reach large logits (|W_out[y]|·|h| ≈ 0.2·dim), so the loss can
// approach zero; without BOS the two sequences share no prefix, so nothing forces a floor above zero.
const base = (quant: string, dim: number) => tinyModel({ vocab: 'llama-spm', layers: 2, dim, heads: 4, kvHeads: 2, initStd: 0.2, quant: quant as 'f32' });

async function twoSequences(path: string): Promise<TrainBatch> {
  const model = await loadModel(path, { vocabOnly: true });
  try {
    const a = model.tokenize('The cat sat on the mat today.', { addBos: false });
    const b = model.tokenize('Persian is written right to left.', { addBos: false });
    const T = Math.max(a.length, b.length);
    const tokens = new Uint32Array(2 * T).fill(model.info.eos);
    tokens.set(a, 0);
    tokens.set(b, T);
    const weights = new Float32Array(2 * T);
    weights.fill(1, 0, a.length);
    weights.fill(1, T, T + b.length);
    return { tokens, sequences: 2, weights };
  } finally {
    model.dispose();
  }
}

const cases = [
  { quant: 'f32', dim: 128, steps: 40 },
  { quant: 'f16', dim: 128, steps: 40 },
  { quant: 'q8_0', dim: 128, steps: 40 },
  { quant: 'q4_k_m', dim: 256, steps: 30 },
] as const;

for (const { quant, dim, steps } of cases) {
  test(`the loss falls towards zero when memorising two sequences: ${quant}`, async (t) => {
    const path = await base(quant, dim);
    const batch = await twoSequences(path);
    const trainer = await Trainer.create(path, { dropout: 0, rank: 8, alpha: 16, threads: 2, optimizer: { lr: 1e-2, weightDecay: 0 } });
    try {
      const losses: number[] = [];
      for (let s = 0; s < steps; s++) losses.push((await trainer.step(batch)).loss);
      const final = await trainer.loss(batch);
      t.log(`${quant}: loss ${losses.filter((_, i) => i % 10 === 0).map((l) => l.toFixed(3)).join(' → ')} → ${final.toFixed(4)} after ${steps} steps`);
      t.true(losses[0]! > 10);
      t.true(final < 0.01, `final loss ${final}`);
    } finally {
      trainer.dispose();
    }
  });
}

// A reference AdamW (PyTorch's: decoupled decay, bias correction; clip_grad_norm_'s coefficient clip/(norm+1e-6))
// in float64 on the gradients the trainer reports, against the parameters after each native step. The native
// update runs in float32, so 1e-6 relative to the largest parameter.
test('AdamW with global-norm clipping and weight decay matches a reference over 3 steps', async (t) => {
  const path = await base('f32', 128);
  const batch = await twoSequences(path);
  const o = { lr: 3e-3, betas: [0.8, 0.95] as [number, number], eps: 1e-6, weightDecay: 0.1, clip: 0.5 };
  const trainer = await Trainer.create(path, { alpha: 16, dropout: 0, rank: 4, threads: 2, optimizer: o });
  try {
    const n = trainer.parameters.length;
    const p: Float64Array[] = [], m: Float64Array[] = [], v: Float64Array[] = [];
    for (let i = 0; i < n; i++) {
      p.push(Float64Array.from(await trainer.getParameter(i)));
      m.push(new Float64Array(p[i]!.length));
      v.push(new Float64Array(p[i]!.length));
    }
    let clipped = 0;
    for (let step = 1; step <= 3; step++) {
      const { gradients, gradNorm } = await trainer.gradients(batch);
      const r = await trainer.step(batch);
      t.is(r.gradNorm, gradNorm);
      const c = gradNorm > o.clip ? o.clip / (gradNorm + 1e-6) : 1;
      if (c < 1) clipped++;
      let worst = 0, scale = 0;
      for (let i = 0; i < n; i++) {
        const got = await trainer.getParameter(i);
        for (let k = 0; k < got.length; k++) {
          const g = gradients[i]![k]! * c;
          m[i]![k] = o.betas[0] * m[i]![k]! + (1 - o.betas[0]) * g;
          v[i]![k] = o.betas[1] * v[i]![k]! + (1 - o.betas[1]) * g * g;
          const mh = m[i]![k]! / (1 - o.betas[0] ** step), vh = v[i]![k]! / (1 - o.betas[1] ** step);
          p[i]![k] = p[i]![k]! * (1 - o.lr * o.weightDecay) - o.lr * mh / (Math.sqrt(vh) + o.eps);
          worst = Math.max(worst, Math.abs(p[i]![k]! - got[k]!));
          scale = Math.max(scale, Math.abs(p[i]![k]!));
        }
      }
      t.true(worst <= 1e-6 * scale, `step ${step}: max |reference - native| = ${worst}`);
    }
    t.true(clipped > 0, 'the clip limit was reached at least once');
  } finally {
    trainer.dispose();
  }
});

const bad: [string, (t: Trainer) => Promise<unknown>, RegExp][] = [
  ['a token outside the vocabulary', (tr) => tr.loss({ tokens: new Uint32Array([1, 99999]) }), /outside the vocabulary/],
  ['a batch without targets', (tr) => tr.loss({ tokens: new Uint32Array([1, 2, 3]), weights: new Float32Array(3) }), /no target/],
  ['a negative weight', (tr) => tr.loss({ tokens: new Uint32Array([1, 2]), weights: new Float32Array([1, -1]) }), /finite number >= 0/],
  ['sequences not dividing the tokens', (tr) => tr.loss({ tokens: new Uint32Array([1, 2, 3]), sequences: 2 }), /sequences/],
  ['a sequence longer than the context', (tr) => tr.loss({ tokens: new Uint32Array(513) }), /context/],
  ['weights of the wrong length', (tr) => tr.loss({ tokens: new Uint32Array([1, 2]), weights: new Float32Array(3) }), /weights/],
];
for (const [what, call, message] of bad) {
  test(`a clear error for ${what}`, async (t) => {
    const trainer = await Trainer.create(await base('f32', 128), { alpha: 16, dropout: 0, rank: 2, threads: 1 });
    try {
      const error = await t.throwsAsync(async () => call(trainer), { instanceOf: PersianLoraError });
      t.regex(error!.message, message);
    } finally {
      trainer.dispose();
    }
  });
}

test('a clear error for rank 0, an unknown target, an adapter as base, and a disposed trainer', async (t) => {
  const path = await base('f32', 128);
  await t.throwsAsync(() => Trainer.create(path, { rank: 0 }), { message: /trainer options\.rank/ });
  await t.throwsAsync(() => Trainer.create(path, { targets: ['q', 'qkv' as 'q'] }), { message: /trainer options\.targets/ });
  const trainer = await Trainer.create(path, { alpha: 16, dropout: 0, rank: 2, threads: 1 });
  const adapter = path.replace(/\.gguf$/, '-adapter.gguf');
  await trainer.exportAdapter(adapter);
  trainer.dispose();
  trainer.dispose();
  await t.throwsAsync(() => trainer.loss({ tokens: new Uint32Array([1, 2]) }), { code: 'ERR_DISPOSED' } as never);
  await t.throwsAsync(() => Trainer.create(adapter), { message: /is a LoRA adapter/ });
});
