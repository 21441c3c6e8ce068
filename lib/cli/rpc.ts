// --rpc host:port,… (llama.cpp's spelling) and --device d1,d2: RPC servers' devices registered before a command
// loads its model, then named by --device (docs/rpc.md).
import { PersianLoraError } from '../errors.js';
import { addRpcServers, parseRpcEndpoints, type RpcServer } from '../native/rpc.js';
import { UsageError, stringOption, type ParsedValues } from './command.js';

/** The RPC servers of --rpc, connected and registered (a line per server on stderr); none without --rpc. */
export async function connectRpcOption(values: ParsedValues, stderr: NodeJS.WritableStream): Promise<RpcServer[]> {
  const value = stringOption(values, 'rpc');
  if (value === undefined) return [];
  let endpoints: string[];
  try {
    endpoints = parseRpcEndpoints(value, '--rpc');
  } catch (error) {
    throw error instanceof PersianLoraError ? new UsageError(error.message) : error;
  }
  const servers = await addRpcServers(endpoints);
  for (const s of servers) stderr.write(`rpc: ${s.endpoint} serves ${s.devices.join(', ')}\n`);
  return servers;
}

/** A comma-separated list of device names (--device, --shard-devices); undefined when not given. */
export function deviceListOption(values: ParsedValues, name: string): string[] | undefined {
  const value = stringOption(values, name);
  if (value === undefined) return undefined;
  const list = value.split(',').map((d) => d.trim());
  if (list.some((d) => d === '')) throw new UsageError(`Expected device names separated by commas for --${name} but received ${JSON.stringify(value)}`);
  return list;
}
