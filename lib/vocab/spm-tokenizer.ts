// TypeScript port of llama.cpp's SentencePiece tokenizer (llm_tokenizer_spm_session), for fertility and reachability checks.
import { PersianLoraError } from '../errors.js';
import { Heap } from './heap.js';
import { TOKEN_TYPE, type Vocab } from './vocab.js';

/** U+2581, the SentencePiece stand-in for a space. */
export const SPACE_MARK = '\u2581';

/** `len` counts characters (chars[start, start+len) is the text); `size` counts UTF-16 units, used for staleness */
interface Sym { prev: number; next: number; start: number; len: number; size: number }
interface Bigram { left: number; right: number; score: number; size: number }

/** A fragment of the input: raw text or an already-resolved special token. */
export type Fragment = { text: string } | { token: number };

/**
 * Ids of the tokens llama.cpp's tokenizer_st_partition splits text on, longest text first: USER_DEFINED tokens always,
 * CONTROL and UNKNOWN tokens only when `parseSpecial`. (LSTRIP/RSTRIP attributes are not modelled.)
 */
export function specialTokens(vocab: Vocab, parseSpecial: boolean): number[] {
  const special: number[] = [];
  for (let id = 0; id < vocab.tokens.length; id++) {
    const t = vocab.types[id];
    if (t === TOKEN_TYPE.USER_DEFINED || (parseSpecial && (t === TOKEN_TYPE.CONTROL || t === TOKEN_TYPE.UNKNOWN))) {
      if (vocab.tokens[id]!.length > 0) special.push(id);
    }
  }
  return special.sort((a, b) => vocab.tokens[b]!.length - vocab.tokens[a]!.length);
}

/** Split text around the given special tokens (see specialTokens), in their order. */
export function partitionSpecial(vocab: Vocab, text: string, special: readonly number[]): Fragment[] {
  let frags: Fragment[] = text.length > 0 ? [{ text }] : [];
  for (const id of special) {
    const st = vocab.tokens[id]!;
    const next: Fragment[] = [];
    for (const f of frags) {
      if (!('text' in f) || !f.text.includes(st)) { next.push(f); continue; }
      f.text.split(st).forEach((p, i) => {
        if (i > 0) next.push({ token: id });
        if (p.length > 0) next.push({ text: p });
      });
    }
    frags = next;
  }
  return frags;
}

export interface SpmTokenizeOptions {
  /** prepend BOS when the vocabulary says so (llama.cpp `add_special`); default false, as in its tokenizer tests */
  addSpecial?: boolean;
  /** recognise CONTROL tokens written in the text; default false */
  parseSpecial?: boolean;
}

/** llama.cpp's SPM tokenizer over a vocabulary with `tokenizer.ggml.model = "llama"`. */
export class SpmTokenizer {
  private readonly toId = new Map<string, number>();
  private readonly byteIds: Int32Array;
  private readonly bosId: number;
  /** special tokens for parseSpecial false / true */
  private readonly special: [number[], number[]];

  constructor(readonly vocab: Vocab) {
    if (vocab.model !== 'llama') {
      throw new PersianLoraError('ERR_INVALID_OPTION', `Expected a SentencePiece vocabulary (tokenizer.ggml.model "llama") but received "${vocab.model}"`);
    }
    vocab.tokens.forEach((t, i) => this.toId.set(t, i)); // later duplicates win, as in llama.cpp's token_to_id
    this.byteIds = new Int32Array(256).fill(-1);
    for (let b = 0; b < 256; b++) {
      const hex = `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`;
      this.byteIds[b] = this.toId.get(hex) ?? this.toId.get(String.fromCharCode(b)) ?? -1;
    }
    this.bosId = vocab.types.findIndex((t, i) => t === TOKEN_TYPE.CONTROL && vocab.tokens[i] === '<s>');
    this.special = [specialTokens(vocab, false), specialTokens(vocab, true)];
  }

  idOf(piece: string): number | undefined { return this.toId.get(piece); }

  /** Score of a piece, undefined when the text is not a piece. */
  readonly scoreOf = (text: string): number | undefined => {
    const id = this.toId.get(text);
    return id === undefined ? undefined : this.vocab.scores[id];
  };

