// Built-in configs: `demo` (the whole pipeline in miniature on shipped data) and `paper` (the study's recipe).
import { existsSync, readdirSync } from 'node:fs';
import { makeDirs } from '../atomic-file.js';
import path from 'node:path';
import { loraTargets } from '../config/train.js';
import { createTinyModel } from '../tiny-model.js';
import { packageRoot } from '../version.js';
import type { PipelineConfigInput } from './config.js';

export const PRESETS = ['demo', 'paper'] as const;
export type PresetName = (typeof PRESETS)[number];

/** The English/Persian sample the package ships for the demo (licences in its README). */
export const demoDataDir = (): string => path.join(packageRoot, 'lib', 'pipeline', 'demo');

/** The demo's classification and generation task files, shipped beside its data (held-out perplexity comes from eval.heldOut). */
export function demoTaskFiles(): string[] {
  const dir = path.join(demoDataDir(), 'tasks');
  return readdirSync(dir).filter((f) => /\.ya?ml$/.test(f) && !/perplexity/.test(f)).sort().map((f) => path.join(dir, f));
}

/** Training settings shared by the demo's stages: short sequences, a few steps, a learning rate for a random model. */
const DEMO_TRAIN = { rank: 8, alpha: 32, dropout: 0.05, lr: 2e-3, schedule: 'cosine', warmup: 0.1, weightDecay: 0.01, seqLen: 128, batch: 1, gradAccum: 2, valFraction: 0.05 } as const;

/**
 * The demo: a tiny random-weight llama model with Llama 2's real vocabulary (Q8_0), written into the run folder on
 * first use, through all four stages on the shipped sample, evaluated after each on the demo tasks and held-out text.
 */
export async function demoConfig(runDir: string): Promise<PipelineConfigInput> {
  const data = demoDataDir();
  const base = path.join(runDir, 'inputs', 'tiny-llama-spm-q8_0.gguf');
  if (!existsSync(base)) {
    makeDirs(path.dirname(base), 'create the run folder');
    await createTinyModel({ out: base, vocab: 'llama-spm', layers: 2, dim: 128, heads: 4, ffn: 256, context: 512, quant: 'q8_0', seed: 7 });
  }
  return {
    name: 'demo: a tiny Llama-2-vocabulary model learns Persian',
    base,
    language: 'fa',
    stages: {
      vocab: { corpus: path.join(data, 'fa-train.txt'), newPieces: 2000, minCount: 2 },
      pretrain: { data: { kind: 'text', path: path.join(data, 'fa-train.txt') }, train: { ...DEMO_TRAIN, trainRows: 'all', maxSteps: 150 } },
      align: { data: { kind: 'parallel', path: path.join(data, 'parallel.jsonl') }, train: { ...DEMO_TRAIN, lr: 5e-4, maxSteps: 80 } },
      instruct: { data: { kind: 'instructions', path: path.join(data, 'instructions.jsonl') }, train: { ...DEMO_TRAIN, lr: 5e-4, warmup: 0.03, weightDecay: 0, maxSteps: 60 } },
    },
    eval: {
      tasks: demoTaskFiles(), dataDir: data, limit: 12, maxTokens: 16, mode: 'loglikelihood',
      heldOut: { fa: path.join(data, 'fa-heldout.txt'), en: path.join(data, 'en-heldout.txt') },
      contextSize: 1024, sequences: 4, bootstrapSamples: 200,
    },
  };
}

/**
 * The study's recipe (Llama 2 + Persian, ../DESIGN §2) for a model and data the user gives: vocabulary extension to
 * about 50k pieces, then LoRA r 8 / alpha 32 / dropout 0.05 on all projections with embeddings and head in full,
 * lr 2e-4 cosine, warmup 5 %, weight decay 0.01, blocks of 512, accumulation 8, one epoch; instructions at lr 1e-4,
 * warmup 3 %, no weight decay, length 1024; evaluation on the study's test sets, greedy with penalty 1.1.
 */
export function paperConfig(device: string): Partial<PipelineConfigInput> {
  const train = { rank: 8, alpha: 32, dropout: 0.05, targets: [...loraTargets], lr: 2e-4, schedule: 'cosine' as const, warmup: 0.05, weightDecay: 0.01, seqLen: 512, gradAccum: 8, epochs: 1 };
  return {
    name: 'paper: the study\'s recipe',
    language: 'fa',
    device,
    stages: {
      vocab: { newPieces: 18000, minCount: 2 },
      pretrain: { train: { ...train, trainRows: 'all' } },
      align: { train: { ...train } },
      instruct: { train: { ...train, lr: 1e-4, warmup: 0.03, weightDecay: 0, seqLen: 1024 } },
    },
    eval: { suites: ['paper-fa', 'paper-en'] },
  };
}
