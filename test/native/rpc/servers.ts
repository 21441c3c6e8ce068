// rpc-server child processes on 127.0.0.1 for the RPC tests, and the test function that skips without them.
// The binary: PERSIAN_LORA_RPC_SERVER, else the rpc-server scripts/build-rpc-server.sh built in the loaded addon's
// build folder (build/cmake for build/Release). `npm run test:rpc` sets PERSIAN_LORA_REQUIRE_RPC=1: there a missing binary or an addon without
// the RPC backend fails every test instead of skipping it.
import test, { type TestFn } from 'ava';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { addonPath, native } from '../../../lib/native/addon.js';
import { packageRoot } from '../../../lib/version.js';

/** The rpc-server to start: PERSIAN_LORA_RPC_SERVER, else the one in the addon's build folder or in build/cmake. */
export const rpcServerBinary: string | undefined = [
  process.env.PERSIAN_LORA_RPC_SERVER,
  path.join(path.dirname(addonPath()), '..', 'rpc-server'),
  path.join(packageRoot, 'build', 'cmake', 'rpc-server'),
].find((p): p is string => p !== undefined && existsSync(p));

const missing = !native().systemInfo().rpc
  ? `The addon ${addonPath()} has no RPC backend: build it with PERSIAN_LORA_RPC=ON (the default native build)`
  : !rpcServerBinary ? 'No rpc-server binary: run scripts/build-rpc-server.sh (or set PERSIAN_LORA_RPC_SERVER)' : undefined;

/** Whether the addon has the RPC backend and an rpc-server binary exists. */
export const rpcAvailable = missing === undefined;

/** ava's serial test where the addon has RPC and an rpc-server binary exists; elsewhere skipped (or failing, see above). */
export const rpcTest: TestFn = !missing ? test.serial as unknown as TestFn
  : process.env.PERSIAN_LORA_REQUIRE_RPC === '1' ? ((title: string) => test(title, (t) => t.fail(missing))) as unknown as TestFn
  : test.skip as unknown as TestFn;

/** A port nobody listens on now (the OS picks it; closed again before it is returned). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** Whether something accepts a TCP connection on 127.0.0.1:port now (the connection is closed at once). */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
  });
}

export interface RpcServerProcess {
  endpoint: string;
  child: ChildProcess;
  /** What the server printed (stdout and stderr), for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts rpc-server on 127.0.0.1 with a free port and `threads` CPU threads; resolves once it accepts connections
 * (polled at most `tries` times, 100 ms apart; rejects with its output if it exits or never listens).
 */
export async function startRpcServer(threads = 2, tries = 100): Promise<RpcServerProcess> {
  const port = await freePort();
  const child = spawn(rpcServerBinary!, ['-H', '127.0.0.1', '-p', String(port), '-t', String(threads)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d) => { output += String(d); });
  child.stderr!.on('data', (d) => { output += String(d); });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const server: RpcServerProcess = {
    endpoint: `127.0.0.1:${port}`,
    child,
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
  for (let i = 0; i < tries; i++) {
    if (child.exitCode !== null) throw new Error(`rpc-server exited (${child.exitCode}) before listening:\n${output}`);
    if (await accepts(port)) return server;
    await new Promise((r) => setTimeout(r, 100));
  }
  await server.stop();
  throw new Error(`rpc-server did not listen on ${server.endpoint} after ${tries} tries:\n${output}`);
}
