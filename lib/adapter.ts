// Adapter: a llama.cpp LoRA adapter loaded for one model; apply it to a context with a scale.
import { existsSync } from 'node:fs';
import { PersianLoraError } from './errors.js';
import { printable } from './gguf/printable.js';
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

/**
 * For an adapter path that does not exist but is `<existing file>:<text>` (a `--lora file:scale` whose scale did not
 * parse, such as `file:NaN`): the error naming the scale as the problem; otherwise undefined.
 */
export function misparsedScale(path: string): PersianLoraError | undefined {
  const at = path.lastIndexOf(':');
  if (at <= 0 || existsSync(path) || !existsSync(path.slice(0, at))) return undefined;
  return new PersianLoraError('ERR_INVALID_OPTION', `Expected a finite number for the scale of adapter ${path.slice(0, at)} but received "${printable(path.slice(at + 1))}"`);
}
