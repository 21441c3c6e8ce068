// Decoding of 16-bit floats (IEEE half, bfloat16) stored little-endian, for adapter tensors saved in F16 or BF16.

/** Value of an IEEE 754 binary16 bit pattern. */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac === 0 ? sign * Infinity : NaN;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** F32 values of `n` little-endian 16-bit floats at the start of `bytes` (IEEE half, or bfloat16 when `bf16`). */
export function decode16(bytes: Uint8Array, n: number, bf16: boolean): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, n * 2);
  const out = new Float32Array(n);
  if (bf16) {
    const bits = new Uint32Array(out.buffer);
    for (let i = 0; i < n; i++) bits[i] = view.getUint16(2 * i, true) << 16;
  } else {
    for (let i = 0; i < n; i++) out[i] = halfToFloat(view.getUint16(2 * i, true));
  }
  return out;
}
