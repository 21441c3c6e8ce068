// The parity measurement shared by the architecture tests: the trainer's logits against llama.cpp's inference logits
// for the same tiny base and the exported adapter (the tolerance rule is parity.test.ts's).
import { loadModel } from '../../../lib/model.js';
import { Trainer } from '../../../lib/train/trainer.js';
import type { TinyModelOptions } from '../../../lib/tiny-model.js';
import { scratchPath, tinyModel } from '../helpers.js';
import { maxAbsDiff, randomiseB } from './helpers.js';

export const TEXT = 'The training graph must compute what llama.cpp serves, token for token. سلام دنیا';

/** Exact: F32 always, quantized bases when no activation rounding flips; otherwise within the type's rounding noise. */
export const EXACT = 1e-4;

export interface Gap { maxAbs: number; relToEffect: number; pairs: number }

/** True when a gap passes parity.test.ts's rule for a base of type `quant`. */
export function withinParity(quant: string, gap: Gap): boolean {
  if (quant === 'f32') return gap.maxAbs <= EXACT;
  return gap.maxAbs <= EXACT || (gap.maxAbs <= 0.1 && gap.relToEffect <= 0.05);
}

/**
 * The gap between a trainer's logits of `text` (B randomised, seeded) and llama.cpp's on `base` with the adapter the
 * trainer exports (F32 KV cache, no weight repacking: parity.test.ts says why). Disposes the trainer.
 */
export async function adapterGap(trainer: Trainer, base: string, file: string, text = TEXT): Promise<Omit<Gap, 'pairs'>> {
  const model = await loadModel(base, { repack: false });
  const ctx = await model.createContext({ contextSize: 128, threads: 2, kvCacheType: 'f32' });
  try {
    await randomiseB(trainer, 0.05);
    await trainer.exportAdapter(file);
    const tokens = model.tokenize(text);
    const without = await ctx.logits(tokens, { all: true });
    ctx.setAdapters([{ adapter: await model.loadAdapter(file) }]);
    const ours = await trainer.logits({ tokens });
    const ref = await ctx.logits(tokens, { all: true });
    if (ours.length !== ref.length) throw new Error(`${ours.length} logits, llama.cpp ${ref.length}`);
    let gap2 = 0, effect2 = 0;
    for (let i = 0; i < ref.length; i++) {
      gap2 += (ours[i]! - ref[i]!) ** 2;
      effect2 += (ref[i]! - without[i]!) ** 2;
    }
    return { maxAbs: maxAbsDiff(ours, ref), relToEffect: Math.sqrt(gap2 / effect2) };
  } finally {
    ctx.dispose();
    model.dispose();
    trainer.dispose();
  }
}

/** The gap between the trainer's logits (rank 4, every target, B randomised) and llama.cpp's with the exported adapter. */
export async function parityGap(options: Omit<TinyModelOptions, 'out'>, name: string): Promise<Gap> {
  const base = await tinyModel(options);
  const trainer = await Trainer.create(base, { dropout: 0, rank: 4, alpha: 8, threads: 2, seed: 3 });
  const pairs = trainer.parameters.length / 2;
  return { ...(await adapterGap(trainer, base, scratchPath(`arch-parity-${name}.gguf`))), pairs };
}

/** The trainer's logits of TEXT on a base with B randomised (seeded), for comparing two bases. */
export async function trainerLogits(options: Omit<TinyModelOptions, 'out'>): Promise<Float32Array> {
  const base = await tinyModel(options);
  const trainer = await Trainer.create(base, { dropout: 0, rank: 4, alpha: 8, threads: 2, seed: 3 });
  const model = await loadModel(base, { vocabOnly: true });
  try {
    await randomiseB(trainer, 0.05);
    return await trainer.logits({ tokens: model.tokenize(TEXT) });
  } finally {
    model.dispose();
    trainer.dispose();
  }
}
