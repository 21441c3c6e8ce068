// An independent model of the LoRA dropout masks of native/core/pl_dropout.h, in exact integer arithmetic: splitmix64
// (BigInt) draws R [K, width] and C [K, tokens] per projection, then keep (i, n) when (Σ_k R[k, i]·C[k, n]) mod 1024
// is below round((1 − p)·1024).
const MASK64 = (1n << 64n) - 1n;
const TERMS = 16, LEVELS = 1024;

function splitmix64(seed: bigint): () => bigint {
  let state = seed & MASK64;
  return () => {
    state = (state + 0x9e3779b97f4a7c15n) & MASK64;
    let z = state;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
    return z ^ (z >> 31n);
  };
}

/** Levels of 1024 kept for drop probability p. */
export const keptLevels = (p: number): number => Math.max(1, Math.round((1 - p) * LEVELS));

/** The masks as [projections][tokens][width] of 0/1, as dropoutMasks() returns them. */
export function referenceMasks(width: number, tokens: number, projections: number, p: number, seed: number): Float32Array {
  const next = splitmix64(BigInt(seed));
  const draw = (n: number, oddFirst: boolean): Int32Array => Int32Array.from({ length: TERMS * n }, (_, i) => {
    const v = Number(next() >> 54n);
    return oddFirst && i % TERMS === 0 ? v | 1 : v;
  });
  const rows = draw(width, false);
  const cols = Array.from({ length: projections }, () => draw(tokens, true));
  const kept = keptLevels(p);
  const out = new Float32Array(projections * tokens * width);
  cols.forEach((c, j) => {
    for (let n = 0; n < tokens; n++) {
      for (let i = 0; i < width; i++) {
        let h = 0;
        for (let k = 0; k < TERMS; k++) h += rows[i * TERMS + k]! * c[n * TERMS + k]!;
        out[(j * tokens + n) * width + i] = h % LEVELS < kept ? 1 : 0;
      }
    }
  });
  return out;
}
