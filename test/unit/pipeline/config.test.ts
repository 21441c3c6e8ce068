// The pipeline config: defaults per stage, paths resolved against the config file, and each error named with its line.
import test from 'ava';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadPipelineConfig, parsePipelineConfig } from '../../../lib/pipeline/config.js';
import { PersianLoraError } from '../../../lib/errors.js';
import { tempDir } from '../../helpers/temp-dir.js';

const dir = tempDir('pl-pipeline-config-');
function configFile(name: string, text: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}

const MINIMAL = `base: model.gguf
out: run
stages:
  vocab:
    corpus: fa.txt
  pretrain:
    data: fa.txt
  align:
    data: { kind: parallel, path: pairs.jsonl }
  instruct:
    data: { kind: instructions, path: alpaca.jsonl }
eval:
  heldOut: { fa: fa-heldout.txt }
`;

test('a minimal config takes the study\'s defaults per stage and resolves paths against its folder', (t) => {
  const c = loadPipelineConfig(configFile('ok.yaml', MINIMAL));
  t.is(c.base, path.join(dir, 'model.gguf'));
  t.is(c.out, path.join(dir, 'run'));
  t.is(c.stages.vocab.corpus, path.join(dir, 'fa.txt'));
  t.is(c.stages.vocab.skip, false);
  t.is(c.stages.pretrain.data, path.join(dir, 'fa.txt'));
  t.deepEqual(c.stages.align.data, { kind: 'parallel', path: path.join(dir, 'pairs.jsonl'), fields: { source: 'en', target: 'fa' }, documents: 0.5 });
  t.is(c.eval.heldOut.fa, path.join(dir, 'fa-heldout.txt'));
  // stage 1 trains embeddings and head in full; stage 3 uses the study's instruction settings
  t.is(c.stages.pretrain.train.trainRows, 'all');
  t.is(c.stages.align.train.trainRows, 'none');
  t.like(c.stages.pretrain.train, { rank: 8, dropout: 0.05, lr: 2e-4, weightDecay: 0.01, warmup: 0.05, gradAccum: 8, seqLen: 512 });
  t.like(c.stages.instruct.train, { lr: 1e-4, warmup: 0.03, weightDecay: 0, seqLen: 1024 });
  t.is(c.stages.instruct.adapter, 'continue');
  t.is(c.stopAfter, 'instruct');
});

test('a stage can override one training option and keep the rest of its defaults', (t) => {
  const c = loadPipelineConfig(configFile('override.yaml', MINIMAL.replace('    data: { kind: instructions, path: alpaca.jsonl }', '    data: { kind: instructions, path: alpaca.jsonl }\n    train: { maxSteps: 5 }')));
  t.like(c.stages.instruct.train, { maxSteps: 5, lr: 1e-4, seqLen: 1024 });
});

const errors: Array<[string, string, RegExp]> = [
  ['unknown top-level key', MINIMAL.replace('out: run', 'outt: run'), /line 2: Unknown option [^ ]+\.outt/],
  ['unknown stage key', MINIMAL.replace('    corpus: fa.txt', '    corpus: fa.txt\n    newPeices: 100'), /line 6: Unknown option [^ ]+\.stages\.vocab\.newPeices/],
  ['unknown training option', MINIMAL.replace('    data: fa.txt', '    data: fa.txt\n    train: { lr: 1e-4, rnak: 4 }'), /line 8: Unknown option [^ ]+\.stages\.pretrain\.train\.rnak/],
  ['wrong type', MINIMAL.replace('    data: fa.txt', '    data: fa.txt\n    train: { rank: eight }'), /line 8: Expected number for [^ ]+\.stages\.pretrain\.train\.rank but received "eight"/],
  ['missing base', MINIMAL.replace('base: model.gguf\n', ''), /Expected string for [^ ]+\.base but received undefined/],
  ['missing stage data', MINIMAL.replace('    data: { kind: parallel, path: pairs.jsonl }\n', '    adapter: new\n'), /stages\.align\.data/],
  ['bad data kind', MINIMAL.replace('kind: parallel', 'kind: paralel'), /line 9: .*stages\.align\.data/],
  ['bad stage name in stopAfter', MINIMAL + 'stopAfter: stage2\n', /line 14: Expected one of "vocab", "pretrain", "align", "instruct" for [^ ]+\.stopAfter but received "stage2"/],
  ['suites without their data folder', MINIMAL.replace('eval:\n', 'eval:\n  suites: [paper-fa]\n'), /eval\.dataDir/],
  ['bad held-out language code', MINIMAL.replace('heldOut: { fa: fa-heldout.txt }', 'heldOut: { Farsi: fa-heldout.txt }'), /heldOut/],
  ['YAML syntax', 'base: [unclosed\n', /YAML-syntax\.yaml line \d is not valid YAML: /],
  ['not a mapping', '- a\n- b\n', /expected a mapping/],
];

for (const [name, text, message] of errors) {
  test(`config error: ${name}`, (t) => {
    const file = configFile(`${name.replace(/\W+/g, '-')}.yaml`, text);
    const error = t.throws(() => loadPipelineConfig(file), { instanceOf: PersianLoraError });
    t.regex(error!.message, message);
    t.true(error!.message.startsWith(file), error!.message);
  });
}

test('a missing config file is named', (t) => {
  const error = t.throws(() => loadPipelineConfig(path.join(dir, 'absent.yaml')), { instanceOf: PersianLoraError });
  t.is(error!.code, 'ERR_FILE_NOT_FOUND');
  t.regex(error!.message, /absent\.yaml/);
});

test('a config object is validated the same way', (t) => {
  const error = t.throws(() => parsePipelineConfig({ base: 'm.gguf', stages: { vocab: { skip: true }, pretrain: { skip: true }, align: { skip: true }, instruct: { skip: true } }, evaluation: {} }), { instanceOf: PersianLoraError });
  t.regex(error!.message, /Unknown option pipeline config\.evaluation/);
  const c = parsePipelineConfig({ base: 'm.gguf', stopAfter: 'vocab', stages: { vocab: { corpus: 'fa.txt' } } }, '/data');
  t.is(c.base, '/data/m.gguf');
  t.is(c.stages.vocab.corpus, '/data/fa.txt');
});
