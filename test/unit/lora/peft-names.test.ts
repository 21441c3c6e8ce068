// GGUF ↔ Hugging Face names and the rotary row permutation, against an independent reshape/swapaxes implementation.
import test from 'ava';
import { ggufTarget, hfModule, ropePermuteRows } from '../../../lib/lora/peft-names.js';

/** numpy's w.reshape(n, 2, rows/n/2, c).swapaxes(1, 2).reshape(rows, c), via explicit strides (convert_hf_to_gguf's permute). */
function referencePermute(w: Float32Array, rows: number, c: number, n: number): Float32Array {
  const half = rows / n / 2;
  const src = [2 * half * c, half * c, c, 1]; // strides of the (n, 2, half, c) view
  const out = new Float32Array(w.length);
  let k = 0;
  // iterate the swapped view (n, half, 2, c) in row-major order
  for (let h = 0; h < n; h++) for (let i = 0; i < half; i++) for (let j = 0; j < 2; j++) for (let x = 0; x < c; x++) {
    out[k++] = w[h * src[0]! + j * src[1]! + i * src[2]! + x * src[3]!]!;
  }
  return out;
}

const seq = (n: number): Float32Array => Float32Array.from({ length: n }, (_, i) => i * 0.5 - 7);

for (const [rows, c, n] of [[16, 3, 2], [64, 4, 4], [32, 1, 8], [8, 5, 1]] as const) {
  test(`permute to GGUF equals the reference and inverts exactly: ${rows} rows × ${c}, ${n} heads`, (t) => {
    const w = seq(rows * c);
    const g = ropePermuteRows(w, rows, c, n, true);
    t.deepEqual(g, referencePermute(w, rows, c, n));
    t.deepEqual(ropePermuteRows(g, rows, c, n, false), w);
    t.notDeepEqual(g, w);
  });
}

test('permutation refuses a row count that does not split into heads of even size', (t) => {
  t.throws(() => ropePermuteRows(seq(12), 12, 1, 4, true), { message: 'Expected a row count divisible by 2 × 4 heads for the rotary permutation but received 12 rows' });
});

const names = [
  ['blk.3.attn_q.weight', 'model.layers.3.self_attn.q_proj', 'q_proj', 'q'],
  ['blk.0.attn_k.weight', 'model.layers.0.self_attn.k_proj', 'k_proj', 'k'],
  ['blk.12.attn_v.weight', 'model.layers.12.self_attn.v_proj', 'v_proj', undefined],
  ['blk.1.attn_output.weight', 'model.layers.1.self_attn.o_proj', 'o_proj', undefined],
  ['blk.1.ffn_gate.weight', 'model.layers.1.mlp.gate_proj', 'gate_proj', undefined],
  ['blk.1.ffn_up.weight', 'model.layers.1.mlp.up_proj', 'up_proj', undefined],
  ['blk.1.ffn_down.weight', 'model.layers.1.mlp.down_proj', 'down_proj', undefined],
  ['output.weight', 'lm_head', 'lm_head', undefined],
] as const;

for (const [gguf, hf, module, rope] of names) {
  test(`names: ${gguf} ↔ ${hf}`, (t) => {
    t.deepEqual(hfModule(gguf), { path: hf, module, rope });
    t.is(ggufTarget(hf), gguf);
  });
}

test('unknown names are refused with the expected forms', (t) => {
  t.throws(() => hfModule('blk.0.attn_norm.weight'), { code: 'ERR_ADAPTER', message: /^Expected a LoRA target among blk\.N\.\{attn_q,.*received blk\.0\.attn_norm\.weight$/ });
  t.throws(() => ggufTarget('model.embed_tokens'), { code: 'ERR_ADAPTER', message: /received model\.embed_tokens$/ });
});
