// Adapter: a llama.cpp LoRA adapter loaded for one model; apply it to a context with a scale.
import { PersianLoraError } from './errors.js';
import type { NativeAdapter } from './native/addon.js';
import type { Model } from './model.js';

export class Adapter {
  readonly model: Model;
  readonly path: string;
  /** adapter.lora.alpha, 0 when the file does not say. */
  readonly alpha: number;
  readonly metadata: Record<string, string>;
  #handle: NativeAdapter | undefined;

  constructor(model: Model, handle: NativeAdapter, path: string) {
    this.model = model;
    this.path = path;
    this.#handle = handle;
    const info = handle.info();
    this.alpha = info.alpha;
    this.metadata = info.metadata;
  }

  get handle(): NativeAdapter {
    if (!this.#handle) throw new PersianLoraError('ERR_DISPOSED', `The adapter ${this.path} has been disposed`);
    return this.#handle;
  }

  /** Frees the adapter once no context applies it. Idempotent. */
  dispose(): void {
    this.#handle?.dispose();
    this.#handle = undefined;
  }
}
