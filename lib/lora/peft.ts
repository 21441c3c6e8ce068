// Export and import of Hugging Face PEFT LoRA adapters (adapter_config.json + adapter_model.safetensors) for llama, qwen2
// and qwen3 models.
import { mkdir, readFile } from 'node:fs/promises';
import { writeFileAtomicallySync } from '../atomic-file.js';
import path from 'node:path';
import { z } from 'zod';
import { parseOptions } from '../config/validate.js';
import { PersianLoraError, ioError } from '../errors.js';
import { printable } from '../gguf/printable.js';
import type { LoraAdapterFile, LoraPair } from './adapter-file.js';
import { ggufTarget, hfModule, peftArchitecture, peftArchitectures, ropePermuteRows, targetOrder } from './peft-names.js';
import { readSafetensors, writeSafetensors, type SafeTensor } from './safetensors.js';

export const PEFT_CONFIG = 'adapter_config.json';
export const PEFT_WEIGHTS = 'adapter_model.safetensors';
const PREFIX = 'base_model.model.';

const headsSchema = {
  /** attention heads of the base (its `llama.attention.head_count`); needed when q or k is adapted */
  heads: z.number().int().positive().optional(),
  /** key/value heads of the base (`llama.attention.head_count_kv`); defaults to `heads` */
  kvHeads: z.number().int().positive().optional(),
};

export const peftExportSchema = z.strictObject({
  /** base_model_name_or_path written into adapter_config.json. Default "". */
  baseName: z.string().default(''),
  /** lora_dropout recorded in adapter_config.json (the GGUF does not keep it; inference ignores it). Default 0. */
  loraDropout: z.number().min(0).lt(1).default(0),
  ...headsSchema,
});
export type PeftExportOptions = z.input<typeof peftExportSchema>;

export const peftImportSchema = z.strictObject({
  /** general.architecture of the adapter GGUF: llama, qwen2 or qwen3 (see peft-names.ts). */
  architecture: z.enum(peftArchitectures),
  ...headsSchema,
});
export type PeftImportOptions = z.input<typeof peftImportSchema>;

function ropeHeads(rope: 'q' | 'k', o: { heads?: number | undefined; kvHeads?: number | undefined }, what: string): number {
  if (o.heads === undefined) throw new PersianLoraError('ERR_INVALID_OPTION', `Expected the base's attention head count (heads) for ${what}, whose rows llama.cpp stores in its rotary order, but received undefined`);
  return rope === 'q' ? o.heads : o.kvHeads ?? o.heads;
}

/** Writes `dir`/adapter_config.json and `dir`/adapter_model.safetensors for a llama adapter (scale alpha / r). */
export async function exportPeft(adapter: LoraAdapterFile, dir: string, options: PeftExportOptions = {}): Promise<{ config: string; weights: string }> {
  const o = parseOptions(peftExportSchema, options, 'exportPeft options');
  const architecture = peftArchitecture(adapter.architecture);
  if (adapter.pairs.length === 0) throw new PersianLoraError('ERR_ADAPTER', 'The adapter has no LoRA pairs to export');
  const rank = adapter.pairs[0]!.rank;
  const tensors = new Map<string, SafeTensor>();
  const modules = new Set<string>();
  for (const p of adapter.pairs) {
    if (p.rank !== rank) throw new PersianLoraError('ERR_ADAPTER', `PEFT keeps one rank per adapter, but ${p.target} has rank ${p.rank} and ${adapter.pairs[0]!.target} has rank ${rank}`);
    const m = hfModule(p.target, architecture);
    modules.add(m.module);
    const b = m.rope ? ropePermuteRows(p.b, p.outFeatures, p.rank, ropeHeads(m.rope, o, p.target), false) : p.b;
    tensors.set(`${PREFIX}${m.path}.lora_A.weight`, { shape: [p.rank, p.inFeatures], data: p.a });
    tensors.set(`${PREFIX}${m.path}.lora_B.weight`, { shape: [p.outFeatures, p.rank], data: b });
  }
  const config = {
    peft_type: 'LORA', task_type: 'CAUSAL_LM', base_model_name_or_path: o.baseName, r: rank, lora_alpha: adapter.alpha,
    target_modules: [...modules], lora_dropout: o.loraDropout, use_rslora: false, bias: 'none', fan_in_fan_out: false,
    inference_mode: true, modules_to_save: null, rank_pattern: {}, alpha_pattern: {},
  };
  await mkdir(dir, { recursive: true });
  const files = { config: path.join(dir, PEFT_CONFIG), weights: path.join(dir, PEFT_WEIGHTS) };
  await writeSafetensors(files.weights, tensors, { format: 'pt' });
  writeFileAtomicallySync(files.config, JSON.stringify(config, null, 2) + '\n');
  return files;
}

