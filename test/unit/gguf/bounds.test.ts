// Sizes checked before anything is allocated, and adapters / PEFT tensors with NaN or infinities refused on read.
import test from 'ava';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { batchLogitsBytes, checkContextMemory, kvCacheBytes } from '../../../lib/gguf/context-memory.js';
import { readModelGguf } from '../../../lib/gguf/model-file.js';
import { checkSeqLen, checkTrainSizes } from '../../../lib/gguf/train-sizes.js';
import { writeLoraAdapter } from '../../../lib/lora/adapter-file.js';
import { checkAdapterValues, readLoraAdapter } from '../../../lib/lora/adapter-read.js';
import { importPeft } from '../../../lib/lora/peft.js';
import { readSafetensors, writeSafetensors } from '../../../lib/lora/safetensors.js';
import { TINY, writeTinyLlama } from './craft.js';
import { tempDir } from '../../helpers/temp-dir.js';

const dir = tempDir('pl-bounds-');
const model = writeTinyLlama(path.join(dir, 'tiny.gguf'));
const sizes = { rank: 4, batch: 1, gradAccum: 8, epochs: 1, sequences: 40 };

test('train sizes: rank above the width and a step reading more micro-batches than the run are refused with the figures', (t) => {
  t.notThrows(() => checkTrainSizes(model, sizes));
  t.throws(() => checkTrainSizes(model, { ...sizes, rank: 9 }), { code: 'ERR_INVALID_OPTION', message: `rank (--rank) 9 exceeds the width 8 of ${model} (llama.embedding_length): a LoRA rank above it adds nothing` } as never);
  t.throws(() => checkTrainSizes(model, { ...sizes, gradAccum: 1_000_000_000 }), {
    code: 'ERR_INVALID_OPTION',
    message: 'gradAccum (--grad-accum) 1000000000 exceeds the 40 micro-batches of the whole run (40 training sequences in batches of 1 (--batch) × 1 epoch(s)): one optimizer step would read more than the run; lower gradAccum',
  } as never);
  t.notThrows(() => checkTrainSizes(model, { ...sizes, sequences: 5, batch: 2, gradAccum: 6, epochs: 2 }));
  t.throws(() => checkTrainSizes(model, { ...sizes, sequences: 5, batch: 2, gradAccum: 7, epochs: 2 }), { message: /gradAccum \(--grad-accum\) 7 exceeds the 6 micro-batches/ });
  // with maxSteps the run passes over the data as often as it needs, up to MAX_GRAD_ACCUM micro-batches per step
  t.notThrows(() => checkTrainSizes(model, { ...sizes, sequences: 3, gradAccum: 8, maxSteps: 1 }));
  t.throws(() => checkTrainSizes(model, { ...sizes, gradAccum: 1_000_000_000, maxSteps: 1 }), { message: 'gradAccum (--grad-accum) 1000000000 exceeds 65536 micro-batches per optimizer step' });
});

