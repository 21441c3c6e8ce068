// Block sizes and bytes per block of the ggml tensor types a GGUF file may hold, without the addon: the validation
// layer checks tensor sizes against the file before anything native opens it (test/native/validate/ggml-types.test.ts
// checks this table against ggml's own traits).

export interface GgmlTypeSize {
  readonly name: string;
  /** values per block (1 for plain types) */
  readonly blockSize: number;
  /** bytes per block */
  readonly typeSize: number;
}

/** Indexed by ggml type number; undefined where ggml removed the type (4, 5, 31–33, 36–38). */
const TYPES: readonly (GgmlTypeSize | undefined)[] = [
  { name: 'f32', blockSize: 1, typeSize: 4 }, { name: 'f16', blockSize: 1, typeSize: 2 },
  { name: 'q4_0', blockSize: 32, typeSize: 18 }, { name: 'q4_1', blockSize: 32, typeSize: 20 }, undefined, undefined,
  { name: 'q5_0', blockSize: 32, typeSize: 22 }, { name: 'q5_1', blockSize: 32, typeSize: 24 },
  { name: 'q8_0', blockSize: 32, typeSize: 34 }, { name: 'q8_1', blockSize: 32, typeSize: 36 },
  { name: 'q2_K', blockSize: 256, typeSize: 84 }, { name: 'q3_K', blockSize: 256, typeSize: 110 },
  { name: 'q4_K', blockSize: 256, typeSize: 144 }, { name: 'q5_K', blockSize: 256, typeSize: 176 },
  { name: 'q6_K', blockSize: 256, typeSize: 210 }, { name: 'q8_K', blockSize: 256, typeSize: 292 },
  { name: 'iq2_xxs', blockSize: 256, typeSize: 66 }, { name: 'iq2_xs', blockSize: 256, typeSize: 74 },
  { name: 'iq3_xxs', blockSize: 256, typeSize: 98 }, { name: 'iq1_s', blockSize: 256, typeSize: 50 },
  { name: 'iq4_nl', blockSize: 32, typeSize: 18 }, { name: 'iq3_s', blockSize: 256, typeSize: 110 },
  { name: 'iq2_s', blockSize: 256, typeSize: 82 }, { name: 'iq4_xs', blockSize: 256, typeSize: 136 },
  { name: 'i8', blockSize: 1, typeSize: 1 }, { name: 'i16', blockSize: 1, typeSize: 2 },
  { name: 'i32', blockSize: 1, typeSize: 4 }, { name: 'i64', blockSize: 1, typeSize: 8 },
  { name: 'f64', blockSize: 1, typeSize: 8 }, { name: 'iq1_m', blockSize: 256, typeSize: 56 },
  { name: 'bf16', blockSize: 1, typeSize: 2 }, undefined, undefined, undefined,
  { name: 'tq1_0', blockSize: 256, typeSize: 54 }, { name: 'tq2_0', blockSize: 256, typeSize: 66 },
  undefined, undefined, undefined,
  { name: 'mxfp4', blockSize: 32, typeSize: 17 }, { name: 'nvfp4', blockSize: 64, typeSize: 36 },
  { name: 'q1_0', blockSize: 128, typeSize: 18 }, { name: 'q2_0', blockSize: 64, typeSize: 18 },
];

/** The sizes of ggml type `type`, or undefined when this ggml has no such type. */
export function ggmlTypeSize(type: number): GgmlTypeSize | undefined {
  return Number.isInteger(type) && type >= 0 ? TYPES[type] : undefined;
}

/** Number of ggml types (GGML_TYPE_COUNT). */
export const GGML_TYPE_COUNT = TYPES.length;
