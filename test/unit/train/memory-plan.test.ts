// The memory plan against figures computed by hand from the kept-tensor count in lib/train/memory-plan.ts, and the
// refusal of a run that cannot fit, whose suggested options must fit.
import test from 'ava';
import { PersianLoraError } from '../../../lib/errors.js';
import { checkMemoryPlan, parameterCount, planMemory, type MemoryPlanOptions, type ModelShape } from '../../../lib/train/memory-plan.js';

// 2 layers, C 8, F 16, 2 heads over 1 kv head (kv width 4), vocabulary 10
const small: ModelShape = {
  layers: 2, embedding: 8, feedForward: 16, heads: 2, kvHeads: 1, vocabulary: 10, tiedEmbeddings: false,
  weightBytes: 1000, largestMatrix: 80, largestQuantized: false,
};
const smallRun: MemoryPlanOptions = { rank: 2, targets: ['q', 'down'], seqLen: 4, dropout: 0.1, frozenBackward: 'f16' };

test('small shape: every part by hand', (t) => {
  // kept per token and layer: attention 3·8 + 8 + 2·4 + 4·2 + 8 = 56; feed-forward 3·8 + 3·16 = 72;
  // LoRA q: r 2 + dropout 2·8 = 18, down: 2 + 2·16 = 34 → 180 elements; 4 tokens, 2 layers, 4 bytes
  // parameters: q 2·(8+8) = 32, down 2·(16+8) = 48 → 80 per layer → 160
  // head: (3·8 + 8 + 3·10) · 4 tokens · 4 bytes; scratch: two layers' kept tensors + the F16 copy of 80 elements
  const p = planMemory(small, smallRun);
  t.is(parameterCount(small, smallRun), 160);
  t.deepEqual(p, {
    weights: 1000, parameters: 640, gradients: 640, optimizer: 1280, activations: 2 * 180 * 4 * 4, head: 62 * 16,
    scratch: 2 * 180 * 16 + 160, total: 1000 + 640 + 640 + 1280 + 5760 + 992 + 5920,
  });
});

test('small shape: no dropout, two sequences (kv heads repeated), OUT_PROD backward, trainable rows from id 6', (t) => {
  const o: MemoryPlanOptions = { ...smallRun, dropout: 0, sequences: 2, frozenBackward: 'out_prod', trainRows: { fromId: 6 } };
  // kept per token: 56 + 2·8 (repeated k and vᵀ) + 72 + 2 + 2 = 148; 8 tokens
  // parameters: 160 + 4 rows · 8 · 2 (embedding and output) = 224; head: (32 + 5·10) · 8 · 4
  const p = planMemory(small, o);
  t.is(p.parameters, 224 * 4);
  t.is(p.activations, 2 * 148 * 8 * 4);
  t.is(p.head, 82 * 8 * 4);
  t.is(p.scratch, 2 * 148 * 8 * 4);
});

test('small shape on a device: labels as ids (no one-hot row per target, one int32 id) and gradient accumulators there', (t) => {
  const host = planMemory(small, smallRun), device = planMemory(small, { ...smallRun, labels: 'ids', accumulators: 'device' });
  t.is(device.head, host.head - 10 * 4 * 4 + 4 * 4);   // 4 targets: a 10-wide F32 one-hot each, replaced by one id each
  t.is(device.gradients, 2 * host.gradients);
  t.is(device.total, host.total - 10 * 4 * 4 + 4 * 4 + host.gradients);
});

// Llama-2-7B: 32 layers, 4096 wide, FFN 11008, 32 heads, vocabulary 32000; Q4_K_M weights 4.08 GB (llama.cpp's file)
const llama2: ModelShape = {
  layers: 32, embedding: 4096, feedForward: 11008, heads: 32, kvHeads: 32, vocabulary: 32000, tiedEmbeddings: false,
  weightBytes: 4_080_000_000, largestMatrix: 4096 * 32000, largestQuantized: true,
};
const paperRun: MemoryPlanOptions = { rank: 8, targets: ['q', 'k', 'v', 'o', 'gate', 'up', 'down'], seqLen: 512, dropout: 0.05, frozenBackward: 'f16' };

test('Llama-2-7B at 512 tokens: LoRA r 8 on all seven projections is 20.0M values, activations as counted', (t) => {
  t.is(parameterCount(llama2, paperRun), 32 * 8 * (4 * 8192 + 2 * 15104 + 15104));
  // per token and layer: 8·4096 + 2·4096 + 3·11008 + 512·32 (probabilities) + 7·8 + dropout 2·(6·4096 + 11008)
  const perToken = 8 * 4096 + 2 * 4096 + 3 * 11008 + 512 * 32 + 56 + 2 * (6 * 4096 + 11008);
  t.is(planMemory(llama2, paperRun).activations, 32 * perToken * 512 * 4);
});

const GiB = 1024 ** 3;

test('a run that cannot fit is refused with its figures and options that do fit', (t) => {
  const device = { name: 'GPU0', memoryTotal: 24 * GiB, memoryFree: 24 * GiB - 4_080_000_000 };
  const run = { ...paperRun, sequences: 4 };
  const error = t.throws(() => checkMemoryPlan(llama2, run, device), { instanceOf: PersianLoraError });
  t.is(error?.code, 'ERR_OUT_OF_MEMORY');
  t.regex(error!.message, /does not fit device GPU0: it needs \d+\.\d\d GiB/);
  t.regex(error!.message, /seqLen 512 × 4 sequences; the device has 24\.00 GiB in all/);
  t.regex(error!.message, /Options that fit: /);
  // every suggestion, applied, fits
  const hints = /Options that fit: (.*)\.$/.exec(error!.message)![1]!.split('; or ');
  for (const hint of hints) {
    const seq = /^seqLen (\d+)/.exec(hint), batch = /^(\d+) sequences? per micro-batch/.exec(hint);
    const applied: MemoryPlanOptions = seq ? { ...run, sequences: 1, seqLen: Number(seq[1]) } : batch ? { ...run, sequences: Number(batch[1]) }
      : hint.startsWith('dropout 0') ? { ...run, dropout: 0 } : { ...run, targets: hint.replace('targets ', '').split(',') as MemoryPlanOptions['targets'] };
    t.notThrows(() => checkMemoryPlan(llama2, applied, device), hint);
  }
});

test('a run that fits returns its plan; a device that reports no memory is not checked', (t) => {
  const big = { name: 'GPU0', memoryTotal: 80 * GiB, memoryFree: 80 * GiB - 4_080_000_000 };
  t.is(checkMemoryPlan(llama2, paperRun, big).total, planMemory(llama2, paperRun).total);
  t.notThrows(() => checkMemoryPlan(llama2, { ...paperRun, sequences: 64 }, { name: 'X', memoryTotal: 0, memoryFree: 0 }));
});

test('free memory counts what the trainer does not hold yet: weights and parameters are already in place', (t) => {
  const p = planMemory(small, smallRun);
  const resident = p.weights + p.parameters;
  t.notThrows(() => checkMemoryPlan(small, smallRun, { name: 'D', memoryTotal: p.total, memoryFree: p.total - resident }));
  t.throws(() => checkMemoryPlan(small, smallRun, { name: 'D', memoryTotal: p.total, memoryFree: p.total - resident - 1 }), { message: /does not fit device D/ });
  t.throws(() => checkMemoryPlan(small, smallRun, { name: 'D', memoryTotal: p.total - 1, memoryFree: p.total }), { message: /does not fit device D/ });
});
