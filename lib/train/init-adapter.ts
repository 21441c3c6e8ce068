// A training run's starting adapter: read from a llama.cpp LoRA GGUF or a PEFT folder, checked against the base and
// the job, and loaded into the trainer's LoRA parameters (initMode 'continue').
import { statSync } from 'node:fs';
import path from 'node:path';
import { PersianLoraError } from '../errors.js';
import { loraTargets, type LoraTarget } from '../config/train.js';
import type { LoraAdapterFile } from '../lora/adapter-file.js';
import { readLoraAdapter } from '../lora/adapter-read.js';
import { attentionHeads, checkAdapterFits } from '../lora/base-check.js';
import { peftArchitectures } from '../lora/peft-names.js';
import { importPeft, PEFT_CONFIG, PEFT_WEIGHTS } from '../lora/peft.js';
import { readGgufMetadata } from '../vocab/gguf-read.js';
import type { Trainer } from './trainer.js';

/** GGUF weight of each LoRA target letter (blk.N.<name>.weight). */
const TARGET_WEIGHTS: Record<LoraTarget, string> = {
  q: 'attn_q', k: 'attn_k', v: 'attn_v', o: 'attn_output', gate: 'ffn_gate', up: 'ffn_up', down: 'ffn_down',
};

export interface InitAdapter {
  /** The file or folder it was read from. */
  file: string;
  format: 'gguf' | 'peft';
  /** Pairs in GGUF names and ggml-compatible layouts (A [r, in] row-major = ggml [in, r]; B [out, r] = ggml [r, out]). */
  adapter: LoraAdapterFile;
  /** The rank every pair has. */
  rank: number;
  /** The LoRA targets it adapts, in loraTargets order. */
  targets: LoraTarget[];
}

/** The target letter of a GGUF weight name (blk.N.attn_q.weight → q), or undefined (e.g. output.weight). */
export function targetOf(weight: string): LoraTarget | undefined {
  const m = /^blk\.\d+\.([a-z_]+)\.weight$/.exec(weight);
  return m ? loraTargets.find((t) => TARGET_WEIGHTS[t] === m[1]) : undefined;
}

/**
 * Reads `file` (a LoRA GGUF, or a folder with adapter_config.json + adapter_model.safetensors) and checks that it fits
 * `base` (architecture, adapted weights and their shapes) and has one rank. PEFT folders are named and permuted as
 * lib/lora/peft.ts imports them (the base's head counts give the rotary order of q and k).
 */
export async function readInitAdapter(file: string, base: string): Promise<InitAdapter> {
  let isDir: boolean;
  try {
    isDir = statSync(file).isDirectory();
  } catch (error) {
    throw new PersianLoraError('ERR_FILE_NOT_FOUND', `Cannot read the initial adapter ${file}: ${(error as Error).message}`, { cause: error });
  }
  const meta = readGgufMetadata(base);
  let adapter: LoraAdapterFile;
  if (isDir) {
    const arch = meta.kv.get('general.architecture')?.value;
    const known = peftArchitectures.find((a) => a === arch);
    if (!known) {
      throw new PersianLoraError('ERR_ADAPTER', `${file}: PEFT folders are read for ${peftArchitectures.join(', ')} bases only, but ${base} has architecture ${JSON.stringify(arch)}`);
    }
    adapter = await importPeft(file, { architecture: known, ...attentionHeads(meta) });
  } else {
    adapter = readLoraAdapter(file);
  }
  checkAdapterFits(adapter, file, meta);
  if (adapter.pairs.length === 0) throw new PersianLoraError('ERR_ADAPTER', `${file}: the adapter has no LoRA pairs`);
  const first = adapter.pairs[0]!;
  for (const p of adapter.pairs) {
    if (p.rank !== first.rank) {
      throw new PersianLoraError('ERR_ADAPTER', `${file}: one rank is expected for every pair, but ${p.target} has rank ${p.rank} and ${first.target} has rank ${first.rank}`);
    }
  }
  const found = new Set(adapter.pairs.map((p) => targetOf(p.target)));
  const targets = loraTargets.filter((t) => found.has(t));
  return { file, format: isDir ? 'peft' : 'gguf', adapter, rank: first.rank, targets };
}

