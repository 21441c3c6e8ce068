// The tokenizer surface the data formats need (the native model implements it) and the training-example shape they produce.

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant' | (string & {});
  content: string;
}

export interface TokenizeOptions {
  /** Prepend the BOS token when the vocabulary asks for one. */
  addBos: boolean;
  /** Turn special-token text (`<|im_start|>`, `</s>`) into the special token instead of plain text. */
  parseSpecial: boolean;
}

export interface Tokenizer {
  tokenize(text: string, opts: TokenizeOptions): Uint32Array;
  readonly bos: number | null;
  readonly eos: number | null;
  /** Render messages with the model's own chat template (from its GGUF); with `addAssistantPrefix`, end with the opening of an assistant turn. */
  applyChatTemplate?(messages: ChatMessage[], addAssistantPrefix: boolean): string;
}

/**
 * What the training engine consumes. `weights[i]` is the loss weight for predicting `tokens[i]` from `tokens[0..i-1]`
 * (1 = train on it, 0 = context only), so `weights[0]` is always 0. `docBoundaries` lists the offsets where documents
 * start inside a packed block (always starting with 0): attention should stay inside each document.
 */
export interface TrainingExample {
  tokens: Uint32Array;
  weights: Float32Array;
  docBoundaries?: Uint32Array;
}
