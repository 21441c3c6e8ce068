// Ctrl-C and SIGTERM for the CLI: the first aborts the command's signal (long commands finish their step, keep what
// they made and exit 130), a second forces the exit; a command may take Ctrl-C over (chat: it stops a reply).
import type { Writable } from 'node:stream';

/** Exit code of a command stopped by an interrupt (128 + SIGINT), as shells report it. */
export const INTERRUPTED = 130;

export class Interrupts {
  readonly #controller = new AbortController();
  readonly #stderr: Writable | NodeJS.WritableStream;
  readonly #exit: (code: number) => void;
  #count = 0;
  #handler: (() => void) | undefined;

  constructor(stderr: Writable | NodeJS.WritableStream, exit: (code: number) => void = (code) => process.exit(code)) {
    this.#stderr = stderr;
    this.#exit = exit;
  }

  /** Aborted by the first interrupt that no command took over. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Sends Ctrl-C (not SIGTERM) to `handler` instead, until the returned function is called. */
  takeOver(handler: () => void): () => void {
    this.#handler = handler;
    return () => {
      if (this.#handler === handler) this.#handler = undefined;
    };
  }

  interrupt(kind: 'SIGINT' | 'SIGTERM'): void {
    if (kind === 'SIGINT' && this.#handler) {
      this.#handler();
      return;
    }
    this.#count += 1;
    if (this.#count > 1) {
      this.#exit(INTERRUPTED);
      return;
    }
    this.#stderr.write(`\n${kind === 'SIGTERM' ? 'Terminated' : 'Interrupted'}: finishing the current step (press Ctrl-C again to force quit)\n`);
    this.#controller.abort(new Error('interrupted'));
  }

  /** Routes the process's SIGINT and SIGTERM here. */
  listen(): this {
    process.on('SIGINT', () => this.interrupt('SIGINT'));
    process.on('SIGTERM', () => this.interrupt('SIGTERM'));
    return this;
  }
}