/**
 * The alpha a continued run trains with: the one that gives the adapter's own scale. llama.cpp applies an adapter as
 * (alpha / r)·B·A, so the trainer's alpha is adapter.alpha with plain scaling and adapter.alpha / sqrt(r) with rsLora
 * (whose scale is alpha / sqrt(r)). `given` (the job's alpha, when set) must give the same scale (to 1e-6), else
 * ERR_ADAPTER names both.
 */
export function continuedAlpha(init: InitAdapter, o: { rank: number; rsLora: boolean }, given: number | undefined): number {
  const scale = init.adapter.alpha / init.rank;
  const alpha = o.rsLora ? scale * Math.sqrt(o.rank) : init.adapter.alpha;
  if (given !== undefined) {
    const givenScale = o.rsLora ? given / Math.sqrt(o.rank) : given / o.rank;
    if (Math.abs(givenScale - scale) > 1e-6 * Math.abs(scale)) {
      throw new PersianLoraError('ERR_ADAPTER', `${init.file}: the adapter was trained with alpha ${init.adapter.alpha} at rank ${init.rank} (scale ${scale}), but the job's alpha ${given}${o.rsLora ? ' with rsLora' : ''} gives scale ${givenScale}: leave alpha unset to take the adapter's (${alpha}), or use initMode 'merge'`);
    }
  }
  return alpha;
}

/**
 * Writes the adapter's A and B into the trainer's LoRA parameters (by name: `<weight>.lora_a` [in, r] and `.lora_b`
 * [r, out] in ggml order, the same bytes as the adapter's row-major [r, in] and [out, r]). The adapter must adapt
 * exactly the trainer's LoRA weights, at the trainer's rank: a missing or extra pair, or another shape, is refused
 * with ERR_ADAPTER naming the tensor and both shapes. Token rows (trainRows) and optimizer moments are left as they are.
 */
export async function loadInitAdapter(trainer: Trainer, init: InitAdapter): Promise<void> {
  const pairs = new Map(init.adapter.pairs.map((p) => [p.target, p]));
  const params = new Map(trainer.parameters.slice(0, trainer.loraParameterCount).map((p, i) => [p.name, { ...p, index: i }]));
  const trainerTargets = [...new Set([...params.keys()].map((n) => targetOf(n.replace(/\.lora_[ab]$/, ''))))];
  const job = loraTargets.filter((t) => trainerTargets.includes(t)).join(',');
  for (const p of init.adapter.pairs) {
    if (!params.has(`${p.target}.lora_a`)) {
      throw new PersianLoraError('ERR_ADAPTER', `${init.file}: adapts ${p.target}, which this run does not train (targets ${job}; the adapter's are ${init.targets.join(',') || 'none of them'}): set targets to the adapter's, or use initMode 'merge'`);
    }
  }
  for (const name of params.keys()) {
    const weight = name.replace(/\.lora_[ab]$/, '');
    if (!pairs.has(weight)) {
      throw new PersianLoraError('ERR_ADAPTER', `${init.file}: has no pair for ${weight}, which this run trains (targets ${job}; the adapter's are ${init.targets.join(',')}): set targets to the adapter's, or use initMode 'merge'`);
    }
  }
  for (const p of init.adapter.pairs) {
    const a = params.get(`${p.target}.lora_a`)!, b = params.get(`${p.target}.lora_b`)!;
    const want = { a: [p.inFeatures, p.rank], b: [p.rank, p.outFeatures] };
    for (const [which, param] of [['a', a], ['b', b]] as const) {
      if (param.shape[0] !== want[which][0] || param.shape[1] !== want[which][1]) {
        throw new PersianLoraError('ERR_ADAPTER', `${init.file}: ${p.target}.lora_${which} has ggml shape [${want[which].join(', ')}] (rank ${p.rank}) but the trainer's ${param.name} is [${param.shape.join(', ')}] (rank ${trainer.options.rank})`);
      }
    }
    await trainer.setParameter(a.index, p.a);
    await trainer.setParameter(b.index, p.b);
  }
}

/** What `file` looks like, for messages: a PEFT folder or a GGUF. */
export function describeInitAdapter(init: InitAdapter): string {
  const where = init.format === 'peft' ? `${path.join(init.file, PEFT_CONFIG)} + ${PEFT_WEIGHTS}` : init.file;
  return `${where}: ${init.adapter.pairs.length} pairs, r = ${init.rank}, alpha ${init.adapter.alpha}, targets ${init.targets.join(',')}`;
}