const configSchema = z.object({
  peft_type: z.literal('LORA'),
  r: z.number().int().positive(),
  lora_alpha: z.number().positive(),
  use_rslora: z.boolean().default(false),
  bias: z.literal('none').default('none'),
  fan_in_fan_out: z.literal(false).default(false),
  rank_pattern: z.record(z.string(), z.unknown()).nullish(),
  alpha_pattern: z.record(z.string(), z.unknown()).nullish(),
  modules_to_save: z.array(z.string()).max(0).nullish(),
  base_model_name_or_path: z.string().nullish(),
});

/** Reads a PEFT LoRA directory into GGUF-named pairs (B of q/k permuted to llama.cpp's rotary order). */
export async function importPeft(dir: string, options: PeftImportOptions): Promise<LoraAdapterFile> {
  const o = parseOptions(peftImportSchema, options, 'importPeft options');
  const configFile = path.join(dir, PEFT_CONFIG);
  let text: string;
  try {
    text = await readFile(configFile, 'utf8');
  } catch (err) {
    throw ioError(err, configFile, 'read');
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new PersianLoraError('ERR_BAD_FORMAT', `Cannot read ${configFile}: ${printable((err as Error).message, 120)}`, { cause: err });
  }
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new PersianLoraError('ERR_ADAPTER', `${configFile}: unsupported value for ${issue.path.join('.') || 'the config'}: ${issue.message}`);
  }
  const cfg = parsed.data;
  for (const key of ['rank_pattern', 'alpha_pattern'] as const) {
    if (cfg[key] && Object.keys(cfg[key]).length > 0) throw new PersianLoraError('ERR_ADAPTER', `${configFile}: ${key} is not supported (one rank and alpha for every module)`);
  }
  const { tensors } = readSafetensors(path.join(dir, PEFT_WEIGHTS));
  const halves = new Map<string, { a?: SafeTensor; b?: SafeTensor }>();
  for (const [key, t] of tensors) {
    const m = /^base_model\.model\.(.+)\.lora_([AB])(?:\.default)?\.weight$/.exec(key);
    if (!m) throw new PersianLoraError('ERR_ADAPTER', `${dir}/${PEFT_WEIGHTS}: tensor ${printable(key)} is not a LoRA A or B weight`);
    const h = halves.get(m[1]!) ?? {};
    h[m[2] === 'A' ? 'a' : 'b'] = t;
    halves.set(m[1]!, h);
  }
  const pairs: LoraPair[] = [];
  for (const [module, { a, b }] of halves) {
    if (!a || !b) throw new PersianLoraError('ERR_ADAPTER', `${dir}/${PEFT_WEIGHTS}: ${printable(module)} has lora_${a ? 'A' : 'B'} but no lora_${a ? 'B' : 'A'}`);
    const target = ggufTarget(module);
    if (a.shape.length !== 2 || b.shape.length !== 2 || a.shape[0] !== cfg.r || b.shape[1] !== cfg.r) {
      throw new PersianLoraError('ERR_ADAPTER', `${dir}/${PEFT_WEIGHTS}: ${printable(module)}: expected lora_A [${cfg.r}, in] and lora_B [out, ${cfg.r}] (r = ${cfg.r}) but found [${a.shape.join(', ')}] and [${b.shape.join(', ')}]`);
    }
    const [outFeatures, inFeatures] = [b.shape[0]!, a.shape[1]!];
    const rope = hfModule(target, o.architecture).rope;
    const bData = rope ? ropePermuteRows(b.data, outFeatures, cfg.r, ropeHeads(rope, o, module), true) : b.data;
    pairs.push({ target, rank: cfg.r, inFeatures, outFeatures, a: a.data, b: bData });
  }
  pairs.sort((x, y) => targetOrder(x.target) - targetOrder(y.target));
  if (pairs.length === 0) throw new PersianLoraError('ERR_ADAPTER', `${dir}/${PEFT_WEIGHTS}: no LoRA tensors`);
  // llama.cpp scales by alpha / r; rsLoRA's alpha / sqrt(r) is the same scale with alpha·sqrt(r)
  const alpha = cfg.use_rslora ? cfg.lora_alpha * Math.sqrt(cfg.r) : cfg.lora_alpha;
  const name = cfg.base_model_name_or_path ? `PEFT adapter for ${cfg.base_model_name_or_path}` : 'PEFT adapter';
  return { architecture: o.architecture, alpha, pairs, name };
}