test('sequences longer than the model\'s training context are refused before the data is read', (t) => {
  t.notThrows(() => checkSeqLen(model, 16));
  t.throws(() => checkSeqLen(model, 1_000_000_000), { code: 'ERR_INVALID_OPTION', message: /seqLen \(--seq-len\) 1000000000 exceeds the model's context length \d+/ } as never);
});

test('a context whose KV cache and batch logits exceed the memory is refused with the figures', (t) => {
  const { hyperParameters: hp } = readModelGguf(model);
  // 2 layers × 1 KV head × (4 + 4) values per token, 2 bytes each in f16; logits: 5 tokens' F32 per batch position
  t.is(kvCacheBytes(hp, 1000, 'f16'), 1000 * 2 * 8 * 2);
  t.is(kvCacheBytes(hp, 1000, 'f32'), 1000 * 2 * 8 * 4);
  t.is(batchLogitsBytes(hp, { contextSize: 64, batchSize: 512, kvCacheType: 'f16' }), 64 * 5 * 4);
  t.notThrows(() => checkContextMemory(model, hp, { contextSize: 1 << 22, batchSize: 512, kvCacheType: 'f16' }, 16 * 1024 ** 3));
  t.throws(() => checkContextMemory(model, hp, { contextSize: 1 << 22, batchSize: 1 << 20, kvCacheType: 'f32' }, 200 * 1024 ** 2), {
    code: 'ERR_OUT_OF_MEMORY',
    message: `contextSize 4194304 and batchSize 1048576 need 276 MiB for ${model} (a f32 KV cache of 256 MiB over 2 layers, logits of 20 MiB for 5 tokens) but this machine has 200 MiB: lower contextSize or batchSize`,
  } as never);
});

test('adapter tensors with NaN or infinities are refused on read and on check', async (t) => {
  const file = path.join(dir, 'inf.gguf');
  const a = new Float32Array(2 * TINY.dim).fill(0.1);
  a[3] = -Infinity;
  writeLoraAdapter(file, { architecture: 'llama', alpha: 4, pairs: [{ target: 'blk.0.attn_q.weight', rank: 2, inFeatures: 8, outFeatures: 8, a, b: new Float32Array(16) }] });
  const message = `${file}: tensor blk.0.attn_q.weight.lora_a holds -Infinity at index 3 of 16; an adapter must hold finite numbers`;
  t.throws(() => readLoraAdapter(file), { code: 'ERR_ADAPTER', message } as never);
  await t.throwsAsync(checkAdapterValues(file), { code: 'ERR_ADAPTER', message } as never);
  const nanAlpha = path.join(dir, 'nan-alpha.gguf');
  writeLoraAdapter(nanAlpha, { architecture: 'llama', alpha: NaN, pairs: [] });
  t.throws(() => readLoraAdapter(nanAlpha), { code: 'ERR_BAD_FORMAT', message: `${nanAlpha}: adapter.lora.alpha is NaN; expected a finite number` } as never);
});

test('PEFT safetensors holding Inf are refused by name on import', async (t) => {
  const peft = path.join(dir, 'peft');
  mkdirSync(peft, { recursive: true });
  const b = new Float32Array(16);
  b[5] = Infinity;
  const weights = path.join(peft, 'adapter_model.safetensors');
  await writeSafetensors(weights, new Map([
    ['base_model.model.model.layers.0.mlp.up_proj.lora_A.weight', { shape: [2, 8], data: new Float32Array(16).fill(0.1) }],
    ['base_model.model.model.layers.0.mlp.up_proj.lora_B.weight', { shape: [8, 2], data: b }],
  ]));
  writeFileSync(path.join(peft, 'adapter_config.json'), JSON.stringify({ peft_type: 'LORA', r: 2, lora_alpha: 4, target_modules: ['up_proj'] }));
  const message = `${weights}: tensor base_model.model.model.layers.0.mlp.up_proj.lora_B.weight holds Infinity at index 5 of 16; expected finite numbers`;
  t.throws(() => readSafetensors(weights), { code: 'ERR_BAD_FORMAT', message } as never);
  await t.throwsAsync(importPeft(peft, { architecture: 'llama' }), { code: 'ERR_BAD_FORMAT', message } as never);
});

test('a GGUF write into a missing folder or over a folder is a PersianLoraError naming the path, leaving no temporary file', (t) => {
  const adapter = { architecture: 'llama', alpha: 4, pairs: [] };
  const missing = path.join(dir, 'no', 'such', 'a.gguf');
  t.throws(() => writeLoraAdapter(missing, adapter), { code: 'ERR_FILE_NOT_FOUND', message: `Cannot write ${missing}: no such file or folder (ENOENT)` } as never);
  const folder = path.join(dir, 'a-folder.gguf');
  mkdirSync(folder);
  t.throws(() => writeLoraAdapter(folder, adapter), { code: 'ERR_IO', message: new RegExp(`^Cannot write ${folder.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: `) } as never);
  t.deepEqual(readdirSync(dir).filter((f) => f.includes('.tmp-')), []);
});

test('a negative adapter alpha is refused on read (0 is llama.cpp\'s "no alpha")', (t) => {
  const file = path.join(dir, 'negative-alpha.gguf');
  writeLoraAdapter(file, { architecture: 'llama', alpha: -1, pairs: [] });
  t.throws(() => readLoraAdapter(file), { code: 'ERR_BAD_FORMAT', message: `${file}: adapter.lora.alpha is -1; expected a number from 0` } as never);
  writeLoraAdapter(file, { architecture: 'llama', alpha: 0, pairs: [] });
  t.is(readLoraAdapter(file).alpha, 0);
});
