// The GGUF validation layer on crafted hostile files: every refusal is a PersianLoraError naming the file and the field.
import test from 'ava';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PersianLoraError, type ErrorCode } from '../../../lib/errors.js';
import { readModelGguf } from '../../../lib/gguf/model-file.js';
import { printable } from '../../../lib/gguf/printable.js';
import { readGgufMetadata } from '../../../lib/vocab/gguf-read.js';
import { patched, rename, setF32, setOffset, setType, setU32, TINY, writeTinyLlama } from './craft.js';
import { tempDir } from '../../helpers/temp-dir.js';

const dir = tempDir('pl-validate-');
const good = writeTinyLlama(path.join(dir, 'good.gguf'));
let n = 0;
const craft = (patch: Parameters<typeof patched>[2]) => patched(good, path.join(dir, `bad-${n++}.gguf`), patch);

function refused(t: import('ava').ExecutionContext, read: () => unknown, file: string, message: RegExp, code: ErrorCode = 'ERR_BAD_FORMAT'): void {
  const error = t.throws(read, { instanceOf: PersianLoraError });
  t.is((error as PersianLoraError).code, code);
  t.true(error!.message.startsWith(file), `names the file: ${error!.message}`);
  t.regex(error!.message, message);
}

test('a valid model passes, with its hyper-parameters', (t) => {
  const { hyperParameters: hp } = readModelGguf(good);
  t.like(hp, { architecture: 'llama', blockCount: 2, contextLength: 256, embeddingLength: 8, headSizeK: 4, headSizeV: 4, vocabularySize: 5 });
  t.deepEqual(hp.heads, [2, 2]);
  t.deepEqual(hp.kvHeads, [1, 1]);
});

test('block_count 0 and 1000 are refused by every read (llama.cpp aborts on them)', (t) => {
  for (const blocks of [0, 1000]) {
    const file = craft(setU32('llama.block_count', blocks));
    refused(t, () => readGgufMetadata(file), file, new RegExp(`llama\\.block_count is ${blocks}; expected an integer from 1 to 512`));
  }
});

test('block_count smaller than the blocks present, and larger', (t) => {
  const fewer = craft(setU32('llama.block_count', 1));
  refused(t, () => readGgufMetadata(fewer), fewer, /tensor blk\.1\.attn_norm\.weight belongs to block 1 but llama\.block_count is 1/);
  const more = craft(setU32('llama.block_count', 3));
  t.notThrows(() => readGgufMetadata(more)); // metadata alone is consistent; the weights are not
  refused(t, () => readModelGguf(more), more, /block 2 has no tensors but llama\.block_count is 3/);
});

test('a NaN, infinite or negative epsilon is refused', (t) => {
  for (const [value, shown] of [[NaN, /is NaN; expected a finite number/], [Infinity, /is Infinity; expected a finite number/], [-1, /is -1; expected a number from 0 to 1/]] as const) {
    const file = craft(setF32('llama.attention.layer_norm_rms_epsilon', value));
    refused(t, () => readGgufMetadata(file), file, new RegExp(`llama\\.attention\\.layer_norm_rms_epsilon ${shown.source}`));
  }
});

test('rope.dimension_count odd, 0 or above the head size is refused', (t) => {
  for (const [dims, why] of [[3, 'expected an even number'], [0, 'expected an integer from 1'], [1000, 'expected at most the head size 4']] as const) {
    const file = craft(setU32('llama.rope.dimension_count', dims));
    refused(t, () => readGgufMetadata(file), file, new RegExp(`llama\\.rope\\.dimension_count is ${dims}; ${why}`));
  }
});

test('context_length 0xFFFFFFFF is reported as the number it is', (t) => {
  const file = craft(setU32('llama.context_length', 0xffffffff));
  refused(t, () => readGgufMetadata(file), file, /llama\.context_length is 4294967295; expected an integer from 1 to 2147483647/);
});

test('head counts that do not divide, or exceed, are refused', (t) => {
  const kv = craft(setU32('llama.attention.head_count_kv', 3));
  refused(t, () => readGgufMetadata(kv), kv, /llama\.attention\.head_count_kv is 3; expected at most and a divisor of llama\.attention\.head_count 2 \(block 0\)/);
  const noKv = craft(setU32('llama.attention.head_count_kv', 0));
  refused(t, () => readGgufMetadata(noKv), noKv, /llama\.attention\.head_count is 2 and llama\.attention\.head_count_kv 0 \(block 0\); expected at least 1 of each \(every llama block has attention\)/);
  const heads = craft(setU32('llama.attention.head_count', 3));
  refused(t, () => readGgufMetadata(heads), heads, /llama\.embedding_length is 8; expected a multiple of llama\.attention\.head_count 3/);
});

