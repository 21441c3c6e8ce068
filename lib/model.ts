// Model: a loaded GGUF file — tokenizer, metadata, contexts and LoRA adapters. Entry point: loadModel().
import { existsSync } from 'node:fs';
import { parseOptions } from './config/validate.js';
import { contextSchema, loadModelSchema, tokenizeSchema, type ContextOptions, type LoadModelOptions, type TokenizeOptions } from './config/inference.js';
import { PersianLoraError, fromNativeError, invalidOption } from './errors.js';
import { linkAbort, throwIfAborted } from './abort.js';
import { native, type NativeModel, type NativeModelInfo } from './native/addon.js';
import { Context } from './context.js';
import { Adapter, misparsedScale } from './adapter.js';
import { checkContextMemory } from './gguf/context-memory.js';
import type { HyperParameters } from './gguf/hparams.js';
import { readModelGguf } from './gguf/model-file.js';
import { checkAdapterValues } from './lora/adapter-read.js';
import { readGgufMetadata } from './vocab/gguf-read.js';

export type ModelInfo = NativeModelInfo;

export interface ChatMessage {
  role: string;
  content: string;
}

/** Loads a GGUF model. Rejects with a PersianLoraError (`.code`) naming the file and the problem. */
export async function loadModel(path: string, options: LoadModelOptions = {}): Promise<Model> {
  if (typeof path !== 'string' || path.length === 0) throw invalidOption('a path to a GGUF file', 'loadModel path', path);
  const o = parseOptions(loadModelSchema, options, 'loadModel options');
  throwIfAborted(o.signal);
  // the validation layer first: llama.cpp's loader aborts the process on some bad hyper-parameters
  if (!existsSync(path)) throw new PersianLoraError('ERR_FILE_NOT_FOUND', `File not found: ${path}`);
  const hyperParameters = o.vocabOnly ? (readGgufMetadata(path), undefined) : readModelGguf(path).hyperParameters;
  const addon = native();
  const offload = o.devices ? !(o.devices.length === 1 && o.devices[0]!.toLowerCase() === 'cpu') : addon.systemInfo().gpuOffload;
  const gpuLayers = o.gpuLayers === 'all' ? -1 : o.gpuLayers === 'auto' ? (offload ? -1 : 0) : o.gpuLayers;
  const link = linkAbort(o.signal);
  try {
    const handle = await addon.loadModel(path, { gpuLayers, vocabOnly: o.vocabOnly, useMmap: o.useMmap, repack: o.repack, ...(o.devices ? { devices: o.devices } : {}) }, o.onProgress as ((p: number) => void) | undefined, link.token);
    return new Model(handle, path, hyperParameters);
  } catch (error) {
    const e = fromNativeError(error);
    if (e instanceof PersianLoraError && e.code === 'ERR_ABORTED' && o.signal?.aborted) throw o.signal.reason;
    throw e;
  } finally {
    link.release();
  }
}

export class Model {
  readonly path: string;
  readonly info: ModelInfo;
  #handle: NativeModel | undefined;
  /** as the validation layer read them (absent for vocabOnly loads) */
  readonly #hyperParameters: HyperParameters | undefined;

  constructor(handle: NativeModel, path: string, hyperParameters?: HyperParameters) {
    this.#handle = handle;
    this.path = path;
    this.info = handle.info();
    this.#hyperParameters = hyperParameters;
  }

  /** The native handle; throws once disposed. */
  get handle(): NativeModel {
    if (!this.#handle) throw new PersianLoraError('ERR_DISPOSED', `The model ${this.path} has been disposed`);
    return this.#handle;
  }

  get disposed(): boolean {
    return this.#handle === undefined;
  }

  tokenize(text: string, options: TokenizeOptions = {}): Uint32Array {
    if (typeof text !== 'string') throw invalidOption('a string', 'tokenize text', text);
    const o = parseOptions(tokenizeSchema, options, 'tokenize options');
    return call(() => this.handle.tokenize(text, o.addBos, o.special));
  }

  detokenize(tokens: Uint32Array, options: { special?: boolean } = {}): string {
    if (!(tokens instanceof Uint32Array)) throw invalidOption('a Uint32Array', 'detokenize tokens', tokens);
    return call(() => this.handle.detokenize(tokens, options.special ?? false));
  }

  /** The bytes of one token's piece (may be part of a UTF-8 character). */
  tokenPiece(token: number, options: { special?: boolean } = {}): Uint8Array {
    if (!Number.isInteger(token) || token < 0) throw invalidOption('a non-negative integer token id', 'tokenPiece token', token);
    return call(() => this.handle.tokenPiece(token, options.special ?? false));
  }

  /** Renders messages with the model's chat template (or `template`), through llama.cpp's template engine. */
  applyChatTemplate(messages: ChatMessage[], options: { addAssistant?: boolean; template?: string } = {}): string {
    return call(() => this.handle.applyChatTemplate(messages, options.addAssistant ?? true, options.template));
  }

  async createContext(options: ContextOptions = {}): Promise<Context> {
    const o = parseOptions(contextSchema, options, 'createContext options');
    if (this.#hyperParameters) checkContextMemory(this.path, this.#hyperParameters, o);
    try {
      return new Context(this, await this.handle.createContext(o));
    } catch (error) {
      throw fromNativeError(error);
    }
  }

  /** Loads a llama.cpp LoRA adapter GGUF made for this model. */
  async loadAdapter(path: string): Promise<Adapter> {
    if (typeof path !== 'string' || path.length === 0) throw invalidOption('a path to an adapter GGUF', 'loadAdapter path', path);
    if (!existsSync(path)) throw misparsedScale(path) ?? new PersianLoraError('ERR_FILE_NOT_FOUND', `File not found: ${path}`);
    await checkAdapterValues(path);
    try {
      return new Adapter(this, await this.handle.loadAdapter(path), path);
    } catch (error) {
      throw fromNativeError(error);
    }
  }

  /** Frees the model when no context or adapter uses it any more. Idempotent. */
  dispose(): void {
    this.#handle?.dispose();
    this.#handle = undefined;
  }
}

function call<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    throw fromNativeError(error);
  }
}
