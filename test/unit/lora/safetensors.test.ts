// safetensors writing and reading: layout of the header, round trip, F16/BF16 decoding, corrupt files.
import test from 'ava';
import { readFileSync, writeFileSync } from 'node:fs';
import { readSafetensors, writeSafetensors } from '../../../lib/lora/safetensors.js';
import { halfToFloat } from '../../../lib/lora/float16.js';
import { tmp } from './fixtures.js';

test('written files have the documented layout and read back identically', async (t) => {
  const file = tmp('a.safetensors');
  const a = Float32Array.from([1, -2, 3.5, 0.25, 1e-8, -0]);
  const b = Float32Array.from([7, 8]);
  await writeSafetensors(file, new Map([['x.lora_A.weight', { shape: [2, 3], data: a }], ['y', { shape: [2, 1], data: b }]]), { format: 'pt' });
  const bytes = readFileSync(file);
  const n = Number(bytes.readBigUInt64LE(0));
  t.is((8 + n) % 8, 0);
  const header = JSON.parse(bytes.toString('utf8', 8, 8 + n));
  t.deepEqual(header, {
    __metadata__: { format: 'pt' },
    'x.lora_A.weight': { dtype: 'F32', shape: [2, 3], data_offsets: [0, 24] },
    y: { dtype: 'F32', shape: [2, 1], data_offsets: [24, 32] },
  });
  t.is(bytes.length, 8 + n + 32);
  t.is(bytes.readFloatLE(8 + n + 8), 3.5);
  const back = readSafetensors(file);
  t.deepEqual(back.metadata, { format: 'pt' });
  t.deepEqual([...back.tensors.keys()], ['x.lora_A.weight', 'y']);
  t.deepEqual(back.tensors.get('x.lora_A.weight'), { shape: [2, 3], data: a });
  t.deepEqual(back.tensors.get('y'), { shape: [2, 1], data: b });
});

function rawFile(name: string, header: object, data: Buffer): string {
  const json = Buffer.from(JSON.stringify(header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  const file = tmp(name);
  writeFileSync(file, Buffer.concat([len, json, data]));
  return file;
}

test('F16 and BF16 tensors are decoded to F32', (t) => {
  // f16: 1.0 = 0x3c00, -2.5 = 0xc100, 65504 = 0x7bff, smallest subnormal 0x0001; bf16: 1.0 = 0x3f80, -3.0 = 0xc040
  const data = Buffer.alloc(12);
  [0x3c00, 0xc100, 0x7bff, 0x0001].forEach((h, i) => data.writeUInt16LE(h, 2 * i));
  [0x3f80, 0xc040].forEach((h, i) => data.writeUInt16LE(h, 8 + 2 * i));
  const file = rawFile('h.safetensors', { h: { dtype: 'F16', shape: [4], data_offsets: [0, 8] }, b: { dtype: 'BF16', shape: [1, 2], data_offsets: [8, 12] } }, data);
  const { tensors } = readSafetensors(file);
  t.deepEqual(Array.from(tensors.get('h')!.data), [1, -2.5, 65504, 2 ** -24]);
  t.deepEqual(Array.from(tensors.get('b')!.data), [1, -3]);
  t.is(halfToFloat(0x7c00), Infinity);
  t.true(Number.isNaN(halfToFloat(0x7e00)));
});

const corrupt = test.macro(async (t, header: object, data: Buffer, message: RegExp) => {
  const file = rawFile(`bad-${t.title.replace(/\W/g, '')}`, header, data);
  t.throws(() => readSafetensors(file), { code: 'ERR_BAD_FORMAT', message });
});
test('refuses an unsupported dtype', corrupt, { x: { dtype: 'I64', shape: [1], data_offsets: [0, 8] } }, Buffer.alloc(8), /tensor x has dtype "I64"; expected F32, F16 or BF16$/);
test('refuses offsets that do not match the shape', corrupt, { x: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, Buffer.alloc(8), /tensor x: data_offsets \[0, 8\] do not hold 3 F32 values within the 8 data bytes$/);
test('refuses data past the end', corrupt, { x: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, Buffer.alloc(8), /within the 8 data bytes$/);

test('refuses a missing file and a truncated header', (t) => {
  t.throws(() => readSafetensors(tmp('missing.safetensors')), { code: 'ERR_FILE_NOT_FOUND', message: /^Cannot read safetensors file .*missing\.safetensors/ });
  const file = tmp('short.safetensors');
  const b = Buffer.alloc(10);
  b.writeBigUInt64LE(100n);
  writeFileSync(file, b);
  t.throws(() => readSafetensors(file), { code: 'ERR_BAD_FORMAT', message: /header length 100 exceeds the file size 10$/ });
});
