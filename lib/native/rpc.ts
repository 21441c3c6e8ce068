// Devices served by ggml's RPC backend (llama.cpp's rpc-server): `--rpc host:port,host:port` as llama.cpp spells it.
import { PersianLoraError, fromNativeError, invalidOption } from '../errors.js';
import { native } from './addon.js';

/** An RPC server and the names ggml gave its devices ('RPC0', 'RPC1', … in the order servers were added). */
export interface RpcServer {
  endpoint: string;
  devices: string[];
}

export interface RpcOptions {
  /** Bound on the TCP connect and the RPC handshake of each endpoint, in ms. Default 5000. */
  timeoutMs?: number;
}

const ENDPOINT = /^([A-Za-z0-9.-]+):(\d{1,5})$/;

/**
 * `host:port` endpoints from a list or a comma-separated string (as llama.cpp's --rpc takes them); `option` names the
 * option in the error. A host is a name or an IPv4 address (ggml reads the host up to the first ':', so no IPv6).
 */
export function parseRpcEndpoints(value: string | readonly string[], option = 'rpc'): string[] {
  const list = typeof value === 'string' ? value.split(',').map((s) => s.trim()) : [...value];
  if (list.length === 0 || (typeof value === 'string' && value.trim() === '')) throw invalidOption('host:port[,host:port…]', option, value);
  for (const endpoint of list) {
    const m = typeof endpoint === 'string' ? ENDPOINT.exec(endpoint) : null;
    const port = m ? Number(m[2]) : 0;
    if (!m || port < 1 || port > 65535) throw invalidOption('host:port with a port in 1..65535', option, endpoint);
  }
  if (new Set(list).size !== list.length) throw invalidOption('each RPC server once', option, value);
  return list;
}

/**
 * Connects to RPC servers and registers their devices for this process, so that `device`/`devices` options (training,
 * loadModel) name them. An endpoint that does not answer within timeoutMs rejects with ERR_NETWORK naming it; a
 * build without the RPC backend with ERR_BACKEND. Adding a server again returns its devices as before.
 */
export async function addRpcServers(endpoints: string | readonly string[], options: RpcOptions = {}): Promise<RpcServer[]> {
  const list = parseRpcEndpoints(endpoints, 'addRpcServers endpoints');
  const timeoutMs = options.timeoutMs ?? 5000;
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > 600_000) throw invalidOption('an integer in 1..600000', 'addRpcServers timeoutMs', timeoutMs);
  try {
    return await native().addRpcServers(list, timeoutMs);
  } catch (error) {
    const e = fromNativeError(error);
    throw e instanceof PersianLoraError ? e : new PersianLoraError('ERR_NATIVE', String(e));
  }
}
