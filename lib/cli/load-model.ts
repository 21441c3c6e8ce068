// The model and adapters of generate, chat and eval, from their shared options (-m, --lora, --gpu-layers, --device;
// the RPC servers of --rpc are connected first by the command: lib/cli/rpc.ts).
import { gpuLayersOption, loraOptions, requiredOption, type ParsedValues } from './command.js';
import { deviceListOption } from './rpc.js';
import { loadModel, type Model } from '../model.js';
import type { AppliedAdapter } from '../context.js';

/** Loads --model (onto --device's devices, or `devices`) and every --lora; the caller disposes the model. */
export async function loadModelOptions(values: ParsedValues, signal: AbortSignal, devices = deviceListOption(values, 'device')): Promise<{ model: Model; adapters: AppliedAdapter[] }> {
  const file = requiredOption(values, 'model', 'a GGUF model path');
  const loras = loraOptions(values);
  const model = await loadModel(file, { gpuLayers: gpuLayersOption(values), signal, ...(devices ? { devices } : {}) });
  try {
    const adapters: AppliedAdapter[] = [];
    for (const { path, scale } of loras) adapters.push({ adapter: await model.loadAdapter(path), scale });
    return { model, adapters };
  } catch (error) {
    model.dispose();
    throw error;
  }
}
