// The model and adapters of generate, chat and eval, from their shared options (-m, --lora, --gpu-layers).
import { gpuLayersOption, loraOptions, requiredOption, type ParsedValues } from './command.js';
import { loadModel, type Model } from '../model.js';
import type { AppliedAdapter } from '../context.js';

/** Loads --model and every --lora; the caller disposes the model. */
export async function loadModelOptions(values: ParsedValues, signal: AbortSignal): Promise<{ model: Model; adapters: AppliedAdapter[] }> {
  const file = requiredOption(values, 'model', 'a GGUF model path');
  const loras = loraOptions(values);
  const model = await loadModel(file, { gpuLayers: gpuLayersOption(values), signal });
  try {
    const adapters: AppliedAdapter[] = [];
    for (const { path, scale } of loras) adapters.push({ adapter: await model.loadAdapter(path), scale });
    return { model, adapters };
  } catch (error) {
    model.dispose();
    throw error;
  }
}
