import test from 'ava';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GGUF_TYPE, parseGgufMetadata, readGgufMetadata } from '../../../lib/vocab/gguf-read.js';
import { readVocab, vocabFromMetadata } from '../../../lib/vocab/vocab.js';
import { encodeGguf, missingMessage, vocabFile, type FixtureKv } from './fixtures.js';
import { tempDir } from '../../helpers/temp-dir.js';

const kvs: FixtureKv[] = [
  ['general.architecture', GGUF_TYPE.STRING, 'llama'],
  ['general.alignment', GGUF_TYPE.UINT32, 64],
  ['tokenizer.ggml.model', GGUF_TYPE.STRING, 'llama'],
  ['tokenizer.ggml.tokens', GGUF_TYPE.ARRAY, GGUF_TYPE.STRING, ['<unk>', '▁سلام', 'a']],
  ['tokenizer.ggml.scores', GGUF_TYPE.ARRAY, GGUF_TYPE.FLOAT32, [0, -1.5, -2]],
  ['tokenizer.ggml.token_type', GGUF_TYPE.ARRAY, GGUF_TYPE.INT32, [2, 1, 1]],
  ['some.u64', GGUF_TYPE.UINT64, 1n << 40n],
  ['some.flag', GGUF_TYPE.BOOL, 1],
];
const tensors = [{ name: 'token_embd.weight', ne: [8, 3], type: 0, offset: 0 }, { name: 'output.weight', ne: [8, 3], type: 0, offset: 128 }];
const header = encodeGguf(kvs, tensors);
// the tensor data after the header, padded to the 64-byte alignment: the reader checks that the file holds it
const bytes = Buffer.concat([header, new Uint8Array(Math.ceil(header.length / 64) * 64 - header.length + 128 + 96)]);

test('parses header, scalar and array values, and tensor infos', (t) => {
  const m = parseGgufMetadata(bytes, 'fixture.gguf');
  t.is(m.version, 3);
  t.is(m.kv.get('general.architecture')?.value, 'llama');
  t.is(m.kv.get('some.u64')?.value, 1n << 40n);
  t.is(m.kv.get('some.flag')?.value, true);
  t.deepEqual(m.kv.get('tokenizer.ggml.tokens')?.value, ['<unk>', '▁سلام', 'a']);
  t.deepEqual(Array.from(m.kv.get('tokenizer.ggml.scores')?.value as Float32Array), [0, -1.5, -2]);
  t.deepEqual(m.tensors.map((x) => [x.name, x.ne, x.offset]), [['token_embd.weight', [8, 3], 0n], ['output.weight', [8, 3], 128n]]);
  t.is(m.alignment, 64);
  t.is(m.dataOffset, BigInt(Math.ceil(header.length / 64) * 64));
});

test('extracts the tokenizer vocabulary with llama.cpp defaults', (t) => {
  const v = vocabFromMetadata(parseGgufMetadata(bytes, 'fixture.gguf'));
  t.is(v.model, 'llama');
  t.is(v.pre, '');
  t.true(v.addSpacePrefix);
  t.deepEqual(Array.from(v.types), [2, 1, 1]);
  t.deepEqual(v.merges, []);
});

test('reads the same metadata from a file as from memory', (t) => {
  const dir = tempDir('gguf-read-');
  const p = join(dir, 'x.gguf');
  writeFileSync(p, bytes);
  const m = readGgufMetadata(p);
  t.is(m.file, p);
  t.deepEqual(m.kv.get('tokenizer.ggml.tokens')?.value, ['<unk>', '▁سلام', 'a']);
  t.is(m.dataOffset, parseGgufMetadata(bytes).dataOffset);
});

test('a non-GGUF file is named with the magic found', (t) => {
  t.throws(() => parseGgufMetadata(Buffer.from('PK\x03\x04 not gguf at all'), 'model.zip'), {
    message: 'model.zip: not a GGUF file: expected magic "GGUF" but found 0x04034b50 at offset 0',
  });
  t.throws(() => parseGgufMetadata(new Uint8Array(2), 'tiny.bin'), { message: /tiny\.bin: not a GGUF file: 2 bytes/ });
});

test('every truncation point gives an error naming the file and an offset', (t) => {
  for (let cut = 4; cut < header.length; cut += 7) {
    const err = t.throws(() => parseGgufMetadata(bytes.subarray(0, cut), 'cut.gguf'));
    t.regex(err!.message, /^cut\.gguf: .* at offset \d+$/);
  }
  t.throws(() => parseGgufMetadata(bytes.subarray(0, 12), 'cut.gguf'), {
    message: 'cut.gguf: corrupt or truncated GGUF header: expected 8 more bytes for tensor count but the file has 12 bytes at offset 8',
  });
});

test('an unknown value type and a missing file are reported', (t) => {
  const bad = Buffer.from(encodeGguf([['k', GGUF_TYPE.UINT32, 1]]));
  bad.writeUInt32LE(99, 4 + 4 + 8 + 8 + 8 + 1); // the type field after the key "k"
  t.throws(() => parseGgufMetadata(bad, 'bad.gguf'), { message: 'bad.gguf: unknown value type 99 for value of "k" at offset 33' });
  t.throws(() => readGgufMetadata('/nonexistent/m.gguf'), { code: 'ERR_FILE_NOT_FOUND', message: /Cannot open GGUF file \/nonexistent\/m\.gguf/ } as never);
});

const spm = vocabFile('ggml-vocab-llama-spm.gguf');
const bpe = vocabFile('ggml-vocab-llama-bpe.gguf');
test('reads the Llama 2 and Llama 3 vocabularies of llama.cpp', (t) => {
  if (!spm || !bpe) { t.log(missingMessage('ggml-vocab-llama-{spm,bpe}.gguf')); t.pass(); return; }
  const v2 = readVocab(spm);
  t.is(v2.model, 'llama');
  t.is(v2.tokens.length, 32000);
  t.is(v2.tokens[3], '<0x00>');
  t.is(v2.scores.length, 32000);
  const v3 = readVocab(bpe);
  t.is(v3.model, 'gpt2');
  t.is(v3.pre, 'llama-bpe');
  t.is(v3.tokens.length, 128256);
  t.is(v3.merges.length, 280147);
  t.false(v3.addSpacePrefix);
});