  /** Tokenize user text as llama_tokenize does (space prefix, space escaping, special-token partition). */
  tokenize(text: string, options: SpmTokenizeOptions = {}): number[] {
    const out: number[] = [];
    if (options.addSpecial && this.bosId >= 0) out.push(this.bosId);
    let prevSpecial = true;
    for (const f of partitionSpecial(this.vocab, text, this.special[options.parseSpecial ? 1 : 0])) {
      if ('token' in f) { out.push(f.token); prevSpecial = true; continue; }
      const raw = (this.vocab.addSpacePrefix && prevSpecial ? ' ' : '') + f.text;
      this.tokenizeEscaped(raw.replaceAll(' ', SPACE_MARK), out);
      prevSpecial = false;
    }
    return out;
  }

  /** Final symbols of the merge phase for already-escaped text (before byte fallback). */
  segment(escaped: string): string[] { return spmSegment(escaped, this.scoreOf); }

  /** llm_tokenizer_spm_session::tokenize on already-escaped text, appending ids to `out`. */
  tokenizeEscaped(escaped: string, out: number[] = []): number[] {
    const { symbols, chars, revMerge } = spmMerge(escaped, this.scoreOf);
    const textOf = (s: Sym): string => chars.slice(s.start, s.start + s.len).join('');
    const resegment = (s: Sym): void => {
      const text = textOf(s);
      const id = this.toId.get(text);
      if (id !== undefined) { out.push(id); return; }
      const p = revMerge.get(text);
      if (p === undefined) {
        for (const b of Buffer.from(text, 'utf8')) {
          const bid = this.byteIds[b]!;
          if (bid < 0) throw new PersianLoraError('ERR_BAD_FORMAT', `SPM vocabulary has no byte token <0x${b.toString(16).toUpperCase().padStart(2, '0')}> for "${text}"`);
          out.push(bid);
        }
        return;
      }
      resegment(symbols[p[0]]!);
      resegment(symbols[p[1]]!);
    };
    for (let i = symbols.length > 0 ? 0 : -1; i !== -1; i = symbols[i]!.next) resegment(symbols[i]!);
    return out;
  }
}

/**
 * The merge phase of llm_tokenizer_spm_session: characters as symbols, adjacent pairs whose concatenation is a piece
 * merged by highest score, leftmost first. `scoreOf` gives a piece's score (undefined: not a piece).
 */
export function spmMerge(escaped: string, scoreOf: (text: string) => number | undefined): { symbols: Sym[]; chars: string[]; revMerge: Map<string, [number, number]> } {
  const chars = Array.from(escaped);
  const symbols: Sym[] = chars.map((c, i) => ({ prev: i - 1, next: i + 1 === chars.length ? -1 : i + 1, start: i, len: 1, size: c.length }));
  const queue = new Heap<Bigram>((a, b) => a.score > b.score || (a.score === b.score && a.left < b.left));
  const revMerge = new Map<string, [number, number]>();
  const tryAdd = (left: number, right: number): void => {
    if (left === -1 || right === -1) return;
    const l = symbols[left]!, r = symbols[right]!;
    const text = chars.slice(l.start, r.start + r.len).join('');
    const score = scoreOf(text);
    if (score === undefined) return;
    queue.push({ left, right, score, size: text.length });
    revMerge.set(text, [left, right]);
  };
  for (let i = 1; i < symbols.length; i++) tryAdd(i - 1, i);
  for (let b = queue.pop(); b !== undefined; b = queue.pop()) {
    const l = symbols[b.left]!, r = symbols[b.right]!;
    if (l.len === 0 || r.len === 0 || l.size + r.size !== b.size) continue;
    l.len += r.len;
    l.size += r.size;
    r.len = 0;
    r.size = 0;
    l.next = r.next;
    if (r.next >= 0) symbols[r.next]!.prev = b.left;
    tryAdd(l.prev, b.left);
    tryAdd(b.left, l.next);
  }
  return { symbols, chars, revMerge };
}

/** Final symbols of spmMerge as strings. */
export function spmSegment(escaped: string, scoreOf: (text: string) => number | undefined): string[] {
  const { symbols, chars } = spmMerge(escaped, scoreOf);
  const out: string[] = [];
  for (let i = symbols.length > 0 ? 0 : -1; i !== -1; i = symbols[i]!.next) {
    const s = symbols[i]!;
    out.push(chars.slice(s.start, s.start + s.len).join(''));
  }
  return out;
}