test('the vocabulary must match token_embd', (t) => {
  const file = writeTinyLlama(path.join(dir, 'vocab.gguf'), TINY, { 'tokenizer.ggml.tokens': { type: 'string[]', value: [...TINY.tokens, 'b'] } });
  refused(t, () => readGgufMetadata(file), file, /tokenizer\.ggml\.scores is "an array of 5 values"; expected one per token \(6\)/);
  const rows = writeTinyLlama(path.join(dir, 'rows.gguf'), TINY, {
    'tokenizer.ggml.tokens': { type: 'string[]', value: [...TINY.tokens, 'b'] },
    'tokenizer.ggml.scores': { type: 'f32[]', value: [0, 0, 0, 0, 0, 0] }, 'tokenizer.ggml.token_type': { type: 'i32[]', value: [1, 1, 1, 1, 1, 1] },
  });
  refused(t, () => readGgufMetadata(rows), rows, /token_embd\.weight has 5 rows but the vocabulary \(tokenizer\.ggml\.tokens\) has 6 tokens/);
});

test('NaN in a metadata array is refused with its index', (t) => {
  const file = writeTinyLlama(path.join(dir, 'scores.gguf'), TINY, { 'tokenizer.ggml.scores': { type: 'f32[]', value: [0, -1, NaN, -3, -4] } });
  refused(t, () => readGgufMetadata(file), file, /tokenizer\.ggml\.scores\[2\] is NaN; expected a finite number/);
});

test('tensor offsets 2^64-32 and 0 (for a later tensor), and a truncated data section, are refused', (t) => {
  for (const offset of [2n ** 64n - 32n, 0n]) {
    const file = craft(setOffset('blk.0.attn_q.weight', offset));
    refused(t, () => readGgufMetadata(file), file, new RegExp(`tensor blk\\.0\\.attn_q\\.weight has data offset ${offset} but the tensors before it end at \\d+`));
  }
  const cut = path.join(dir, 'cut.gguf');
  const bytes = readFileSync(good);
  writeFileSync(cut, bytes.subarray(0, bytes.length - 10));
  refused(t, () => readGgufMetadata(cut), cut, new RegExp(`truncated: its tensors need ${bytes.length} bytes but the file has ${bytes.length - 10}`));
});

test('a tensor of an unknown ggml type is refused', (t) => {
  const file = craft(setType('output.weight', 4)); // Q4_2, removed from ggml
  refused(t, () => readGgufMetadata(file), file, /tensor output\.weight has ggml type 4, which this ggml does not know/);
});

test('a model without output_norm, without an attn_q, or with ffn shapes other than its hyper-parameters say, is refused before loading weights', (t) => {
  const file = craft(rename('output_norm.weight', 'output_norX.weight'));
  t.notThrows(() => readGgufMetadata(file));
  refused(t, () => readModelGguf(file), file, /tensor output_norm\.weight is missing \(every llama model has it\)/);
  const q = craft(rename('blk.1.attn_q.weight', 'blk.1.attn_x.weight'));
  refused(t, () => readModelGguf(q), q, /tensor blk\.1\.attn_q\.weight is missing/);
  const ff = craft(setU32('llama.feed_forward_length', 32));
  refused(t, () => readModelGguf(ff), ff, /tensor blk\.0\.ffn_gate\.weight has ne \[8, 16\] but the hyper-parameters \(llama\.embedding_length 8 and llama\.feed_forward_length 32\) give \[8, 32\]/);
});

test('a flipped byte never pours binary into the message', (t) => {
  const bytes = readFileSync(good);
  let worst = 0;
  // flip one byte at a time through the header (key lengths, types, counts, names)
  const headerEnd = Number(readGgufMetadata(good).dataOffset);
  for (let at = 8; at < headerEnd; at += 3) {
    const copy = Buffer.from(bytes);
    copy[at] ^= 0xa5;
    const file = path.join(dir, 'flip.gguf');
    writeFileSync(file, copy);
    try {
      readModelGguf(file);
    } catch (error) {
      t.true(error instanceof PersianLoraError, `flip at ${at}: ${String(error)}`);
      const message = (error as Error).message;
      t.false(/[\u0000-\u0008\u000e-\u001f\u007f-\u009f\ufffd]/u.test(message), `flip at ${at}: ${JSON.stringify(message)}`);
      worst = Math.max(worst, message.length);
    }
  }
  t.true(worst < 400, `longest message ${worst} characters`);
  t.log(`longest message over ${Math.ceil((headerEnd - 8) / 3)} flips: ${worst} characters`);
});

test('strings keep a leading U+FEFF (Llama 2 token 30143)', (t) => {
  const tokens = readGgufMetadata(good).kv.get('tokenizer.ggml.tokens')!.value as string[];
  t.is(tokens[4], '\ufeff');
  t.is(tokens[4]!.length, 1);
});

test('printable escapes hidden characters and cuts long text', (t) => {
  t.is(printable('a\u0000b\u200cc\ufeff'), 'a\\u{0}b\\u{200c}c\\u{feff}');
  t.is(printable('سلام'), 'سلام');
  t.is(printable('x'.repeat(100), 10), 'xxxxxxxxxx… (100 characters)');
});

