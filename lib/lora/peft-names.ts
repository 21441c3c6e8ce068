// Names and layouts shared by llama.cpp GGUFs and Hugging Face PEFT adapters of llama, qwen2 and qwen3 models, and the
// rotary row permutation.
import { PersianLoraError } from '../errors.js';

/**
 * Architectures whose PEFT names are known: their Hugging Face models (LlamaForCausalLM, Qwen2ForCausalLM,
 * Qwen3ForCausalLM) name the projections alike. Only llama's q and k rows are permuted by convert_hf_to_gguf.py
 * (llama.cpp rotates adjacent pairs there); qwen2 and qwen3 keep HF's row order (NeoX rotation of halves).
 */
export const peftArchitectures = ['llama', 'qwen2', 'qwen3'] as const;
export type PeftArchitecture = (typeof peftArchitectures)[number];

/** Throws ERR_ADAPTER unless PEFT names are known for `architecture`. */
export function peftArchitecture(architecture: string): PeftArchitecture {
  if (!(peftArchitectures as readonly string[]).includes(architecture)) {
    throw new PersianLoraError('ERR_ADAPTER', `Expected an adapter for one of ${peftArchitectures.join(', ')} (the architectures whose Hugging Face module names are known) but received ${JSON.stringify(architecture)}`);
  }
  return architecture as PeftArchitecture;
}

/** GGUF weight suffix (after `blk.N.`) → Hugging Face module path (after `model.layers.N.`) and PEFT target name. */
const LAYER_MODULES = [
  ['attn_q', 'self_attn.q_proj', 'q_proj'],
  ['attn_k', 'self_attn.k_proj', 'k_proj'],
  ['attn_v', 'self_attn.v_proj', 'v_proj'],
  ['attn_output', 'self_attn.o_proj', 'o_proj'],
  ['ffn_gate', 'mlp.gate_proj', 'gate_proj'],
  ['ffn_up', 'mlp.up_proj', 'up_proj'],
  ['ffn_down', 'mlp.down_proj', 'down_proj'],
] as const;

export interface HfModule {
  /** module path in the HF model, e.g. `model.layers.3.self_attn.q_proj` or `lm_head` */
  path: string;
  /** PEFT target_modules entry, e.g. `q_proj` */
  module: string;
  /** llama's q and k rows are stored in a different order by llama.cpp (see ropePermuteRows) */
  rope: 'q' | 'k' | undefined;
}

/** The HF module of a GGUF weight name, e.g. `blk.3.attn_q.weight` → `model.layers.3.self_attn.q_proj`. */
export function hfModule(target: string, architecture: PeftArchitecture = 'llama'): HfModule {
  if (target === 'output.weight') return { path: 'lm_head', module: 'lm_head', rope: undefined };
  const m = /^blk\.(\d+)\.([a-z_]+)\.weight$/.exec(target);
  const row = m ? LAYER_MODULES.find(([g]) => g === m[2]) : undefined;
  if (!m || !row) {
    throw new PersianLoraError('ERR_ADAPTER', `Expected a LoRA target among blk.N.{${LAYER_MODULES.map(([g]) => g).join(',')}}.weight and output.weight but received ${target}`);
  }
  const rope = architecture !== 'llama' ? undefined : row[0] === 'attn_q' ? 'q' : row[0] === 'attn_k' ? 'k' : undefined;
  return { path: `model.layers.${m[1]}.${row[1]}`, module: row[2], rope };
}

/** The GGUF weight name of an HF module path (the inverse of hfModule). */
export function ggufTarget(path: string): string {
  if (path === 'lm_head') return 'output.weight';
  const m = /^model\.layers\.(\d+)\.([a-z_]+\.[a-z_]+)$/.exec(path);
  const row = m ? LAYER_MODULES.find(([, h]) => h === m[2]) : undefined;
  if (!m || !row) throw new PersianLoraError('ERR_ADAPTER', `Expected an HF llama module (model.layers.N.self_attn.{q,k,v,o}_proj, model.layers.N.mlp.{gate,up,down}_proj or lm_head) but received ${path}`);
  return `blk.${m[1]}.${row[0]}.weight`;
}

/** Sort key putting GGUF targets in file order: by layer, then q, k, v, o, gate, up, down; output.weight last. */
export function targetOrder(target: string): number {
  const m = /^blk\.(\d+)\.([a-z_]+)\.weight$/.exec(target);
  if (!m) return Number.MAX_SAFE_INTEGER;
  return Number(m[1]) * LAYER_MODULES.length + LAYER_MODULES.findIndex(([g]) => g === m[2]);
}

/**
 * Reorders the rows of a q or k projection (or of its LoRA B) between HF's rotary layout and llama.cpp's, as
 * convert_hf_to_gguf.py's LlamaModel.permute: with `n` heads of `d` rows each, HF row h·d + j·d/2 + i becomes
 * GGUF row h·d + 2i + j (i < d/2, j ∈ {0, 1}). `toGguf` false applies the inverse. `rows` × `rowLength` values.
 */
export function ropePermuteRows(data: Float32Array, rows: number, rowLength: number, n: number, toGguf: boolean): Float32Array {
  if (!Number.isInteger(n) || n < 1 || rows % (2 * n) !== 0) {
    throw new PersianLoraError('ERR_ADAPTER', `Expected a row count divisible by 2 × ${n} heads for the rotary permutation but received ${rows} rows`);
  }
  const d = rows / n, half = d / 2;
  const out = new Float32Array(data.length);
  for (let h = 0; h < n; h++) {
    for (let i = 0; i < half; i++) {
      for (let j = 0; j < 2; j++) {
        const hf = h * d + j * half + i, gguf = h * d + 2 * i + j;
        const [from, to] = toGguf ? [hf, gguf] : [gguf, hf];
        out.set(data.subarray(from * rowLength, (from + 1) * rowLength), to * rowLength);
      }
    }
  }
  return out;
}
