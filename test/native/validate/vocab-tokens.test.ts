// Issue 14 point 8: GGUF strings are read byte for byte (a leading U+FEFF included), and every original token of every
// vocabulary in llama.cpp's models/ survives `vocab extend` byte for byte. The raw bytes are read here independently
// of the reader under test.
import test from 'ava';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { extendGguf } from '../../../lib/vocab/extend-gguf.js';
import { readGgufMetadata } from '../../../lib/vocab/gguf-read.js';
import { scratchPath } from '../helpers.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const models = path.join(root, 'third_party/llama.cpp/models');
const corpus = path.join(root, 'lib/pipeline/demo/fa-train.txt');
const vocabularies = readdirSync(models).filter((f) => /^ggml-vocab-.*\.gguf$/.test(f)).sort();
/** Vocabularies `vocab extend` handles (SentencePiece; byte-level BPE with a Llama 3, Qwen2 or Qwen3.5 pre-tokenizer): never refused. */
const EXTENDED = new Set(['llama-spm', 'llama-bpe', 'qwen2', 'qwen35', 'phi-3', 'baichuan'].map((n) => `ggml-vocab-${n}.gguf`));

/** The raw bytes of each string of tokenizer.ggml.tokens, straight from the file. */
function rawTokens(file: string): Buffer[] {
  const bytes = readFileSync(file);
  const kv = readGgufMetadata(file).kv.get('tokenizer.ggml.tokens')!;
  let at = kv.start + 8 + Buffer.byteLength(kv.key) + 4 + 4; // key length, key, value type, element type
  const n = Number(bytes.readBigUInt64LE(at));
  at += 8;
  const out: Buffer[] = [];
  for (let i = 0; i < n; i++) {
    const len = Number(bytes.readBigUInt64LE(at));
    out.push(bytes.subarray(at + 8, at + 8 + len));
    at += 8 + len;
  }
  return out;
}

test('the vocabularies are there', (t) => {
  t.true(vocabularies.length >= 10, `${vocabularies.length} vocabularies in ${models}`);
});

test("Llama 2's token 30143 is U+FEFF", (t) => {
  const tokens = readGgufMetadata(path.join(models, 'ggml-vocab-llama-spm.gguf')).kv.get('tokenizer.ggml.tokens')!.value as string[];
  t.is(tokens[30143], '\ufeff');
});

for (const name of vocabularies) {
  test(`${name}: every token decodes to its bytes; extended, every original token keeps them`, async (t) => {
    const file = path.join(models, name);
    const raw = rawTokens(file);
    const decoded = readGgufMetadata(file).kv.get('tokenizer.ggml.tokens')!.value as string[];
    t.is(decoded.length, raw.length);
    const differing = decoded.findIndex((s, i) => !Buffer.from(s, 'utf8').equals(raw[i]!));
    t.is(differing, -1, `token ${differing} reads back as other bytes`);

    const out = scratchPath(`extended-${name}`);
    try {
      await extendGguf({ base: file, corpus, newPieces: 64, out });
    } catch (error) {
      // tokenizers the extension does not handle (WordPiece, Unigram, other BPE pre-tokenizers) are refused by name
      t.false(EXTENDED.has(name), String(error));
      t.is((error as { code?: string }).code, 'ERR_INVALID_OPTION', String(error));
      t.log(`not extended: ${(error as Error).message.slice(0, 120)}`);
      return;
    }
    const after = rawTokens(out);
    t.true(after.length > raw.length, `${after.length - raw.length} pieces added`);
    const changed = raw.findIndex((b, i) => !b.equals(after[i]!));
    t.is(changed, -1, `original token ${changed} changed`);
    t.log(`${raw.length} tokens kept byte for byte, ${after.length - raw.length} added`);
  });
}
