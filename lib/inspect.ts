// Summary of a GGUF model for `persian-lora inspect`: architecture, parameters, quantization mix, vocabulary, template,
// and whether the trainer can train it.
import { fromNativeError } from './errors.js';
import { native } from './native/addon.js';
import { readGgufMetadata } from './vocab/gguf-read.js';
import { loadModel } from './model.js';

export interface ModelSummary {
  path: string;
  architecture: string;
  description: string;
  fileType: string;
  parameters: number;
  sizeBytes: number;
  layers: number;
  embeddingLength: number;
  contextLength: number;
  vocabulary: { size: number; type: string; bos: number; eos: number; addBos: boolean; model: string | null };
  quantization: { type: string; tensors: number; elements: number; share: number }[];
  chatTemplate: string | null;
  /** Whether `train` can train this model; when not, the error code and message it would refuse it with. */
  trainer: { supported: boolean; code?: string; reason?: string };
}

const vocabTypes: Record<number, string> = { 0: 'none', 1: 'spm', 2: 'bpe', 3: 'wpm', 4: 'ugm', 5: 'rwkv', 6: 'plamo2' };

export async function inspectModel(path: string): Promise<ModelSummary> {
  readGgufMetadata(path); // the validation layer (lib/gguf/validate.ts) before any native reader sees the file
  let gguf, trainer;
  try {
    gguf = await native().inspectGguf(path);
    trainer = await native().trainerSupport(path);
  } catch (error) {
    throw fromNativeError(error);
  }
  const model = await loadModel(path, { vocabOnly: false, gpuLayers: 0 });
  try {
    const i = model.info;
    return {
      path,
      architecture: i.architecture,
      description: i.description,
      fileType: i.fileType,
      parameters: i.parameters,
      sizeBytes: i.sizeBytes,
      layers: i.layers,
      embeddingLength: i.embeddingLength,
      contextLength: i.contextLength,
      vocabulary: { size: i.vocabularySize, type: vocabTypes[i.vocabularyType] ?? String(i.vocabularyType), bos: i.bos, eos: i.eos, addBos: i.addBos, model: i.metadata['tokenizer.ggml.model'] ?? null },
      quantization: Object.entries(gguf.typeElements)
        .map(([type, elements]) => ({ type, tensors: gguf.tensorTypes[type] ?? 0, elements, share: elements / gguf.elements }))
        .sort((a, b) => b.elements - a.elements),
      chatTemplate: i.chatTemplate,
      trainer,
    };
  } finally {
    model.dispose();
  }
}
