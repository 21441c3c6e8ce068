// A small tokenizer for format tests: one id per character (code point + 100), two specials, and one merge ("\n\n").
import type { ChatMessage, Tokenizer } from '../../../../lib/data/tokenizer.js';

const SPECIALS: Record<string, number> = { '<|im_start|>': 3, '<|im_end|>': 4 };
export const NEWLINE_PAIR = 6;

export class FakeTokenizer implements Tokenizer {
  readonly bos: number | null = 1;
  readonly eos: number | null = 2;
  calls = 0;

  tokenize(text: string, opts: { addBos: boolean; parseSpecial: boolean }): Uint32Array {
    this.calls++;
    const ids: number[] = opts.addBos && this.bos !== null ? [this.bos] : [];
    let i = 0;
    outer: while (i < text.length) {
      if (opts.parseSpecial) {
        for (const [special, id] of Object.entries(SPECIALS)) {
          if (text.startsWith(special, i)) {
            ids.push(id);
            i += special.length;
            continue outer;
          }
        }
      }
      if (text.startsWith('\n\n', i)) {
        ids.push(NEWLINE_PAIR);
        i += 2;
        continue;
      }
      const cp = text.codePointAt(i)!;
      ids.push(cp + 100);
      i += cp > 0xffff ? 2 : 1;
    }
    return Uint32Array.from(ids);
  }

  applyChatTemplate(messages: ChatMessage[], addAssistantPrefix: boolean): string {
    return messages.map((m) => `<|im_start|>${m.role}\n${m.content}<|im_end|>\n`).join('') + (addAssistantPrefix ? '<|im_start|>assistant\n' : '');
  }
}

/** Text of ids (specials and BOS/EOS shown by name). */
export function decode(ids: ArrayLike<number>): string {
  let out = '';
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    out += id === 1 ? '<s>' : id === 2 ? '</s>' : id === 3 ? '<|im_start|>' : id === 4 ? '<|im_end|>' : id === NEWLINE_PAIR ? '\n\n' : id === 0 ? '<pad>' : String.fromCodePoint(id - 100);
  }
  return out;
}

/** The text of the tokens with weight 1. */
export function trainedText(tokens: Uint32Array, weights: Float32Array): string {
  return decode(Array.from(tokens).filter((_, i) => weights[i]! > 0));
}
