// Finds stop strings in streamed text, holding back any tail that could be the start of one.
export class StopMatcher {
  readonly #stops: string[];
  #pending = '';

  constructor(stops: string[]) {
    this.#stops = stops;
  }

  /** Adds text; returns what can be emitted safely and whether a stop string was reached. */
  push(text: string): { emit: string; done: boolean } {
    if (this.#stops.length === 0) return { emit: text, done: false };
    const buffer = this.#pending + text;
    let cut = -1;
    for (const s of this.#stops) {
      const i = buffer.indexOf(s);
      if (i >= 0 && (cut < 0 || i < cut)) cut = i;
    }
    if (cut >= 0) {
      this.#pending = '';
      return { emit: buffer.slice(0, cut), done: true };
    }
    let hold = 0;
    for (const s of this.#stops) {
      for (let k = Math.min(s.length - 1, buffer.length); k > hold; k--) {
        if (buffer.endsWith(s.slice(0, k))) { hold = k; break; }
      }
    }
    this.#pending = buffer.slice(buffer.length - hold);
    return { emit: buffer.slice(0, buffer.length - hold), done: false };
  }

  /** Text held back at the end of the stream. */
  flush(): string {
    const rest = this.#pending;
    this.#pending = '';
    return rest;
  }
}

/**
 * Feeds generated tokens to `matcher` one at a time and stops at the token that completes a stop string, so the
 * tokens a completion reports never depend on how generation was chunked. Returns the tokens taken (that one
 * included), the text that may be emitted, and whether a stop string was reached.
 */
export function feedTokens(matcher: StopMatcher, decoder: TextDecoder, piece: (token: number) => Uint8Array, tokens: Uint32Array):
  { taken: Uint32Array; emit: string; done: boolean } {
  let emit = '';
  for (let i = 0; i < tokens.length; i++) {
    const r = matcher.push(decoder.decode(piece(tokens[i]!), { stream: true }));
    emit += r.emit;
    if (r.done) return { taken: tokens.subarray(0, i + 1), emit, done: true };
  }
  return { taken: tokens, emit, done: false };
}
