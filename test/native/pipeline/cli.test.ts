// `persian-lora pipeline` and `demo` on the command line: presets, usage errors, config errors with their exit codes.
import test from 'ava';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { runCli } from '../../helpers/cli.js';
import { demoDataDir } from '../../../lib/pipeline/presets.js';
import { tempDir } from '../../helpers/temp-dir.js';

const dir = tempDir('pl-pipeline-cli-');

test('--preset demo --print-config shows the resolved demo config: shipped data, all four stages, held-out text', async (t) => {
  const r = await runCli('pipeline', '--preset', 'demo', '--out', path.join(dir, 'demo'), '--print-config');
  t.is(r.code, 0, r.err);
  const c = parse(r.out);
  t.is(c.base, path.join(dir, 'demo', 'inputs', 'tiny-llama-spm-q8_0.gguf'));
  t.is(c.stages.vocab.corpus, path.join(demoDataDir(), 'fa-train.txt'));
  t.deepEqual(['vocab', 'pretrain', 'align', 'instruct'].map((s) => c.stages[s].skip), [false, false, false, false]);
  t.is(c.stages.align.data.kind, 'parallel');
  t.is(c.stages.instruct.data.kind, 'instructions');
  t.deepEqual(Object.keys(c.eval.heldOut), ['fa', 'en']);
});

test('--preset paper needs the user\'s model and data, and says which', async (t) => {
  const r = await runCli('pipeline', '--preset', 'paper', '--print-config');
  t.is(r.code, 2);
  t.regex(r.err, /base/);
  const ok = await runCli('pipeline', '--preset', 'paper', '--print-config', '--base', 'm.gguf', '--corpus', 'fa.txt', '--parallel', 'pairs.jsonl',
    '--instructions', 'alpaca.jsonl', '--data-dir', 'testset', '--stop-after', 'align');
  t.is(ok.code, 0, ok.err);
  const c = parse(ok.out);
  t.is(c.stages.vocab.newPieces, 18000);
  t.like(c.stages.pretrain.train, { rank: 8, alpha: 32, dropout: 0.05, lr: 2e-4, gradAccum: 8, seqLen: 512, trainRows: 'all' });
  t.like(c.stages.instruct.train, { lr: 1e-4, warmup: 0.03, weightDecay: 0, seqLen: 1024 });
  t.deepEqual(c.eval.suites, ['paper-fa', 'paper-en']);
  t.is(c.stopAfter, 'align');
});

test('usage and config errors exit 2 and name the problem', async (t) => {
  t.is((await runCli('pipeline')).code, 2);
  const preset = await runCli('pipeline', '--preset', 'demoo');
  t.is(preset.code, 2);
  t.regex(preset.err, /Expected one of demo, paper for --preset but received "demoo"\nsee: persian-lora pipeline --help\n$/);
  const file = path.join(dir, 'bad.yaml');
  writeFileSync(file, 'base: m.gguf\nout: run\nstages:\n  vocab: { skip: true }\n  pretrain: { data: fa.txt, trian: {} }\n');
  const bad = await runCli('pipeline', file);
  t.is(bad.code, 2);
  t.regex(bad.err, /bad\.yaml line 5: Unknown option bad\.yaml\.stages\.pretrain\.trian/);
  const missing = await runCli('pipeline', path.join(dir, 'absent.yaml'));
  t.is(missing.code, 1);
  t.regex(missing.err, /absent\.yaml/);
});
