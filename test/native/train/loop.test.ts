// The TS training loop over the native trainer: bitwise resume after an interrupt, and the train CLI end to end.
import test from 'ava';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Trainer } from '../../../lib/train/trainer.js';
import { NativeEngine } from '../../../lib/train/native-engine.js';
import { runTraining, type LoopOptions } from '../../../lib/train/loop.js';
import { loadModel } from '../../../lib/model.js';
import { runCli } from '../../helpers/cli.js';
import { tinyModel } from '../helpers.js';
import type { TrainingExample } from '../../../lib/data/tokenizer.js';
import { tempDir } from '../../helpers/temp-dir.js';

const tmp = () => tempDir('pl-native-train-');
const plan = { sequences: 2, length: 16, padToken: 0 };
const examples: TrainingExample[] = Array.from({ length: 8 }, (_, i) => ({
  tokens: Uint32Array.from({ length: 16 }, (_, j) => 1 + ((i * 131 + j * 17) % 3000)),
  weights: Float32Array.from({ length: 16 }, (_, j) => (j === 0 ? 0 : 1)),
}));
const options: LoopOptions = { epochs: 2, gradAccum: 2, seed: 3, schedule: { kind: 'cosine', warmup: 1, lr: 5e-3 }, weightDecay: 0.01, clip: 1 };
const trainerOptions = { rank: 4, alpha: 8, targets: ['q', 'v', 'down'] as ('q' | 'v' | 'down')[], dropout: 0.1, threads: 2, seed: 11 };

test('an interrupted run resumes to bitwise the same losses (CPU, same threads), dropout included', async (t) => {
  const base = await tinyModel({ vocab: 'llama-spm', layers: 2, dim: 64, heads: 4, quant: 'q8_0' });
  const full: number[] = [];
  const a = await Trainer.create(base, trainerOptions);
  await runTraining({ engine: new NativeEngine(a), train: examples, plan, options, runDir: tmp(), onEvent: (e) => e.type === 'step' && full.push(e.loss) });
  a.dispose();
  t.is(full.length, 4);

  const runDir = tmp();
  const controller = new AbortController();
  const first: number[] = [];
  const b = await Trainer.create(base, trainerOptions);
  const stopped = await runTraining({ engine: new NativeEngine(b), train: examples, plan, options, runDir, signal: controller.signal,
    onEvent: (e) => { if (e.type === 'step') { first.push(e.loss); if (e.step === 2) controller.abort(); } } });
  b.dispose();
  t.is(stopped.stopped, 'abort');
  const rest: number[] = [];
  const c = await Trainer.create(base, trainerOptions);
  const done = await runTraining({ engine: new NativeEngine(c), train: examples, plan, options, runDir, resume: true, onEvent: (e) => e.type === 'step' && rest.push(e.loss) });
  t.is(done.stopped, 'done');
  t.deepEqual([...first, ...rest], full);

  // the exported adapter is served by llama.cpp with the trainer's own logits
  const model = await loadModel(base);
  const adapter = await model.loadAdapter(done.adapterPath!);
  const ctx = await model.createContext({ contextSize: 64, threads: 2, kvCacheType: 'f32' });
  ctx.setAdapters([{ adapter }]);
  const tokens = examples[0]!.tokens;
  const served = await ctx.logits(tokens, { all: true });
  const trained = await c.logits({ tokens });
  let diff = 0;
  for (let i = 0; i < served.length; i++) diff = Math.max(diff, Math.abs(served[i]! - trained[i]!));
  t.true(diff < 1e-3, `max |Δlogit| ${diff}`);
  c.dispose();
  ctx.dispose();
  model.dispose();
});

// Gradient accumulation runs one graph per micro-batch and combines their gradients by target weight: without
// dropout, a step over [m1, m2] is the step over m1 and m2 concatenated (loss, gradient norm and the parameters after
// it, to float rounding: the sums are taken in another order), including a micro-batch with fewer sequences, weights
// other than 1 and one micro-batch without any target (skipped).
test('step over micro-batches equals the step over them as one batch', async (t) => {
  const base = await tinyModel({ vocab: 'llama-spm', layers: 2, dim: 64, heads: 4, quant: 'q8_0' });
  const T = 16;
  const row = (i: number) => Uint32Array.from({ length: T }, (_, j) => 1 + ((i * 131 + j * 17) % 3000));
  const m1 = { tokens: Uint32Array.from([...row(0), ...row(1)]), sequences: 2, weights: new Float32Array(2 * T).fill(1).map((w, j) => (j % 5 === 0 ? 0.5 : w)) };
  const m2 = { tokens: row(2), sequences: 1, weights: new Float32Array(T).fill(2) };
  const m3 = { tokens: row(3), sequences: 1, weights: new Float32Array(T) };
  const whole = { tokens: Uint32Array.from([...m1.tokens, ...m2.tokens, ...m3.tokens]), sequences: 4,
    weights: Float32Array.from([...m1.weights, ...m2.weights, ...m3.weights]) };
  const results = [];
  for (const batch of [whole, [m1, m2, m3]]) {
    const trainer = await Trainer.create(base, { ...trainerOptions, dropout: 0 });
    try {
      const r = await trainer.step(batch, { lr: 1e-3, clip: 0, weightDecay: 0 });
      results.push({ ...r, after: await trainer.getParameter(1) });
    } finally {
      trainer.dispose();
    }
  }
  const [one, acc] = results;
  t.log(`loss ${one!.loss} vs ${acc!.loss}, gradient norm ${one!.gradNorm} vs ${acc!.gradNorm}`);
  t.is(acc!.targets, one!.targets);
  t.true(Math.abs(acc!.loss - one!.loss) <= 1e-5 * one!.loss);
  t.true(Math.abs(acc!.gradNorm - one!.gradNorm) <= 1e-4 * one!.gradNorm);
  const diff = Math.max(...acc!.after.map((v, i) => Math.abs(v - one!.after[i]!)));
  t.true(diff <= 1e-6, `parameters after the step differ by ${diff}`);
  const trainer = await Trainer.create(base, trainerOptions);
  try {
    await t.throwsAsync(trainer.step([m3]), { message: /no target token/ });
    t.throws(() => trainer.step([m1, { tokens: row(4).subarray(0, 8), sequences: 1 }]), { message: /16 tokens per sequence/ });
    t.throws(() => trainer.step([]), { message: /non-empty array of batches/ });
  } finally {
    trainer.dispose();
  }
});

