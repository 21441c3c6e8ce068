// Adapts a loaded Model to the Tokenizer interface the data formats use.
import type { Tokenizer } from './data/tokenizer.js';
import type { Model } from './model.js';

export function modelTokenizer(model: Model): Tokenizer {
  const { bos, eos } = model.info;
  return {
    bos: bos >= 0 ? bos : null,
    eos: eos >= 0 ? eos : null,
    tokenize: (text, o) => model.tokenize(text, { addBos: o.addBos && model.info.addBos, special: o.parseSpecial }),
    applyChatTemplate: model.info.chatTemplate ? (messages, addAssistant) => model.applyChatTemplate(messages, { addAssistant }) : undefined,
  };
}
