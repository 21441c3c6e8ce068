// Evaluation sharded over two rpc-servers (127.0.0.1, two ports): `eval --rpc a,b --shard-devices RPC…,RPC…` against
// the same evaluation unsharded on the local CPU: the same per-item records, metrics and intervals (compared for
// equality). The demo's task files: multiple choice scored by log-likelihood, translation generated in batches.
import test from 'ava';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { shardRequests } from '../../../lib/eval/runner/shard.js';
import { demoDataDir, demoTaskFiles } from '../../../lib/pipeline/presets.js';
import { runCli } from '../../helpers/cli.js';
import { tinyModel } from '../helpers.js';
import { rpcAvailable, rpcTest, startRpcServer, type RpcServerProcess } from './servers.js';

const servers: RpcServerProcess[] = [];
let tmp = '';
test.before(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'pl-rpc-eval-'));
  if (!rpcAvailable) return;
  for (let i = 0; i < 2; i++) servers.push(await startRpcServer(2));
});
test.after.always(async () => {
  for (const s of servers) await s.stop();
  rmSync(tmp, { recursive: true, force: true });
});

test('shardRequests deals blocks of requests round-robin and every request to exactly one shard', (t) => {
  const requests = Array.from({ length: 11 }, (_, i) => i);
  const shards = [0, 1, 2].map((s) => shardRequests(requests, s, 3, 2));
  t.deepEqual(shards, [[0, 1, 6, 7], [2, 3, 8, 9], [4, 5, 10]]);
  t.deepEqual(shards.flat().sort((a, b) => a - b), requests);
});

const resultsOf = (dir: string) => {
  const file = readdirSync(dir).find((f) => f.endsWith('.json'))!;
  return JSON.parse(readFileSync(path.join(dir, file), 'utf8'));
};

rpcTest('eval sharded over two rpc-servers gives the results of the unsharded CPU run', async (t) => {
  const model = await tinyModel({ vocab: 'llama-spm', layers: 2, dim: 64, heads: 4, kvHeads: 2, quant: 'q8_0' });
  const tasks = demoTaskFiles().join(',');
  const common = ['-m', model, '--tasks', tasks, '--data-dir', demoDataDir(), '--limit', '7', '--sequences', '2', '--max-tokens', '8',
    '-t', '2', '--bootstrap', '100', '--no-hash'];
  const cpu = await runCli('eval', ...common, '--device', 'cpu', '-o', path.join(tmp, 'cpu'));
  t.is(cpu.code, 0, cpu.err);
  const endpoints = servers.map((s) => s.endpoint).join(',');
  const sharded = await runCli('eval', ...common, '--rpc', endpoints, '--shard-devices', 'RPC0,RPC1', '-o', path.join(tmp, 'rpc'));
  t.is(sharded.code, 0, sharded.err);
  for (const s of servers) t.regex(sharded.err, new RegExp(`rpc: ${s.endpoint} serves RPC\\d`));
  const [a, b] = [resultsOf(path.join(tmp, 'cpu')), resultsOf(path.join(tmp, 'rpc'))];
  t.true(a.tasks.length >= 3);
  t.true(a.tasks.some((task: { mode: string }) => task.mode === 'generate') && a.tasks.some((task: { mode: string }) => task.mode === 'loglikelihood'));
  t.deepEqual(b.tasks, a.tasks);
  t.deepEqual(b.config, a.config);
});

test('eval refuses --device together with --shard-devices', async (t) => {
  const r = await runCli('eval', '-m', 'x.gguf', '--tasks', demoTaskFiles()[0]!, '--data-dir', demoDataDir(), '--device', 'RPC0', '--shard-devices', 'RPC0,RPC1');
  t.is(r.code, 2);
  t.regex(r.err, /either --device .* or --shard-devices/);
});
