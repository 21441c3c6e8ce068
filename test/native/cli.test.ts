// The CLI end to end through main(): tiny-model, inspect, generate (with an adapter), exit codes.
import test from 'ava';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { captureIo, runCli } from '../helpers/cli.js';
import { main } from '../../lib/cli/main.js';
import { writeLoraAdapter } from '../../lib/lora/adapter-file.js';
import { packageRoot } from '../../lib/version.js';
import { scratchPath, tinyModel } from './helpers.js';

const cli = runCli;
const trainLossPoints = (svg: string) => /class="train-loss" points="([^"]*)"/.exec(svg)?.[1]!.split(' ').length ?? (svg.includes('class="train-loss"') ? 1 : 0);
const loggedSteps = (run: string) => readFileSync(path.join(run, 'metrics.jsonl'), 'utf8').trim().split('\n').filter((l) => JSON.parse(l).type === 'step').length;

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
  t.is(missing.err.trim(), 'persian-lora inspect: Cannot open GGUF file /no/such/model.gguf: no such file or folder (ENOENT)');
  const usage = await cli('generate', '-m', 'x.gguf');
  t.is(usage.code, 2);
  t.is(usage.err, 'persian-lora generate: Expected prompt text for --prompt but received nothing\nsee: persian-lora generate --help\n');
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
  const curves = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => path.basename(f) === 'loss.svg');
  t.is(curves.length, 3, 'a loss.svg in the training folder of stages 1-3');
  for (const f of curves) t.is(trainLossPoints(readFileSync(path.join(dir, f), 'utf8')), loggedSteps(path.dirname(path.join(dir, f))), f);
  const again = await cli('demo', '--out', dir);
  t.is(again.code, 0, again.err);
  t.is(again.err.match(/already done/g)?.length, 5);
});


test('train: Ctrl-C exits 130 with a checkpoint; loss.svg is redrawn at each checkpoint, also on resume', async (t) => {
  const base = await tinyModel({ vocab: 'llama-spm', layers: 1, dim: 32, heads: 2 });
  const data = scratchPath('loss-curve.txt');
  writeFileSync(data, Array.from({ length: 40 }, (_, i) => `سلام دنیا ${i}، این یک جمله‌ی آزمایشی است.`).join('\n') + '\n');
  const run = scratchPath('loss-curve-run');
  const stop = new AbortController();
  const c = captureIo(stop.signal);
  c.io.stderr.on('data', (d) => { if (String(d).includes('checkpoint:')) stop.abort(new Error('interrupted')); }); // Ctrl-C at the first checkpoint
  const args = ['--base', base, '--data', data, '--out', run, '--seq-len', '16', '--batch', '1', '--grad-accum', '1', '--rank', '2', '-t', '2'];
  const code = await main(['train', ...args, '--max-steps', '8', '--save-every', '1'], c.io);
  t.is(code, 130, c.err());
  t.regex(c.err(), /stopped at step \d+; continue with: persian-lora train --resume/);
  const stoppedAt = loggedSteps(run);
  t.true(stoppedAt < 8);
  t.is(trainLossPoints(readFileSync(path.join(run, 'loss.svg'), 'utf8')), stoppedAt);

  const resumed = await cli('train', '--resume', run, '--save-every', '3');
  t.is(resumed.code, 0, resumed.err);
  t.is(loggedSteps(run), 8);
  t.is(trainLossPoints(readFileSync(path.join(run, 'loss.svg'), 'utf8')), 8);
});

test('every long command exits 130 when interrupted', async (t) => {
  const base = await tinyModel({ vocab: 'llama-spm', layers: 1, dim: 32, heads: 2 });
  const corpus = scratchPath('interrupt-corpus.txt');
  writeFileSync(corpus, 'سلام دنیا\nاین یک جمله است\n'.repeat(20));
  const lora = scratchPath('interrupt-lora.gguf');
  writeLoraAdapter(lora, { architecture: 'llama', alpha: 4, pairs: [{ target: 'blk.0.attn_v.weight', rank: 2, inFeatures: 32, outFeatures: 32, a: new Float32Array(64).fill(0.01), b: new Float32Array(64).fill(0.01) }] });
  const demo = path.join(packageRoot, 'lib', 'pipeline', 'demo');
  const commands: string[][] = [
    ['generate', '-m', base, '-p', 'سلام', '-n', '4'],
    ['chat', '-m', base],
    ['eval', '-m', base, '--tasks', path.join(demo, 'tasks', 'fa-perplexity.yaml'), '--data-dir', demo, '--out', scratchPath('interrupt-eval')],
    ['train', '--base', base, '--data', corpus, '--out', scratchPath('interrupt-train'), '--seq-len', '8', '--max-steps', '2'],
    ['merge', '--base', base, '--lora', lora, '--out', scratchPath('interrupt-merged.gguf')],
    ['vocab', 'extend', '--base', base, '--corpus', corpus, '--new-pieces', '8', '--out', scratchPath('interrupt-vocab.gguf')],
    ['pipeline', '--preset', 'demo', '--out', scratchPath('interrupt-demo')],
  ];
  const stop = new AbortController();
  stop.abort(new Error('interrupted'));
  for (const argv of commands) {
    const c = captureIo(stop.signal);
    t.is(await main(argv, c.io), 130, `${argv.slice(0, 2).join(' ')}: ${c.err()}`);
  }
});
