// The project's side of make_arch_fixtures.py (run with node from the repository root, after `npx tsc -p tsconfig.json`):
//   quantize <in.gguf> <out.gguf> <type>           the project's quantizer (llama.cpp's, through the addon)
//   train-export <base.gguf> <dir> <batch.json>    4 AdamW steps of the trainer, then <dir>/adapter.gguf (the trainer's
//                                                  export) and <dir>/peft/ (`persian-lora export --format peft` of it)
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const dist = (p) => import(path.join(root, 'dist', 'lib', p));

/** The trainer run whose adapter the fixture checks: rank 4, alpha 8, every target, no dropout, seeded. */
export const RUN = { rank: 4, alpha: 8, dropout: 0, seed: 11, threads: 2, steps: 4, lr: 2e-2 };

const [command, ...args] = process.argv.slice(2);
if (command === 'quantize') {
  const { quantizeModel } = await dist('tiny-model.js');
  await quantizeModel(args[0], args[1], args[2], 2);
} else if (command === 'train-export') {
  const [base, dir, batchFile] = args;
  const { Trainer } = await dist('train/trainer.js');
  const b = JSON.parse(readFileSync(batchFile, 'utf8'));
  const batch = { tokens: Uint32Array.from(b.tokens), sequences: b.sequences, weights: Float32Array.from(b.weights), docStarts: Uint8Array.from(b.docStarts) };
  const trainer = await Trainer.create(base, { rank: RUN.rank, alpha: RUN.alpha, dropout: RUN.dropout, seed: RUN.seed, threads: RUN.threads });
  try {
    for (let s = 0; s < RUN.steps; s++) await trainer.step(batch, { lr: RUN.lr });
    await trainer.exportAdapter(path.join(dir, 'adapter.gguf'));
  } finally {
    trainer.dispose();
  }
  execFileSync(process.execPath, [path.join(root, 'bin', 'persian-lora.js'), 'export', '--adapter', path.join(dir, 'adapter.gguf'), '--format', 'peft',
    '--base', base, '--base-name', path.basename(base), '--out', path.join(dir, 'peft')], { stdio: 'inherit' });
} else {
  throw new Error(`unknown command ${command}: quantize or train-export`);
}
