// Checks llama.cpp's tokenization of the Gemma vocabulary GGUF (bench/gemma-vocab.ts) against Hugging Face
// `tokenizers`' on the same tokenizer.json (bench/reference/gemma3-tokenization.json, made by gemma_tokenization.py):
// varied texts and the bench's held-out lines. The bench publishes Gemma figures only when every text agrees.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Model } from '../lib/model.js';
import { packageRoot } from '../lib/version.js';

export const GEMMA_REFERENCE = path.join(packageRoot, 'bench', 'reference', 'gemma3-tokenization.json');

interface Reference {
  tokenizerSha256: string;
  varied: { text: string; ids: number[] }[];
  heldout: Record<string, { linesSha256: string; ids: number[][] }>;
}
export interface Mismatch { text: string; expected: number[]; received: number[]; firstDifference: number }
export interface CheckResult { texts: number; tokens: number; mismatches: Mismatch[]; problems: string[] }

const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

/** Tokenizes every reference text with `model` (no BOS, special tokens parsed: HF `encode` always matches added tokens in the text) and lists where it differs. */
export function checkGemmaTokenization(model: Model, tokenizerJson: string, heldOut: Record<string, string[]>): CheckResult {
  const ref = JSON.parse(readFileSync(GEMMA_REFERENCE, 'utf8')) as Reference;
  const problems: string[] = [];
  if (sha256(readFileSync(tokenizerJson)) !== ref.tokenizerSha256) problems.push(`${tokenizerJson} is not the tokenizer.json the reference was made from`);
  const cases = [...ref.varied];
  for (const [set, lines] of Object.entries(heldOut)) {
    const r = ref.heldout[set];
    if (!r || r.linesSha256 !== sha256(JSON.stringify(lines))) { problems.push(`held-out set "${set}" differs from the reference's lines`); continue; }
    lines.forEach((text, i) => cases.push({ text, ids: r.ids[i]! }));
  }
  const mismatches: Mismatch[] = [];
  let tokens = 0;
  for (const { text, ids } of cases) {
    const received = [...model.tokenize(text, { addBos: false, special: true })];
    tokens += ids.length;
    const n = Math.max(ids.length, received.length);
    let first = 0;
    while (first < n && ids[first] === received[first]) first++;
    if (first < n) mismatches.push({ text, expected: ids, received, firstDifference: first });
  }
  return { texts: cases.length, tokens, mismatches, problems };
}