test('train CLI: runs, writes metrics and an adapter, refuses to overwrite, resumes, and explains bad input', async (t) => {
  const base = await tinyModel({ vocab: 'llama-spm', layers: 2, dim: 64, heads: 4, quant: 'q8_0' });
  const dir = tmp();
  const data = path.join(dir, 'fa.txt');
  writeFileSync(data, Array.from({ length: 30 }, (_, i) => `سلام دنیا ${i}، این یک جمله‌ی آزمایشی است.`).join('\n') + '\n');
  const out = path.join(dir, 'run');
  const r = await runCli('train', '--base', base, '--data', data, '--out', out, '--seq-len', '32', '--batch', '2', '--grad-accum', '1', '--max-steps', '4', '-t', '2', '--rank', '2');
  t.is(r.code, 0, r.err);
  t.regex(r.err, /tensors, on CPU \(/);
  t.regex(r.err, /step 4\/4 \| loss \d+\.\d+ \| lr .* \| \d+ tok\/s \| ETA/);
  const steps = readFileSync(path.join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((l) => l.type === 'step');
  t.is(steps.length, 4);
  const again = await runCli('train', '--base', base, '--data', data, '--out', out);
  t.is(again.code, 2);
  t.regex(again.err, /already holds a run: use --resume/);
  const gen = await runCli('generate', '-m', base, '--lora', path.join(out, 'adapter.gguf'), '-p', 'سلام', '-n', '4', '-t', '2');
  t.is(gen.code, 0, gen.err);

  const empty = path.join(dir, 'empty.txt');
  writeFileSync(empty, '\n\n');
  const e1 = await runCli('train', '--base', base, '--data', empty, '--out', path.join(dir, 'r2'));
  t.is(e1.code, 1);
  t.regex(e1.err, /holds no training examples/);
  const e2 = await runCli('train', '--base', base, '--data', data, '--out', path.join(dir, 'r3'), '--rank', '0');
  t.is(e2.code, 2);
  t.regex(e2.err, /Expected an integer >= 1 for --rank but received "0"/);
  const e3 = await runCli('train', '--base', base, '--data', data, '--out', path.join(dir, 'r4'), '--targets', 'q,wq');
  t.is(e3.code, 2);
  t.regex(e3.err, /Unknown LoRA target "wq"/);
  const e4 = await runCli('train', '--base', base, '--data', data, '--out', path.join(dir, 'r5'), '--seq-len', '100000');
  t.is(e4.code, 2);
  t.regex(e4.err, /seqLen \(--seq-len\) 100000 exceeds the model's context length 512/);
  const e5 = await runCli('train', '--base', base, '--data', data, '--out', path.join(dir, 'r6'), '--device', 'NPU7', '--max-steps', '1');
  t.is(e5.code, 2);
  t.regex(e5.err, /Unknown device "NPU7".*CPU/);
  const p = await runCli('train', '--base', base, '--data', data, '--out', path.join(dir, 'r7'), '--seq-len', '32', '--max-steps', '1', '-t', '2', '--rank', '2', '--portable', '--device', 'cpu');
  t.is(p.code, 0, p.err);
  t.regex(p.err, /on CPU \(.*\), portable graph, backward f16/);
  const e6 = await runCli('train', '--base', base, '--data', data, '--out', path.join(dir, 'r8'), '--backward', 'bf32');
  t.is(e6.code, 2);
  t.regex(e6.err, /Expected one of out_prod, f32, f16, cast, auto, bf16 for --backward but received "bf32"/);
  const bf = await runCli('train', '--base', base, '--data', data, '--out', path.join(dir, 'r9'), '--seq-len', '32', '--max-steps', '1', '-t', '2', '--rank', '2', '--backward', 'bf16');
  if (process.platform === 'linux' && /\bavx512_bf16\b/.test(readFileSync('/proc/cpuinfo', 'utf8'))) {
    t.is(bf.code, 0, bf.err);
    t.regex(bf.err, /backward bf16/);
    t.is(JSON.parse(readFileSync(path.join(dir, 'r9', 'config.json'), 'utf8')).backward, 'bf16');
  } else {
    t.is(bf.code, 1);
    t.regex(bf.err, /AVX512_BF16/);
  }
});
