// `persian-lora export` through the CLI: export to PEFT and import back, help, usage errors and refusals.
import test from 'ava';
import { existsSync } from 'node:fs';
import { runCli } from '../../../helpers/cli.js';
import { readLoraAdapter } from '../../../../lib/lora/adapter-read.js';
import { makeAdapter, tmp, writeAdapter, writeBase } from '../../lora/fixtures.js';

test('export --format peft then import --peft gives the same adapter', async (t) => {
  const adapter = writeAdapter('cli-a.gguf', makeAdapter(2, 4));
  const base = writeBase('cli-base.gguf');
  const dir = tmp('cli-peft');
  const ex = await runCli('export', '--adapter', adapter, '--format', 'peft', '--base', base, '--out', dir, '--base-name', 'tiny');
  t.is(ex.code, 0, ex.err);
  t.regex(ex.out, /adapter_model\.safetensors: 14 LoRA pairs, r = 2, lora_alpha = 4/);
  t.true(existsSync(`${dir}/adapter_config.json`));
  const out = tmp('cli-back.gguf');
  const im = await runCli('export', '--peft', dir, '--arch', 'llama', '--base', base, '--out', out);
  t.is(im.code, 0, im.err);
  t.deepEqual(readLoraAdapter(out).pairs, readLoraAdapter(adapter).pairs);
});

test('export --help prints the usage', async (t) => {
  const r = await runCli('export', '--help');
  t.is(r.code, 0);
  t.regex(r.out, /^Usage: persian-lora export --adapter/);
});

const usage = test.macro(async (t, argv: string[], message: RegExp) => {
  const r = await runCli('export', ...argv);
  t.is(r.code, 2, r.err);
  t.regex(r.err, message);
});
test('usage: no --out', usage, ['--adapter', 'a.gguf', '--format', 'peft'], /Expected a path for --out but received nothing/);
test('usage: both directions', usage, ['--adapter', 'a.gguf', '--peft', 'd', '--out', 'x'], /Expected exactly one of --adapter/);
test('usage: wrong format', usage, ['--adapter', 'a.gguf', '--format', 'onnx', '--out', 'x'], /Expected "peft" for --format but received "onnx"/);
test('usage: wrong arch', usage, ['--peft', 'd', '--arch', 'gemma2', '--out', 'x'], /Expected one of llama, qwen2, qwen3 for --arch but received "gemma2"/);

test('q/k adapted without --base is a usage error', async (t) => {
  const r = await runCli('export', '--adapter', writeAdapter('cli-nob.gguf'), '--format', 'peft', '--out', tmp('cli-nob'));
  t.is(r.code, 2);
  t.regex(r.err, /Expected --base <model\.gguf> \(its attention head counts/);
});

test('runtime failures exit 1: missing file, another architecture, another shape', async (t) => {
  const missing = await runCli('export', '--adapter', tmp('none.gguf'), '--format', 'peft', '--out', tmp('x'));
  t.is(missing.code, 1);
  t.regex(missing.err, /Cannot open GGUF file .*none\.gguf/);
  const adapter = writeAdapter('cli-b.gguf');
  const arch = await runCli('export', '--adapter', adapter, '--format', 'peft', '--base', writeBase('cli-qwen.gguf', 'qwen2'), '--out', tmp('y'));
  t.is(arch.code, 1);
  t.regex(arch.err, /adapter for architecture "llama" cannot apply to .*cli-qwen\.gguf \(architecture "qwen2"\)/);
  const shape = await runCli('export', '--adapter', adapter, '--format', 'peft', '--base', writeBase('cli-wide.gguf', 'llama', 32), '--out', tmp('z'));
  t.is(shape.code, 1);
  t.regex(shape.err, /blk\.0\.attn_q\.weight is adapted as \[in 16, out 16\] but .*cli-wide\.gguf has ne \[32, 16\]/);
});
