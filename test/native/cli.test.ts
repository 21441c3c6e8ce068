// The CLI end to end through main(): tiny-model, inspect, generate (with an adapter), exit codes.
import test from 'ava';
import { runCli } from '../helpers/cli.js';
import { writeLoraAdapter } from '../../lib/lora/adapter-file.js';
import { scratchPath } from './helpers.js';

const cli = runCli;

test.serial('tiny-model, inspect and generate work together', async (t) => {
  const file = scratchPath('cli-tiny.gguf');
  const made = await cli('tiny-model', '--vocab', 'llama-spm', '--layers', '2', '--dim', '64', '--quant', 'q8_0', '--out', file);
  t.is(made.code, 0, made.err);
  t.regex(made.out, /wrote .*cli-tiny\.gguf \(4\.\d+M parameters, q8_0\)/);

  const shown = await cli('inspect', file, '--json');
  t.is(shown.code, 0, shown.err);
  const summary = JSON.parse(shown.out);
  t.is(summary.architecture, 'llama');
  t.is(summary.layers, 2);
  t.is(summary.vocabulary.size, 32000);

  const text = await cli('inspect', file);
  t.regex(text.out, /quantization\s+q8_0/);

  const gen = await cli('generate', '-m', file, '-p', 'سلام', '-n', '8', '-t', '2');
  t.is(gen.code, 0, gen.err);
  t.regex(gen.err, /\[\d+ tokens, stopped: (maxTokens|eog)\]/);
  const again = await cli('generate', '-m', file, '-p', 'سلام', '-n', '8', '-t', '2');
  t.is(again.out, gen.out);

  const lora = scratchPath('cli-lora.gguf');
  writeLoraAdapter(lora, { architecture: 'llama', alpha: 16, pairs: [0, 1].map((l) => ({
    target: `blk.${l}.attn_v.weight`, rank: 4, inFeatures: 64, outFeatures: 64,
    a: Float32Array.from({ length: 256 }, (_, i) => Math.sin(i + l)), b: Float32Array.from({ length: 256 }, (_, i) => Math.cos(3 * i + l)),
  })) });
  const adapted = await cli('generate', '-m', file, '--lora', `${lora}:2`, '-p', 'سلام', '-n', '8', '-t', '2');
  t.is(adapted.code, 0, adapted.err);
});

test('runtime failures exit 1 with a one-line message; usage errors exit 2', async (t) => {
  const missing = await cli('inspect', '/no/such/model.gguf');
  t.is(missing.code, 1);
  t.is(missing.err.trim(), 'persian-lora inspect: File not found: /no/such/model.gguf');
  const usage = await cli('generate', '-m', 'x.gguf');
  t.is(usage.code, 2);
  t.regex(usage.err, /Expected prompt text for --prompt/);
  const badNumber = await cli('tiny-model', '--out', scratchPath('y.gguf'), '--layers', 'two');
  t.is(badNumber.code, 2);
  t.regex(badNumber.err, /Expected an integer >= 1 for --layers but received "two"/);
});

test('demo builds a tiny model and generates from it', async (t) => {
  const r = await cli('demo', '--dir', scratchPath('demo'));
  t.is(r.code, 0, r.err);
  t.regex(r.out, /1\. wrote .*tiny-llama-spm-q8_0\.gguf/);
  t.regex(r.out, /4\. greedy generation: \S+/);
});
