// The streaming GGUF writer: encoded and copied key/value pairs, tensor layout and alignment, atomic replacement.
import test from 'ava';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeKv, writeGgufStream, type StreamTensor } from '../../../lib/gguf/stream-writer.js';
import { GGUF_TYPE, parseGgufMetadata, readGgufMetadata } from '../../../lib/vocab/gguf-read.js';
import { encodeGguf } from '../vocab/fixtures.js';

const dirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'pl-gguf-stream-'));
  dirs.push(d);
  return d;
}
test.after.always(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

function tensor(name: string, ne: number[], data: Uint8Array, chunk = 5): StreamTensor {
  return {
    name, ne, ggmlType: 0, bytes: data.byteLength,
    data: async function* () { for (let i = 0; i < data.byteLength; i += chunk) yield data.subarray(i, i + chunk); },
  };
}
const f32 = (...v: number[]): Uint8Array => new Uint8Array(Float32Array.from(v).buffer);

test('encoded pairs read back with their types; raw pairs copied from another file keep their bytes', async (t) => {
  const src = encodeGguf([['general.architecture', GGUF_TYPE.STRING, 'llama'], ['some.flag', GGUF_TYPE.BOOL, 1], ['some.u64', GGUF_TYPE.UINT64, 7n]]);
  const srcMeta = parseGgufMetadata(src);
  const raw = [...srcMeta.kv.values()].map((kv) => src.subarray(kv.start, kv.end));
  const file = join(tmp(), 'out.gguf');
  await writeGgufStream(file, [
    ...raw,
    encodeKv('tokenizer.ggml.tokens', { type: 'string[]', value: ['a', 'ب', '▁c'] }),
    encodeKv('tokenizer.ggml.scores', { type: 'f32[]', value: [0.5, -1, -2.25] }),
    encodeKv('tokenizer.ggml.token_type', { type: 'i32[]', value: [1, 6, 3] }),
    encodeKv('llama.vocab_size', { type: 'u32', value: 3 }),
    encodeKv('x.i64', { type: 'i64', value: -5n }),
  ], [], 32);
  const m = readGgufMetadata(file);
  t.deepEqual([...m.kv.keys()], ['general.architecture', 'some.flag', 'some.u64', 'tokenizer.ggml.tokens', 'tokenizer.ggml.scores', 'tokenizer.ggml.token_type', 'llama.vocab_size', 'x.i64']);
  t.is(m.kv.get('some.flag')!.value, true);
  t.is(m.kv.get('some.u64')!.value, 7n);
  t.deepEqual(m.kv.get('tokenizer.ggml.tokens')!.value, ['a', 'ب', '▁c']);
  t.deepEqual(Array.from(m.kv.get('tokenizer.ggml.scores')!.value as Float32Array), [0.5, -1, -2.25]);
  t.deepEqual(Array.from(m.kv.get('tokenizer.ggml.token_type')!.value as Int32Array), [1, 6, 3]);
  t.is(m.kv.get('llama.vocab_size')!.type, GGUF_TYPE.UINT32);
  t.is(m.kv.get('x.i64')!.value, -5n);
  // each pair's span covers exactly its bytes
  const bytes = readFileSync(file);
  for (const [i, kv] of [...srcMeta.kv.values()].entries()) t.deepEqual(bytes.subarray(m.kv.get(kv.key)!.start, m.kv.get(kv.key)!.end), Buffer.from(raw[i]!));
});

for (const alignment of [32, 64]) {
  test(`tensors are laid out in order at offsets aligned to ${alignment}, data streamed in chunks`, async (t) => {
    const file = join(tmp(), 'out.gguf');
    const a = f32(1, 2, 3), b = f32(4, 5, 6, 7, 8, 9, 10, 11, 12, 13), c = f32(-1);
    const align = encodeKv('general.alignment', { type: 'u32', value: alignment });
    const { bytes } = await writeGgufStream(file, [align], [tensor('a', [3], a), tensor('b', [5, 2], b, 7), tensor('c', [1, 1], c)], alignment);
    const m = readGgufMetadata(file);
    const disk = readFileSync(file);
    t.is(bytes, disk.length);
    t.is(m.alignment, alignment);
    t.is(Number(m.dataOffset) % alignment, 0);
    t.deepEqual(m.tensors.map((x) => [x.name, x.ne, Number(x.offset)]), [['a', [3], 0], ['b', [5, 2], alignment], ['c', [1, 1], alignment + Math.ceil(40 / alignment) * alignment]]);
    for (const [k, data] of [a, b, c].entries()) {
      const at = Number(m.dataOffset) + Number(m.tensors[k]!.offset);
      t.deepEqual(disk.subarray(at, at + data.byteLength), Buffer.from(data));
    }
    t.is(disk.length % alignment, 0);
  });
}

test('a source that gives the wrong number of bytes fails and leaves the previous file and no temporary behind', async (t) => {
  const d = tmp();
  const file = join(d, 'out.gguf');
  writeFileSync(file, 'previous');
  const short: StreamTensor = { ...tensor('t', [4], f32(1, 2, 3)), bytes: 16 };
  await t.throwsAsync(writeGgufStream(file, [], [short], 32), { message: 'GGUF tensor t: expected 16 bytes of data but its source gave 12' });
  const long: StreamTensor = { ...tensor('t', [2], f32(1, 2, 3)), bytes: 8 };
  await t.throwsAsync(writeGgufStream(file, [], [long], 32), { message: /GGUF tensor t: expected 8 bytes of data but its source gave 1[0-2]/ });
  t.is(readFileSync(file, 'utf8'), 'previous');
  t.deepEqual(readdirSync(d), ['out.gguf']);
});

test('an aborted write removes its temporary file', async (t) => {
  const d = tmp();
  const controller = new AbortController();
  controller.abort(new Error('stop'));
  await t.throwsAsync(writeGgufStream(join(d, 'x.gguf'), [], [tensor('t', [1], f32(1))], 32, controller.signal), { message: 'stop' });
  t.false(existsSync(join(d, 'x.gguf')));
  t.deepEqual(readdirSync(d), []);
});

test('alignment must be a power of two', async (t) => {
  await t.throwsAsync(writeGgufStream(join(tmp(), 'x.gguf'), [], [], 24), { message: 'Expected a power of two for the GGUF alignment but received 24' });
});
