// Near-duplicate detection: MinHash signatures over shingles, banded LSH for candidates, signature agreement to confirm.
import { z } from 'zod';
import { parseOptions } from '../../config/validate.js';
import { invalidOption } from '../../errors.js';
import { createRng } from '../random.js';

export const minHashOptionsSchema = z.strictObject({
  /** Estimated Jaccard similarity at or above which a text is a near duplicate of an earlier one. */
  threshold: z.number().gt(0).max(1).default(0.8),
  /** Signature length (number of hash functions). */
  numPerm: z.number().int().min(8).max(1024).default(128),
  /** LSH bands; chosen from threshold and numPerm (least false positives + false negatives) when absent. */
  bands: z.number().int().positive().optional(),
  /** Shingles: character n-grams or word n-grams of the lowercased, space-collapsed text. */
  shingle: z.enum(['char', 'word']).default('char'),
  shingleSize: z.number().int().positive().default(5),
  seed: z.number().int().default(0),
});
export type MinHashOptions = z.input<typeof minHashOptionsSchema>;

function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** murmur3's 32-bit finaliser: a bijective mix, so `mix(x ^ seed)` over different seeds gives independent-looking hashes. */
function mix(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

/** Distinct shingle hashes of a text. */
export function shingleHashes(text: string, unit: 'char' | 'word', size: number): Set<number> {
  const canonical = text.toLowerCase().replace(/\s+/g, ' ').trim();
  const out = new Set<number>();
  if (unit === 'char') {
    const chars = [...canonical];
    if (chars.length <= size) out.add(fnv1a(canonical));
    else for (let i = 0; i + size <= chars.length; i++) out.add(fnv1a(chars.slice(i, i + size).join('')));
  } else {
    const words = canonical.split(' ');
    if (words.length <= size) out.add(fnv1a(words.join(' ')));
    else for (let i = 0; i + size <= words.length; i++) out.add(fnv1a(words.slice(i, i + size).join(' ')));
  }
  return out;
}

/** Probability that two texts of Jaccard similarity s share at least one band of r rows out of b. */
const collide = (s: number, b: number, r: number): number => 1 - Math.pow(1 - Math.pow(s, r), b);

/** The (bands, rows) pair that minimises the false-positive area below the threshold plus the false-negative area above it. */
export function optimalBands(threshold: number, numPerm: number): { bands: number; rows: number } {
  const steps = 128; // Simpson's rule; matches datasketch's adaptive quadrature on the reference cases
  const area = (from: number, to: number, f: (s: number) => number): number => {
    const h = (to - from) / steps;
    let sum = f(from) + f(to);
    for (let i = 1; i < steps; i++) sum += (i % 2 === 1 ? 4 : 2) * f(from + i * h);
    return (sum * h) / 3;
  };
  let best = { bands: 1, rows: numPerm, error: Infinity };
  for (let b = 1; b <= numPerm; b++) {
    for (let r = 1; b * r <= numPerm; r++) {
      const error = area(0, threshold, (s) => collide(s, b, r)) + area(threshold, 1, (s) => 1 - collide(s, b, r));
      if (error < best.error) best = { bands: b, rows: r, error };
    }
  }
  return { bands: best.bands, rows: best.rows };
}

/** MinHash signatures for one configuration. */
export class MinHasher {
  readonly numPerm: number;
  private readonly seeds: Uint32Array;
  private readonly unit: 'char' | 'word';
  private readonly size: number;

  constructor(options: { numPerm: number; seed: number; shingle: 'char' | 'word'; shingleSize: number }) {
    this.numPerm = options.numPerm;
    this.unit = options.shingle;
    this.size = options.shingleSize;
    const rng = createRng(options.seed);
    this.seeds = Uint32Array.from({ length: this.numPerm }, () => rng.nextUint32());
  }

  signature(text: string): Uint32Array {
    const sig = new Uint32Array(this.numPerm).fill(0xffffffff);
    for (const h of shingleHashes(text, this.unit, this.size)) {
      for (let i = 0; i < this.numPerm; i++) {
        const v = mix(h ^ this.seeds[i]!);
        if (v < sig[i]!) sig[i] = v;
      }
    }
    return sig;
  }
}

/** Fraction of equal signature positions: the MinHash estimate of Jaccard similarity. */
export function estimateJaccard(a: Uint32Array, b: Uint32Array): number {
  let same = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) same++;
  return same / a.length;
}

export interface NearDuplicateVerdict {
  duplicate: boolean;
  /** Index (in order of `add` calls that were kept) of the earlier text it duplicates, and their estimated similarity. */
  of?: number;
  similarity?: number;
}

/** Streaming near-duplicate filter: the first of a group is kept, later near copies are reported. */
export class NearDuplicateIndex {
  readonly bands: number;
  readonly rows: number;
  private readonly hasher: MinHasher;
  private readonly threshold: number;
  private readonly buckets: Array<Map<number, number[]>>;
  private readonly kept: Uint32Array[] = [];

  constructor(options: MinHashOptions = {}) {
    const o = parseOptions(minHashOptionsSchema, options, 'near-duplicate options');
    this.threshold = o.threshold;
    this.hasher = new MinHasher(o);
    const chosen = o.bands === undefined ? optimalBands(o.threshold, o.numPerm) : { bands: o.bands, rows: Math.floor(o.numPerm / o.bands) };
    if (chosen.rows < 1) throw invalidOption(`bands <= numPerm (${o.numPerm})`, 'near-duplicate options.bands', o.bands);
    this.bands = chosen.bands;
    this.rows = chosen.rows;
    this.buckets = Array.from({ length: this.bands }, () => new Map());
  }

  /** Check a text against the kept ones; keep it (index it) when it is not a near duplicate. */
  add(text: string): NearDuplicateVerdict {
    const sig = this.hasher.signature(text);
    const keys = new Array<number>(this.bands);
    const seen = new Set<number>();
    for (let b = 0; b < this.bands; b++) {
      let h = 0x811c9dc5 ^ b;
      for (let r = 0; r < this.rows; r++) h = mix(h ^ sig[b * this.rows + r]!);
      keys[b] = h;
      for (const candidate of this.buckets[b]!.get(h) ?? []) {
        if (seen.has(candidate)) continue;
        seen.add(candidate);
        const similarity = estimateJaccard(sig, this.kept[candidate]!);
        if (similarity >= this.threshold) return { duplicate: true, of: candidate, similarity };
      }
    }
    const id = this.kept.length;
    this.kept.push(sig);
    for (let b = 0; b < this.bands; b++) {
      const bucket = this.buckets[b]!;
      const list = bucket.get(keys[b]!);
      if (list) list.push(id);
      else bucket.set(keys[b]!, [id]);
    }
    return { duplicate: false };
  }
}
