// Row conversion through ggml: type traits, dequantization checked against an independent decoder, quantization error bounds, validation.
import test from 'ava';
import { dequantizeRows, ggmlTypeInfo, quantizeRows, tensorBytes, GGML_TYPE } from '../../../lib/gguf/quant.js';
import { decodeRows, storageTolerance } from './fixtures.js';

function gaussian(n: number, seed: number, scale = 1): Float32Array {
  let s = seed >>> 0;
  const u = (): number => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return (s + 0.5) / 2 ** 32; };
  return Float32Array.from({ length: n }, () => scale * Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u()));
}

test('type traits come from ggml', (t) => {
  t.like(ggmlTypeInfo(GGML_TYPE.Q8_0), { name: 'q8_0', blockSize: 32, typeSize: 34, isQuantized: true, canDequantize: true, canQuantize: true });
  t.like(ggmlTypeInfo(GGML_TYPE.Q4_K), { name: 'q4_K', blockSize: 256, typeSize: 144, isQuantized: true });
  t.like(ggmlTypeInfo(GGML_TYPE.F32), { name: 'f32', blockSize: 1, typeSize: 4, isQuantized: false, canDequantize: true, canQuantize: true });
  t.like(ggmlTypeInfo(16), { name: 'iq2_xxs', canDequantize: true, canQuantize: false });
  t.is(tensorBytes(GGML_TYPE.Q8_0, [64, 3]), 2 * 34 * 3);
  t.is(tensorBytes(GGML_TYPE.F16, [5, 2, 3]), 60);
});

test('q8_0 and f16 rows: ggml dequantizes exactly as the reference decoder; quantization error within half a step', async (t) => {
  const x = gaussian(4 * 64, 7, 0.05);
  for (const type of [GGML_TYPE.Q8_0, GGML_TYPE.F16]) {
    const q = await quantizeRows(type, x, 64);
    t.is(q.byteLength, tensorBytes(type, [64, 4]));
    const ours = await dequantizeRows(type, q, 64);
    const ref = decodeRows(type, q);
    t.deepEqual(Array.from(ours), Array.from(ref, (v) => Math.fround(v)), `${type}: ggml vs reference decoder`);
    const exact = Float64Array.from(x);
    for (let j = 0; j < x.length; j++) {
      // f16: relative rounding 2⁻¹¹ (plus the subnormal step); q8_0: the bound stated in storageTolerance
      const tol = type === GGML_TYPE.F16 ? Math.abs(x[j]!) * 2 ** -11 + 2 ** -24 : storageTolerance(type, exact, j);
      if (Math.abs(ours[j]! - x[j]!) > tol) return t.fail(`type ${type} element ${j}: ${ours[j]} vs ${x[j]} (tolerance ${tol})`);
    }
  }
  t.pass();
});

test('rows are quantized independently: a row gives the same bytes alone or among others', async (t) => {
  const x = gaussian(3 * 256, 11);
  for (const type of [GGML_TYPE.Q8_0, GGML_TYPE.Q4_K, GGML_TYPE.Q6_K]) {
    const all = await quantizeRows(type, x, 256);
    const row = tensorBytes(type, [256]);
    const second = await quantizeRows(type, x.subarray(256, 512), 256);
    t.deepEqual(all.subarray(row, 2 * row), second, `type ${type}`);
  }
});

// Uniform quantization with step Δ = range/(levels-1) has RMS error Δ/√12; over 32 Gaussian values the range is about
// 4σ, so 4 bits (16 levels) give about 0.077σ and 6 bits (64 levels) about 0.018σ. Bounds: 9 % and 2.5 %.
test('q4_K and q6_K round trips stay within the uniform-quantizer error (relative RMS below 9 % and 2.5 %)', async (t) => {
  const x = gaussian(8 * 256, 3);
  for (const [type, bound] of [[GGML_TYPE.Q4_K, 0.09], [GGML_TYPE.Q6_K, 0.025]] as const) {
    const y = await dequantizeRows(type, await quantizeRows(type, x, 256), 256);
    let err = 0, ref = 0;
    for (let j = 0; j < x.length; j++) { err += (y[j]! - x[j]!) ** 2; ref += x[j]! ** 2; }
    const rel = Math.sqrt(err / ref);
    t.log(`type ${type}: relative RMS error ${rel.toFixed(4)}`);
    t.true(rel < bound, `type ${type}: relative RMS error ${rel}`);
  }
});

test('f32 rows pass through unchanged', async (t) => {
  const x = gaussian(96, 5);
  const q = await quantizeRows(GGML_TYPE.F32, x, 32);
  t.deepEqual(await dequantizeRows(GGML_TYPE.F32, q, 32), x);
});

const invalid = test.macro({
  async exec(t, run: () => unknown, message: string) {
    await t.throwsAsync(async () => run(), { message });
  },
  title: (_, __, message: string) => `rejects: ${message}`,
});

test(invalid, () => ggmlTypeInfo(4), 'ggml type 4 has been removed from ggml and cannot be converted');
test(invalid, () => ggmlTypeInfo(43), 'Expected a ggml type in [0, 42] but received 43');
test(invalid, () => ggmlTypeInfo(-1), 'Expected a ggml type number for ggmlTypeInfo type but received number -1');
test(invalid, () => dequantizeRows(8, new Uint8Array(34), 33), 'Expected a row length that is a positive multiple of the q8_0 block size 32 but received 33');
test(invalid, () => dequantizeRows(8, new Uint8Array(35), 32), 'Expected a whole number of q8_0 rows of 32 elements (34 bytes each) but received 35 bytes');
test(invalid, () => dequantizeRows(26, new Uint8Array(8), 2), 'ggml type i32 has no conversion to f32');
test(invalid, () => dequantizeRows(8, new Float32Array(2) as unknown as Uint8Array, 32), 'Expected a Uint8Array for dequantizeRows data but received Float32Array of length 2');
test(invalid, () => quantizeRows(8, new Float32Array(33), 32), 'Expected a whole number of rows of 32 values but received 33 values');
test(invalid, () => quantizeRows(16, new Float32Array(256), 256), 'ggml type iq2_xxs needs an importance matrix to quantize');
test(invalid, () => quantizeRows(26, new Float32Array(4), 2), 'ggml type i32 has no quantizer from f32');
test(invalid, () => quantizeRows(8, Float32Array.from({ length: 32 }, (_, i) => (i === 3 ? NaN : 1)), 32), 'Expected finite values to quantize but value 3 (row 0) is nan');
test(invalid, () => quantizeRows(12, new Float32Array(128), 128), 'Expected a row length that is a positive multiple of the q4_K block size 256 but received 128');
