// Bridges an AbortSignal to the native AbortToken that blocking native calls poll.
import { native, type NativeAbortToken } from './native/addon.js';

export interface AbortLink {
  token: NativeAbortToken;
  /** Detach from the signal once the call is over. */
  release(): void;
}

/** Throws the signal's reason if it is already aborted (as execa and node:fs do). */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason;
}

export function linkAbort(signal: AbortSignal | undefined): AbortLink {
  const token = new (native().AbortToken)();
  if (!signal) return { token, release() {} };
  const onAbort = () => token.abort();
  signal.addEventListener('abort', onAbort, { once: true });
  return { token, release: () => signal.removeEventListener('abort', onAbort) };
}
