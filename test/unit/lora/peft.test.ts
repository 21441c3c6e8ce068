// PEFT export/import: config contents, tensor layout with the rotary permutation, GGUF → PEFT → GGUF round trip.
import test from 'ava';
import { readFileSync, writeFileSync } from 'node:fs';
import { readLoraAdapter } from '../../../lib/lora/adapter-read.js';
import { ropePermuteRows } from '../../../lib/lora/peft-names.js';
import { exportPeft, importPeft } from '../../../lib/lora/peft.js';
import { readSafetensors } from '../../../lib/lora/safetensors.js';
import { DIMS, makeAdapter, tmp, writeAdapter } from './fixtures.js';

const heads = { heads: DIMS.heads, kvHeads: DIMS.kvHeads };

test('export writes the PEFT config and lora_A / lora_B with q and k rows in HF order', async (t) => {
  const adapter = makeAdapter(2, 4);
  const dir = tmp('peft-a');
  await exportPeft(adapter, dir, { ...heads, baseName: 'tiny-llama', loraDropout: 0.05 });
  const config = JSON.parse(readFileSync(`${dir}/adapter_config.json`, 'utf8'));
  t.like(config, {
    peft_type: 'LORA', task_type: 'CAUSAL_LM', base_model_name_or_path: 'tiny-llama', r: 2, lora_alpha: 4, lora_dropout: 0.05,
    use_rslora: false, bias: 'none', target_modules: ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'],
  });
  const { tensors } = readSafetensors(`${dir}/adapter_model.safetensors`);
  t.is(tensors.size, 2 * adapter.pairs.length);
  const q = adapter.pairs.find((p) => p.target === 'blk.1.attn_q.weight')!;
  const k = adapter.pairs.find((p) => p.target === 'blk.0.attn_k.weight')!;
  const v = adapter.pairs.find((p) => p.target === 'blk.0.attn_v.weight')!;
  t.deepEqual(tensors.get('base_model.model.model.layers.1.self_attn.q_proj.lora_A.weight'), { shape: [2, 16], data: q.a });
  const qb = tensors.get('base_model.model.model.layers.1.self_attn.q_proj.lora_B.weight')!;
  t.deepEqual(qb.shape, [16, 2]);
  // GGUF row h·d + 2i + j holds HF row h·d + j·d/2 + i; for q, d = 4: GGUF row 1 (i 0, j 1) is HF row 2
  t.deepEqual(Array.from(qb.data.subarray(2 * 2, 2 * 3)), Array.from(q.b.subarray(2 * 1, 2 * 2)));
  t.deepEqual(ropePermuteRows(qb.data, 16, 2, DIMS.heads, true), q.b);
  const kb = tensors.get('base_model.model.model.layers.0.self_attn.k_proj.lora_B.weight')!;
  t.deepEqual(ropePermuteRows(kb.data, 8, 2, DIMS.kvHeads, true), k.b);
  t.deepEqual(tensors.get('base_model.model.model.layers.0.self_attn.v_proj.lora_B.weight')!.data, v.b);
});

test('GGUF → PEFT → GGUF gives identical tensors, names and alpha', async (t) => {
  const file = writeAdapter('rt.gguf', makeAdapter(3, 12));
  const original = readLoraAdapter(file);
  const dir = tmp('peft-rt');
  await exportPeft(original, dir, heads);
  const back = await importPeft(dir, { architecture: 'llama', ...heads });
  t.is(back.alpha, original.alpha);
  t.deepEqual(back.pairs, original.pairs);
});

test('rsLoRA configs fold sqrt(r) into alpha; patterns, other ranks and missing head counts are refused', async (t) => {
  const dir = tmp('peft-rs');
  await exportPeft(makeAdapter(4, 8, (n) => n.includes('ffn')), dir, {});
  const configFile = `${dir}/adapter_config.json`;
  const config = JSON.parse(readFileSync(configFile, 'utf8'));
  writeFileSync(configFile, JSON.stringify({ ...config, use_rslora: true }));
  t.is((await importPeft(dir, { architecture: 'llama' })).alpha, 16); // 8 / sqrt(4) = 16 / 4
  writeFileSync(configFile, JSON.stringify({ ...config, rank_pattern: { down_proj: 8 } }));
  await t.throwsAsync(importPeft(dir, { architecture: 'llama' }), { code: 'ERR_ADAPTER', message: /adapter_config\.json: rank_pattern is not supported/ });
  writeFileSync(configFile, JSON.stringify({ ...config, r: 8 }));
  await t.throwsAsync(importPeft(dir, { architecture: 'llama' }), { code: 'ERR_ADAPTER', message: /model\.layers\.0\.mlp\.gate_proj: expected lora_A \[8, in\] and lora_B \[out, 8\] \(r = 8\) but found \[4, 16\] and \[24, 4\]$/ });
  writeFileSync(configFile, JSON.stringify({ ...config, peft_type: 'IA3' }));
  await t.throwsAsync(importPeft(dir, { architecture: 'llama' }), { code: 'ERR_ADAPTER', message: /unsupported value for peft_type/ });
  await t.throwsAsync(exportPeft(makeAdapter(2, 4), tmp('peft-noheads'), {}), { code: 'ERR_INVALID_OPTION', message: /^Expected the base's attention head count \(heads\) for blk\.0\.attn_q\.weight/ });
  const mixed = makeAdapter(2, 4);
  mixed.pairs[1] = makeAdapter(3, 4).pairs[1]!;
  await t.throwsAsync(exportPeft(mixed, tmp('peft-mixed'), heads), { code: 'ERR_ADAPTER', message: /^PEFT keeps one rank per adapter, but blk\.0\.attn_k\.weight has rank 3/ });
});
