// TypeScript port of llama.cpp's byte-level BPE tokenizer (llm_tokenizer_bpe_session) with the Llama 3, Qwen2 and Qwen3.5 pre-tokenizers.
import { PersianLoraError } from '../errors.js';
import { Heap } from './heap.js';
import { partitionSpecial, specialTokens } from './spm-tokenizer.js';
import { TOKEN_TYPE, type Vocab } from './vocab.js';

/** GPT-2's byte → printable character table (bytes_to_unicode). */
export const BYTE_TO_CHAR: readonly string[] = (() => {
  const keep = (b: number): boolean => (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
  const out: string[] = [];
  let n = 0;
  for (let b = 0; b < 256; b++) out.push(String.fromCharCode(keep(b) ? b : 256 + n++));
  return out;
})();
const CHAR_TO_BYTE = new Map(BYTE_TO_CHAR.map((c, b) => [c, b]));

/** UTF-8 bytes of `text` in GPT-2's byte-level alphabet. */
export function byteEncode(text: string): string {
  let s = '';
  for (const b of Buffer.from(text, 'utf8')) s += BYTE_TO_CHAR[b];
  return s;
}

/** Inverse of byteEncode (for whole tokens; partial UTF-8 sequences decode to U+FFFD). */
export function byteDecode(encoded: string): string {
  const bytes: number[] = [];
  for (const c of encoded) {
    const b = CHAR_TO_BYTE.get(c);
    if (b === undefined) throw new PersianLoraError('ERR_BAD_FORMAT', `"${encoded}" is not byte-level BPE text: ${JSON.stringify(c)} is outside the byte alphabet`);
    bytes.push(b);
  }
  return Buffer.from(bytes).toString('utf8');
}

/** Unicode White_Space as llama.cpp's unicode_set_whitespace lists it (JS `\s` differs: it has U+FEFF, lacks U+0085). */
const WS = '\\t\\n\\v\\f\\r \\x85\\xA0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000';

/**
 * A pre-tokenizer regex of llama.cpp's Llama 3 family (case-insensitive contractions spelled out): `letter` is the
 * class words are made of, `digits` how numbers split.
 */
function preRegex(letter: string, digits: string): RegExp {
  return new RegExp(
    `(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?[${letter}]+|${digits}` +
    `| ?[^${WS}${letter}\\p{N}]+[\\r\\n]*|[${WS}]*[\\r\\n]+|[${WS}]+(?![^${WS}])|[${WS}]+`, 'gu');
}

/** The Llama 3 pre-tokenizer regex, as llama.cpp adapts it: numbers in runs of up to three digits. */
export const LLAMA3_PRE_REGEX = preRegex('\\p{L}', '\\p{N}{1,3}');
/** The Qwen2 pre-tokenizer regex (LLAMA_VOCAB_PRE_TYPE_QWEN2): Llama 3's with every digit a word of its own. */
export const QWEN2_PRE_REGEX = preRegex('\\p{L}', '\\p{N}');
/** The Qwen3.5 pre-tokenizer regex (LLAMA_VOCAB_PRE_TYPE_QWEN35): Qwen2's with combining marks (\p{M}) inside words. */
export const QWEN35_PRE_REGEX = preRegex('\\p{L}\\p{M}', '\\p{N}');

/** How llama.cpp pre-tokenizes and merges for one tokenizer.ggml.pre family (llama-vocab.cpp, llm_tokenizer_bpe). */
export interface BpePreTokenizer {
  readonly family: 'llama3' | 'qwen2' | 'qwen35';
  readonly regex: RegExp;
  /** a pre-tokenizer word that is a token stays whole without merging (llama.cpp's ignore_merges) */
  readonly ignoreMerges: boolean;
  /** llama.cpp's add_bos default for the family (tokenizer.ggml.add_bos_token overrides it) */
  readonly addBos: boolean;
}

export const LLAMA3_PRE: BpePreTokenizer = { family: 'llama3', regex: LLAMA3_PRE_REGEX, ignoreMerges: true, addBos: true };
export const QWEN2_PRE: BpePreTokenizer = { family: 'qwen2', regex: QWEN2_PRE_REGEX, ignoreMerges: false, addBos: false };
export const QWEN35_PRE: BpePreTokenizer = { family: 'qwen35', regex: QWEN35_PRE_REGEX, ignoreMerges: false, addBos: false };

/** tokenizer.ggml.pre names llama.cpp maps to LLAMA_VOCAB_PRE_TYPE_LLAMA3, _QWEN2 and _QWEN35. */
const PRE_BY_NAME = new Map<string, BpePreTokenizer>([
  ...['llama3', 'llama-v3', 'llama-bpe', 'falcon3', 'falcon-h1', 'pixtral', 'midm-2.0', 'lfm2', 'jina-v5-nano'].map((n) => [n, LLAMA3_PRE] as const),
  ...['qwen2', 'deepseek-r1-qwen', 'kormo', 'f2llmv2', 'megrez'].map((n) => [n, QWEN2_PRE] as const),
  ['qwen35', QWEN35_PRE],
]);

/** The pre-tokenizer of a byte-level BPE vocabulary; other pre-tokenizers are refused by name. */
export function bpePreTokenizer(vocab: Vocab): BpePreTokenizer {
  const pre = PRE_BY_NAME.get(vocab.pre);
  if (!pre) {
    throw new PersianLoraError('ERR_INVALID_OPTION', `Expected a Llama 3, Qwen2 or Qwen3.5 pre-tokenizer (one of ${[...PRE_BY_NAME.keys()].join(', ')}) for tokenizer.ggml.pre but received "${vocab.pre}"`);
  }
  return pre;
}

/** Split text into pre-tokenizer words (not byte-encoded). */
export function preTokenize(text: string, pre: BpePreTokenizer = LLAMA3_PRE): string[] {
  return text.match(pre.regex) ?? [];
}

interface Sym { prev: number; next: number; text: string }
interface Bigram { left: number; right: number; text: string; rank: number }

/** llama.cpp's BPE tokenizer over a vocabulary with `tokenizer.ggml.model = "gpt2"` and a Llama 3, Qwen2 or Qwen3.5 pre-tokenizer. */
export class BpeTokenizer {
  readonly pre: BpePreTokenizer;
  private readonly toId = new Map<string, number>();
  private readonly ranks = new Map<string, number>();
  /** the BOS id tokenize({ addSpecial }) prepends, -1 when it adds none */
  private readonly bosId: number;
  /** special tokens for parseSpecial false / true */
  private readonly special: [number[], number[]];

  constructor(readonly vocab: Vocab) {
    if (vocab.model !== 'gpt2') {
      throw new PersianLoraError('ERR_INVALID_OPTION', `Expected a byte-level BPE vocabulary (tokenizer.ggml.model "gpt2") but received "${vocab.model}"`);
    }
    this.pre = bpePreTokenizer(vocab);
    vocab.tokens.forEach((t, i) => this.toId.set(t, i));
    vocab.merges.forEach((m, i) => { if (!this.ranks.has(m)) this.ranks.set(m, i); }); // first wins, as bpe_ranks.emplace
    const bos = vocab.bosId ?? vocab.types.findIndex((t, i) => t === TOKEN_TYPE.CONTROL && vocab.tokens[i] === '<|begin_of_text|>');
    this.bosId = (vocab.addBos ?? this.pre.addBos) ? bos : -1;
    this.special = [specialTokens(vocab, false), specialTokens(vocab, true)];
  }

  idOf(token: string): number | undefined { return this.toId.get(token); }
  rankOf(left: string, right: string): number | undefined { return this.ranks.get(`${left} ${right}`); }

  /** Tokenize user text as llama_tokenize does; `addSpecial` prepends BOS. */
  tokenize(text: string, options: { addSpecial?: boolean; parseSpecial?: boolean } = {}): number[] {
    const out: number[] = [];
    if (options.addSpecial && this.bosId >= 0) out.push(this.bosId);
    for (const f of partitionSpecial(this.vocab, text, this.special[options.parseSpecial ? 1 : 0])) {
      if ('token' in f) { out.push(f.token); continue; }
      for (const word of preTokenize(f.text, this.pre)) this.tokenizeWord(byteEncode(word), out);
    }
    return out;
  }

  /** Apply the merges to one byte-encoded word, appending ids to `out`. */
  tokenizeWord(encoded: string, out: number[] = []): number[] {
    for (const s of this.segment(encoded)) {
      const id = this.toId.get(s);
      if (id !== undefined) { out.push(id); continue; }
      for (const b of Buffer.from(s, 'utf8')) {
        const bid = b < 0x80 ? this.toId.get(String.fromCharCode(b)) : undefined;
        if (bid !== undefined) out.push(bid);
      }
    }
    return out;
  }

  /** Final symbols of one byte-encoded word after merging (with ignore_merges a word that is a token stays whole). */
  segment(encoded: string): string[] {
    return bpeSegment(encoded, (l, r) => this.ranks.get(`${l} ${r}`), (t) => this.pre.ignoreMerges && this.toId.has(t));
  }
}

/**
 * One word through llm_tokenizer_bpe_session: a word for which `isToken` holds stays whole (ignore_merges), otherwise characters
 * are merged pairwise by lowest merge rank, leftmost first. `rankOf` gives a merge's rank (undefined: no such merge).
 */
export function bpeSegment(encoded: string, rankOf: (left: string, right: string) => number | undefined, isToken: (text: string) => boolean): string[] {
  if (encoded.length === 0) return [];
  if (isToken(encoded)) return [encoded];
  const chars = Array.from(encoded);
  const symbols: Sym[] = chars.map((c, i) => ({ prev: i - 1, next: i + 1 === chars.length ? -1 : i + 1, text: c }));
  const queue = new Heap<Bigram>((a, b) => a.rank < b.rank || (a.rank === b.rank && a.left < b.left));
  const add = (left: number, right: number): void => {
    if (left === -1 || right === -1) return;
    const l = symbols[left]!.text, r = symbols[right]!.text;
    const rank = rankOf(l, r);
    if (rank !== undefined) queue.push({ left, right, text: l + r, rank });
  };
  for (let i = 1; i < symbols.length; i++) add(i - 1, i);
  for (let b = queue.pop(); b !== undefined; b = queue.pop()) {
    const l = symbols[b.left]!, r = symbols[b.right]!;
    if (l.text.length === 0 || r.text.length === 0 || l.text + r.text !== b.text) continue;
    l.text += r.text;
    r.text = '';
    l.next = r.next;
    if (r.next >= 0) symbols[r.next]!.prev = b.left;
    add(l.prev, b.left);
    add(b.left, l.next);
  }
  return symbols.filter((s) => s.text.length > 0).map((s) => s.text);
}
