// The CLI end to end through main(): tiny-model, inspect, generate (with an adapter), exit codes.
import test from 'ava';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
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

test('demo runs the staged pipeline to its report, shows its effect, and a second run does no stage again', async (t) => {
  const dir = scratchPath('demo');
  const r = await cli('demo', '--out', dir);
  t.is(r.code, 0, r.err);
  t.regex(r.out, /\|stage 3 · instructions\|/);
  t.regex(r.out, /report: .*report\.md/);
  for (const file of ['report.md', 'report.html', 'manifest.json']) t.true(existsSync(path.join(dir, file)), file);
  const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as { stages: Array<{ id: string; status: string; vocab: { before: { tokensPerWord: number }; after: { tokensPerWord: number } } | null; eval: { results: string } }> };
  t.deepEqual(manifest.stages.map((s) => s.status), ['done', 'done', 'done', 'done', 'done']);
  const vocab = manifest.stages[1]!.vocab!;
  t.true(vocab.after.tokensPerWord < vocab.before.tokensPerWord, 'held-out Persian tokens per word fall after stage 0');
  const bitsPerChar = (stage: number) => {
    const results = JSON.parse(readFileSync(path.join(dir, manifest.stages[stage]!.eval.results), 'utf8')) as { tasks: Array<{ name: string; aggregates: Array<{ metric: string; value: number }> }> };
    return results.tasks.find((x) => x.name === 'heldout/fa')!.aggregates.find((a) => a.metric === 'bits_per_char')!.value;
  };
  t.true(bitsPerChar(2) < bitsPerChar(1), 'held-out Persian bits per character fall after stage 1');
  const again = await cli('demo', '--out', dir);
  t.is(again.code, 0, again.err);
  t.is(again.err.match(/already done/g)?.length, 5);
});
