// Shared fixtures of the vocabulary tests: a small Persian corpus, held-out lines, and reference decoders of ggml rows.

/** Training text: everyday Persian sentences (written for these tests). */
export const TRAIN_FA = [
  'امروز هوا آفتابی است و ما به پارک رفتیم',
  'کتاب‌های تازه را در کتابخانه دانشگاه گذاشتند',
  'دانشجویان در کلاس درباره زبان فارسی صحبت کردند',
  'همه مردم حق دارند آزادانه زندگی کنند و کار کنند',
  'این کتاب درباره تاریخ ایران و فرهنگ مردم آن است',
  'ما فردا صبح با قطار به شیراز سفر می‌کنیم',
  'دانشگاه تهران یکی از قدیمی‌ترین دانشگاه‌های ایران است',
  'او هر روز صبح چای می‌نوشد و روزنامه می‌خواند',
  'زبان فارسی در ایران و افغانستان و تاجیکستان صحبت می‌شود',
  'مردم ایران فرهنگ و تاریخ کهنی دارند',
  'کودکان در حیاط مدرسه بازی می‌کردند',
  'هر کس حق دارد از آموزش رایگان بهره‌مند شود',
  'در این شهر کتابخانه‌های بزرگ و زیبایی وجود دارد',
  'دانشجویان کتاب‌ها را از کتابخانه امانت گرفتند',
  'ما باید به حقوق همه مردم احترام بگذاریم',
  'آن‌ها درباره آینده زبان فارسی گفتگو کردند',
];

/** Held-out text: different sentences over much of the same vocabulary. */
export const HELD_OUT_FA = [
  'مردم این شهر هر روز به کتابخانه می‌روند',
  'دانشجویان فارسی تاریخ ایران را می‌خوانند',
  'همه کودکان حق دارند به مدرسه بروند و بازی کنند',
  'ما درباره فرهنگ و زبان مردم افغانستان صحبت کردیم',
];

/** English text: only pieces of the base vocabulary. */
export const ENGLISH = ['The quick brown fox jumps over the lazy dog.', 'Hello world, this is a test of 123 numbers!'];

/** IEEE 754 half (binary16) to number. */
export function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1, e = (h >> 10) & 0x1f, m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

/** Independent decoder of ggml rows for the types the tests use: f32, f16 and q8_0 (fp16 scale + 32 int8 per block). */
export function decodeRows(type: number, bytes: Uint8Array): Float64Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (type === 0) return Float64Array.from({ length: bytes.byteLength / 4 }, (_, i) => view.getFloat32(i * 4, true));
  if (type === 1) return Float64Array.from({ length: bytes.byteLength / 2 }, (_, i) => halfToFloat(view.getUint16(i * 2, true)));
  if (type === 8) {
    const blocks = bytes.byteLength / 34, out = new Float64Array(blocks * 32);
    for (let b = 0; b < blocks; b++) {
      const d = halfToFloat(view.getUint16(b * 34, true));
      for (let j = 0; j < 32; j++) out[b * 32 + j] = d * view.getInt8(b * 34 + 2 + j);
    }
    return out;
  }
  throw new Error(`decodeRows: ggml type ${type} is not covered by the reference decoder`);
}

/** Bytes per row of the decoded types. */
export function rowBytes(type: number, width: number): number {
  if (type === 0) return width * 4;
  if (type === 1) return width * 2;
  if (type === 8) return (width / 32) * 34;
  throw new Error(`rowBytes: ggml type ${type} is not covered`);
}

/**
 * Largest error a row stored as `type` may carry against the exact values `x` (f32: float32 rounding; q8_0: half a
 * quantization step d = amax/127 per block, plus the fp16 rounding of d, amax·2⁻¹¹).
 */
export function storageTolerance(type: number, x: Float64Array, j: number): number {
  if (type === 0) return Math.abs(x[j]!) * 2 ** -23 + 1e-7;
  if (type === 8) {
    const b = Math.floor(j / 32) * 32;
    let amax = 0;
    for (let k = b; k < b + 32; k++) amax = Math.max(amax, Math.abs(x[k]!));
    return amax / 127 / 2 + amax * 2 ** -11 + 1e-7;
  }
  throw new Error(`storageTolerance: ggml type ${type} is not covered`);
}
