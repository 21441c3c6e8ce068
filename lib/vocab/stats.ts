// Tokenizer statistics of a GGUF vocabulary on texts, with llama.cpp's own tokenizer (through the addon, vocabulary only).
import { tokenizerStats, type LanguageStats } from '../data/analytics.js';
import type { Tokenizer } from '../data/tokenizer.js';
import { loadModel, type Model } from '../model.js';
import { readGgufMetadata } from './gguf-read.js';
import { TOKEN_TYPE, vocabFromMetadata } from './vocab.js';

const BYTE_PIECE = /^<0x[0-9A-Fa-f]{2}>$/;
/** The unknown-token id llama.cpp assumes when tokenizer.ggml.unknown_token_id is absent (llama-vocab.cpp). */
const DEFAULT_UNK: Record<string, number> = { llama: 0, bert: 100 };

export interface VocabularyClasses {
  /** ids of byte-fallback tokens: GGUF token type BYTE, or text `<0xXX>` */
  byteIds: Set<number>;
  /** the vocabulary's unknown-token id, or null when it has none */
  unknownId: number | null;
}

/** Byte-fallback ids and the unknown id of a GGUF vocabulary, read from its metadata. */
export function vocabularyClasses(file: string): VocabularyClasses {
  const meta = readGgufMetadata(file);
  const vocab = vocabFromMetadata(meta);
  const byteIds = new Set<number>();
  vocab.tokens.forEach((text, id) => {
    if (vocab.types[id] === TOKEN_TYPE.BYTE || BYTE_PIECE.test(text)) byteIds.add(id);
  });
  const unkKv = meta.kv.get('tokenizer.ggml.unknown_token_id');
  let unknownId: number | null = unkKv ? Number(unkKv.value) : DEFAULT_UNK[vocab.model] ?? null;
  if (unknownId !== null && (unknownId < 0 || unknownId >= vocab.tokens.length)) unknownId = null;
  return { byteIds, unknownId };
}

/** The data toolkit's Tokenizer over a loaded model (llama.cpp's tokenizer). */
export function modelTokenizer(model: Model): Tokenizer {
  return {
    tokenize: (text, o) => model.tokenize(text, { addBos: o.addBos, special: o.parseSpecial }),
    bos: model.info.bos >= 0 ? model.info.bos : null,
    eos: model.info.eos >= 0 ? model.info.eos : null,
  };
}

export interface VocabStatsOptions {
  /** a language code for every text, or `auto` (Arabic-script ratio: fa, else en). Default auto. */
  language?: string;
}

/** Fertility, characters per token, byte-fallback and unknown rates per language of `texts` under the model's vocabulary. */
export async function vocabStats(modelPath: string, texts: AsyncIterable<string> | Iterable<string>, options: VocabStatsOptions = {}): Promise<Record<string, LanguageStats>> {
  const classes = vocabularyClasses(modelPath);
  const model = await loadModel(modelPath, { vocabOnly: true });
  try {
    const language = options.language === undefined || options.language === 'auto' ? undefined : options.language;
    return await tokenizerStats(texts, modelTokenizer(model), {
      isByteToken: (id) => classes.byteIds.has(id),
      isUnknown: (id) => id === classes.unknownId,
      ...(language ? { language } : {}),
    });
  } finally {
    model.dispose();
  }
}
