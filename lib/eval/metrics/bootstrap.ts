// Seeded bootstrap over items: 95 % percentile interval and standard error of any aggregate.

/** mulberry32: a small, fast, seeded 32-bit PRNG returning floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** numpy's default percentile: linear interpolation between the order statistics of sorted values. */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const pos = (q / 100) * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

export interface BootstrapOptions {
  /** Number of resamples (default 1000). */
  samples?: number;
  /** PRNG seed (default 1234). */
  seed?: number;
  /** Confidence level (default 0.95). */
  level?: number;
}

export interface Interval {
  value: number;
  /** Standard deviation of the bootstrap replicates (ddof 1). */
  stderr: number;
  ci: [number, number];
  n: number;
}

/**
 * The aggregate over `items` plus its bootstrap distribution: `samples` times, draw `items.length` items with
 * replacement and recompute `aggregate`; the interval is the percentile interval of the replicates. Replicates
 * that come out NaN are dropped. Fewer than 2 items: stderr and interval are NaN.
 */
export function bootstrap<T>(items: readonly T[], aggregate: (sample: readonly T[]) => number, options: BootstrapOptions = {}): Interval {
  const { samples = 1000, seed = 1234, level = 0.95 } = options;
  const value = aggregate(items);
  const n = items.length;
  if (n < 2) return { value, stderr: Number.NaN, ci: [Number.NaN, Number.NaN], n };
  const random = seededRandom(seed);
  const replicates: number[] = [];
  const sample = new Array<T>(n);
  for (let s = 0; s < samples; s++) {
    for (let i = 0; i < n; i++) sample[i] = items[Math.floor(random() * n)]!;
    const r = aggregate(sample);
    if (!Number.isNaN(r)) replicates.push(r);
  }
  replicates.sort((a, b) => a - b);
  const mean = replicates.reduce((a, b) => a + b, 0) / replicates.length;
  const variance = replicates.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(replicates.length - 1, 1);
  const tail = ((1 - level) / 2) * 100;
  return { value, stderr: Math.sqrt(variance), ci: [percentile(replicates, tail), percentile(replicates, 100 - tail)], n };
}
