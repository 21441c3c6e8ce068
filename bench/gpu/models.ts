// The GPU check's synthetic models (bench/gpu/run.sh): a random-weight llama of Llama-2-7B's shape (width 4096, 32 heads,
// FFN 11008, Llama 2's vocabulary) with --layers blocks, written once as F16 and quantized from it to Q8_0 and Q4_K_M.
// Files that exist are kept (a rerun reuses them). Usage: node dist/bench/gpu/models.js --dir DIR --layers N
// [--dim 4096 --heads 32 --ffn 11008] [--context 4096]; prints one JSON line (files and the seconds each took).
import { existsSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createTinyModel, quantizeModel } from '../../lib/tiny-model.js';

const { values } = parseArgs({ options: {
  dir: { type: 'string' }, layers: { type: 'string' }, dim: { type: 'string', default: '4096' }, heads: { type: 'string', default: '32' },
  ffn: { type: 'string', default: '11008' }, context: { type: 'string', default: '4096' },
} });
if (!values.dir || !values.layers) throw new Error('Expected --dir DIR and --layers N (bench/gpu/run.sh passes them)');
const shape = { layers: Number(values.layers), dim: Number(values.dim), heads: Number(values.heads), ffn: Number(values.ffn) };
const name = (quant: string) => path.join(values.dir!, `l${shape.layers}-d${shape.dim}-f${shape.ffn}-${quant}.gguf`);
const seconds: Record<string, number> = {};
const timed = async (quant: string, make: () => Promise<unknown>) => {
  if (existsSync(name(quant))) return;
  const t = performance.now();
  await make();
  seconds[quant] = (performance.now() - t) / 1000;
};
await timed('f16', () => createTinyModel({ vocab: 'llama-spm', ...shape, context: Number(values.context), quant: 'f16', out: name('f16') }));
for (const quant of ['q8_0', 'q4_k_m'] as const) await timed(quant, () => quantizeModel(name('f16'), name(quant), quant, os.availableParallelism()));
const files = Object.fromEntries(['f16', 'q8_0', 'q4_k_m'].map((q) => [q, { path: name(q), bytes: statSync(name(q)).size }]));
process.stdout.write(JSON.stringify({ shape, files, seconds }) + '\n');
