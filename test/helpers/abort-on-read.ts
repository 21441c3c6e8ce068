// Deterministic aborts for tests: a signal that aborts itself when read for the n-th time, so a cut falls at the same
// point of the work whatever the machine's speed or load (timers race the work on fast or busy hosts).

/** An AbortSignal whose `aborted` getter counts its reads and aborts on read `n` (never when n is Infinity). */
export function abortOnRead(n: number): AbortSignal & { readonly reads: number } {
  const controller = new AbortController();
  const aborted = Object.getOwnPropertyDescriptor(AbortSignal.prototype, 'aborted')!.get!;
  let reads = 0;
  Object.defineProperty(controller.signal, 'aborted', {
    get(this: AbortSignal) {
      if (++reads === n) controller.abort(new Error('stop'));
      return aborted.call(this);
    },
  });
  Object.defineProperty(controller.signal, 'reads', { get: () => reads });
  return controller.signal as AbortSignal & { readonly reads: number };
}
