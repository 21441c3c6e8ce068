// Inference on a device served by rpc-server (127.0.0.1): a model with every layer on the RPC device against the same
// model on the local CPU without llama.cpp's weight repacking (the server's ggml CPU backend does not repack), both
// running ggml's CPU kernels with the same threads: logits, option scores and greedy generation compared for equality
// (tolerance 0); then `generate` through the CLI with --rpc and --device (Q8_0 is not repacked on x86-64).
import test from 'ava';
import { loadModel, type Model } from '../../../lib/model.js';
import { addRpcServers } from '../../../lib/native/rpc.js';
import { runCli } from '../../helpers/cli.js';
import { scratchPath, tinyModel } from '../helpers.js';
import { rpcAvailable, rpcTest, startRpcServer, type RpcServerProcess } from './servers.js';

const THREADS = 2;
const MODEL = { vocab: 'llama-spm', layers: 2, dim: 64, heads: 4, kvHeads: 2, quant: 'q8_0' } as const;
let server: RpcServerProcess | undefined;
let device = '';
test.before(async () => {
  if (!rpcAvailable) return;
  server = await startRpcServer(THREADS);
  device = (await addRpcServers([server.endpoint]))[0]!.devices[0]!;
});
test.after.always(async () => { await server?.stop(); });

async function behaviour(model: Model) {
  const ctx = await model.createContext({ contextSize: 256, threads: THREADS });
  try {
    const logits = await ctx.logits(model.tokenize('سلام دنیا، حال شما چطور است؟'), { all: true });
    const scores = (await ctx.scoreContinuations('The capital of Iran is', [' Tehran', ' Paris', ' تهران'])).map((s) => s.logProb);
    const text = (await ctx.complete('سلام', { maxTokens: 24, temperature: 0 })).text;
    return { logits, scores, text };
  } finally {
    ctx.dispose();
  }
}

rpcTest('RPC device: logits, option scores and greedy generation equal the local CPU', async (t) => {
  const file = await tinyModel(MODEL);
  const results = [];
  for (const options of [{ devices: ['cpu'], repack: false }, { devices: [device] }]) {
    const model = await loadModel(file, options);
    try {
      results.push(await behaviour(model));
    } finally {
      model.dispose();
    }
  }
  const [cpu, rpc] = results as [typeof results[0], typeof results[0]];
  t.true(cpu.logits.length > 32000);
  t.deepEqual(rpc.logits, cpu.logits);
  t.deepEqual(rpc.scores, cpu.scores);
  t.is(rpc.text, cpu.text);
  t.true(cpu.text.length > 0);
});

rpcTest('CLI: generate with --rpc and --device RPC0 prints what --device cpu prints; chat, eval and pipeline take the options', async (t) => {
  const file = await tinyModel(MODEL);
  const args = ['-m', file, '-n', '16', '-t', String(THREADS), '--temp', '0'];
  const cpu = await runCli('generate', ...args, '-p', 'سلام', '--device', 'cpu');
  const rpc = await runCli('generate', ...args, '-p', 'سلام', '--rpc', server!.endpoint, '--device', device);
  t.is(cpu.code, 0, cpu.err);
  t.is(rpc.code, 0, rpc.err);
  t.regex(rpc.err, new RegExp(`rpc: ${server!.endpoint} serves ${device}`));
  t.is(rpc.out, cpu.out);
  for (const command of ['chat', 'eval']) t.regex((await runCli(command, '--help')).out, /--rpc <host:port,…>[^]*--device|--device[^]*--rpc <host:port,…>/);
  t.regex((await runCli('eval', '--help')).out, /--shard-devices <d,…>/);
  const pipeline = await runCli('pipeline', '--preset', 'demo', '--out', scratchPath('rpc-pipeline'), '--rpc', server!.endpoint, '--device', device, '--print-config');
  t.is(pipeline.code, 0, pipeline.err);
  t.regex(pipeline.out, new RegExp(`^device: ${device}$`, 'm'));
});
