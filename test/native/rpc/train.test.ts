// Training on a device served by rpc-server (127.0.0.1) against the local CPU running ggml's ops (cpuKernels off: the
// trainer's own CPU kernels are not ggml ops, so they do not run on a remote device). The server runs ggml's CPU backend
// with as many threads as the local run, so the logits are the same computation: compared for equality (tolerance 0).
// Off the CPU the trainer computes the loss's reduction, the gradients' accumulation and the optimizer in the device's
// buffers in float32 (pl_train_device_step.h) where the CPU's host path uses doubles, so: losses (loss(), gradients()
// and each of three AdamW steps' against the local CPU's loss at the RPC run's own parameters) within 1e-6 relative
// (measured 2026-12-06: 0 to 1e-7), gradients (dropout on) within 2e-3 of the largest with cosine >= 0.99999
// (measured 5e-4), the first AdamW step against PyTorch's formula on the CPU's gradients within 1e-3 of the learning
// rate (as test/vulkan/device-step.test.ts; measured 1e-4 to 2e-4 of it).
import test from 'ava';
import { addRpcServers } from '../../../lib/native/rpc.js';
import { Trainer, type TrainBatch } from '../../../lib/train/trainer.js';
import { tinyModel } from '../helpers.js';
import { BASE, FROM, adamwFirstStep, cosine, deviceCheckBatch as batch, randomiseB } from '../train/helpers.js';
import { rpcAvailable, rpcTest, startRpcServer, type RpcServerProcess } from './servers.js';

const THREADS = 2;
let server: RpcServerProcess | undefined;
let device = '';
let bases: Record<string, string> = {};  // quant -> tiny base
test.before(async () => {
  if (!rpcAvailable) return;
  server = await startRpcServer(THREADS);
  device = (await addRpcServers([server.endpoint]))[0]!.devices[0]!;
  bases = { q8_0: await tinyModel({ ...BASE, quant: 'q8_0' }), q4_k_m: await tinyModel({ ...BASE, quant: 'q4_k_m' }) };
});
test.after.always(async () => { await server?.stop(); });

// eps 1 keeps the update nearly linear in the gradient (g / (sqrt(v) + eps) would otherwise turn rounding in tiny
// gradients into lr-sized differences).
const ADAMW = { lr: 1e-2, eps: 1, weightDecay: 0.01, betas: [0.9, 0.999] as [number, number] };
const TOLERANCE = { loss: 1e-6, gradients: 2e-3, cosine: 0.99999, firstStep: 1e-3 * ADAMW.lr };
const single = (): TrainBatch => ({ tokens: batch().tokens.subarray(0, 12) });

function maxDiff(a: Float32Array[], b: Float32Array[]): number {
  let m = 0;
  a.forEach((x, i) => x.forEach((v, k) => { m = Math.max(m, Math.abs(v - b[i]![k]!)); }));
  return m;
}

const maxAbs = (a: Float32Array[]) => a.reduce((m, x) => x.reduce((n, v) => Math.max(n, Math.abs(v)), m), 0);

const parametersOf = (trainer: Trainer) => Promise.all(trainer.parameters.map((_, i) => trainer.getParameter(i)));

for (const [name, quant, options] of [
  ['Q8_0 base', 'q8_0', {}],
  ['Q4_K base, rows from an id', 'q4_k_m', { trainRows: { fromId: FROM } }],
] as const) {
  const create = (on: string, dropout: number) =>
    Trainer.create(bases[quant]!, { alpha: 16, dropout, rank: 4, threads: THREADS, cpuKernels: false, ...options, device: on });

  rpcTest(`RPC device: the logits of ggml on the local CPU, its loss and gradients within rounding (dropout on) (${name})`, async (t) => {
    const runs = [];
    for (const on of ['cpu', device]) {
      const trainer = await create(on, 0.1);
      try {
        await randomiseB(trainer, 0.1);
        const loss = await trainer.loss(batch()), logits = await trainer.logits(single());
        const { gradients, gradNorm, loss: gradientsLoss } = await trainer.gradients(batch());
        runs.push({ device: trainer.device, backward: trainer.backward, loss, logits, gradients, gradNorm, gradientsLoss });
      } finally {
        trainer.dispose();
      }
    }
    const [cpu, rpc] = runs as [typeof runs[0], typeof runs[0]];
    t.is(rpc.device.name, device);
    t.is(rpc.device.type, 'gpu');  // ggml's RPC devices say so, whatever the server runs
    t.is(rpc.backward, cpu.backward);
    t.true(Math.abs(rpc.loss - cpu.loss) <= TOLERANCE.loss * cpu.loss, `loss ${rpc.loss} vs ${cpu.loss}`);
    t.deepEqual(rpc.logits, cpu.logits);
    t.true(Math.abs(rpc.gradientsLoss - cpu.gradientsLoss) <= TOLERANCE.loss * cpu.gradientsLoss, `gradients() loss ${rpc.gradientsLoss} vs ${cpu.gradientsLoss}`);
    const largest = maxAbs(cpu.gradients), diff = maxDiff(cpu.gradients, rpc.gradients) / largest, cos = cosine(cpu.gradients, rpc.gradients);
    t.true(largest > 1e-2);
    t.true(diff <= TOLERANCE.gradients, `gradients differ by ${diff} of the largest`);
    t.true(cos >= TOLERANCE.cosine, `gradients' cosine ${cos}`);
    t.true(Math.abs(rpc.gradNorm - cpu.gradNorm) <= TOLERANCE.gradients * cpu.gradNorm, `gradient norm ${rpc.gradNorm} vs ${cpu.gradNorm}`);
    t.log(`${name}: gradients differ by ${diff.toExponential(1)} of the largest, cosine ${cos}`);
  });

  rpcTest(`RPC device: three AdamW steps, each step's loss the local CPU's at the same parameters (${name})`, async (t) => {
    const [cpu, rpc] = [await create('cpu', 0), await create(device, 0)];
    try {
      await randomiseB(rpc, 0.1);
      const start = await parametersOf(rpc);
      const losses: number[] = [], expected: number[] = [];
      let firstGradients: Float32Array[] = [];
      for (let s = 0; s < 3; s++) {
        const params = await parametersOf(rpc);
        for (const [i, p] of params.entries()) await cpu.setParameter(i, p);
        const local = await cpu.gradients(batch());
        if (s === 0) firstGradients = local.gradients;
        expected.push(local.loss);
        losses.push((await rpc.step(batch(), s === 0 ? { ...ADAMW, clip: 0 } : ADAMW)).loss);
        if (s === 0) {
          const firstStep = maxDiff(adamwFirstStep(start, firstGradients, ADAMW), await parametersOf(rpc));
          t.true(firstStep <= TOLERANCE.firstStep, `first AdamW step on ${device} differs from the formula by ${firstStep}`);
          t.log(`${name}: first AdamW step within ${(firstStep / ADAMW.lr).toExponential(1)} of the learning rate of the formula`);
        }
      }
      losses.forEach((l, i) => t.true(Math.abs(l - expected[i]!) <= TOLERANCE.loss * expected[i]!, `step ${i + 1}: loss ${l} vs the CPU's ${expected[i]}`));
      t.true(losses[2]! < losses[0]!, `losses ${losses.join(', ')} go down`);
      t.log(`${name}: losses ${losses.map((l) => l.toFixed(6)).join(', ')} on ${device} and on the CPU`);
    } finally {
      cpu.dispose();
      rpc.dispose();
    }
  });
}
