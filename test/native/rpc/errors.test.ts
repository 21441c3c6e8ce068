// RPC endpoints that are malformed, closed or silent: a PersianLoraError naming the option or the endpoint, never a
// hang (the probe's connect and handshake are bounded) or the abort ggml's own client would end the process with.
import test from 'ava';
import net from 'node:net';
import { PersianLoraError } from '../../../lib/errors.js';
import { addRpcServers, parseRpcEndpoints } from '../../../lib/native/rpc.js';
import { runCli } from '../../helpers/cli.js';
import { freePort, rpcAvailable } from './servers.js';

// These need the addon's RPC backend, not an rpc-server binary.
const rpcAddonTest = rpcAvailable || process.env.PERSIAN_LORA_REQUIRE_RPC === '1' ? test : test.skip;

test('parseRpcEndpoints: host:port lists as llama.cpp takes them; anything else names the option, expected and received', (t) => {
  t.deepEqual(parseRpcEndpoints('127.0.0.1:50052, gpu-box.local:50053'), ['127.0.0.1:50052', 'gpu-box.local:50053']);
  t.deepEqual(parseRpcEndpoints(['10.0.0.2:1']), ['10.0.0.2:1']);
  for (const bad of ['127.0.0.1', ':50052', '127.0.0.1:0', '127.0.0.1:65536', 'host:port', '[::1]:50052', 'a:1,', '', 'a:1,a:1']) {
    const e = t.throws(() => parseRpcEndpoints(bad), { instanceOf: PersianLoraError });
    t.is(e.code, 'ERR_INVALID_OPTION');
    t.regex(e.message, /^Expected .* for rpc but received /, bad);
  }
});

test('CLI: a malformed --rpc is a usage error (exit 2) naming --rpc and the value', async (t) => {
  const args: Record<string, string[]> = {
    generate: ['-m', 'x.gguf', '-p', 'hi'], chat: ['-m', 'x.gguf'], train: ['--base', 'x.gguf', '--data', 'x.txt', '--out', 'x'], pipeline: ['x.yaml'],
  };
  for (const command of Object.keys(args)) {
    const r = await runCli(command, ...args[command]!, '--rpc', '127.0.0.1');
    t.is(r.code, 2, `${command}: ${r.err}`);
    t.regex(r.err, /Expected host:port with a port in 1\.\.65535 for --rpc but received "127\.0\.0\.1"/);
  }
});

rpcAddonTest('a port nobody listens on: ERR_NETWORK naming the endpoint', async (t) => {
  const endpoint = `127.0.0.1:${await freePort()}`;
  const e = await t.throwsAsync(addRpcServers([endpoint], { timeoutMs: 2000 }), { instanceOf: PersianLoraError });
  t.is(e!.code, 'ERR_NETWORK');
  t.regex(e!.message, new RegExp(`RPC server ${endpoint} does not answer: connection failed`));
});

rpcAddonTest('a server that accepts but never answers the handshake: ERR_NETWORK after the bounded wait', async (t) => {
  const sockets: net.Socket[] = [];
  const silent = net.createServer((s) => sockets.push(s));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const endpoint = `127.0.0.1:${(silent.address() as net.AddressInfo).port}`;
  try {
    const e = await t.throwsAsync(addRpcServers([endpoint], { timeoutMs: 300 }), { instanceOf: PersianLoraError });
    t.is(e!.code, 'ERR_NETWORK');
    t.regex(e!.message, new RegExp(`RPC server ${endpoint} accepted the connection but did not answer the RPC handshake within 300 ms`));
  } finally {
    for (const s of sockets) s.destroy();
    await new Promise((resolve) => silent.close(resolve));
  }
});

rpcAddonTest('CLI: train and generate with a closed --rpc endpoint exit 1 naming it', async (t) => {
  const endpoint = `127.0.0.1:${await freePort()}`;
  const gen = await runCli('generate', '-m', 'x.gguf', '-p', 'hi', '--rpc', endpoint);
  t.is(gen.code, 1);
  t.regex(gen.err, new RegExp(`RPC server ${endpoint} does not answer`));
  const train = await runCli('train', '--base', 'x.gguf', '--data', 'x.txt', '--out', 'x', '--rpc', endpoint, '--device', 'RPC0');
  t.is(train.code, 1);
  t.regex(train.err, new RegExp(`RPC server ${endpoint} does not answer`));
});
