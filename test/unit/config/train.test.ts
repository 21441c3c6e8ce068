// Trainer and optimizer options: defaults in the schema, and messages naming the option path.
import test from 'ava';
import { parseOptions } from '../../../lib/config/validate.js';
import { optimizerSchema, trainerSchema } from '../../../lib/config/train.js';
import { PersianLoraError } from '../../../lib/errors.js';

test('trainer defaults: the study\'s (alpha 32, dropout 0.05, weight decay 0.01)', (t) => {
  const o = parseOptions(trainerSchema, {}, 'trainer options');
  t.deepEqual(o, {
    rank: 8, alpha: 32, targets: ['q', 'k', 'v', 'o', 'gate', 'up', 'down'], dropout: 0.05, rsLora: false, seed: 42, threads: 0, device: 'cpu', portable: false, backward: 'auto', cpuKernels: true, trainRows: 'none',
    optimizer: { lr: 2e-4, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0.01, clip: 1 },
  });
  // defaults are fresh values: changing one parse's arrays does not change the next
  o.targets.pop();
  o.optimizer.betas[0] = 0;
  const again = parseOptions(trainerSchema, {}, 'trainer options');
  t.is(again.targets.length, 7);
  t.is(again.optimizer.betas[0], 0.9);
});

test('a step overrides the learning rate only', (t) => {
  const base = parseOptions(trainerSchema, { optimizer: { weightDecay: 0.01 } }, 'trainer options').optimizer;
  const o = parseOptions(optimizerSchema, { ...base, lr: 5e-5 }, 'step optimizer');
  t.is(o.lr, 5e-5);
  t.is(o.weightDecay, 0.01);
});

const cases: [string, unknown, RegExp][] = [
  ['rank 0', { rank: 0 }, /^Expected a value >= 1 for trainer options\.rank but received number 0$/],
  ['a fractional rank', { rank: 2.5 }, /trainer options\.rank/],
  ['an unknown target', { targets: ['q', 'qkv'] }, /^Expected one of "q", "k", "v", "o", "gate", "up", "down" for trainer options\.targets\.1 but received "qkv"$/],
  ['no target', { targets: [] }, /trainer options\.targets/],
  ['a repeated target', { targets: ['q', 'q'] }, /no repeated target/],
  ['alpha 0', { alpha: 0 }, /trainer options\.alpha/],
  ['dropout 1', { dropout: 1 }, /trainer options\.dropout/],
  ['a misspelt option', { rsLoRA: true }, /^Unknown option trainer options\.rsLoRA$/],
  ['beta 1', { optimizer: { betas: [0.9, 1] } }, /trainer options\.optimizer\.betas\.1/],
  ['a negative clip', { optimizer: { clip: -1 } }, /trainer options\.optimizer\.clip/],
  ['an unknown backward route', { backward: 'f8' }, /trainer options\.backward/],
  ['an unknown trainRows mode', { trainRows: 'some' }, /trainer options\.trainRows/],
  ['a negative fromId', { trainRows: { fromId: -1 } }, /trainer options\.trainRows/],
  ['a fractional fromId', { trainRows: { fromId: 1.5 } }, /trainer options\.trainRows/],
  ['a negative embeddingLr', { optimizer: { embeddingLr: -1 } }, /trainer options\.optimizer\.embeddingLr/],
  ['an empty device name', { device: '' }, /trainer options\.device/],
  ['a device that is not a string', { device: 0 }, /trainer options\.device/],
  ['portable not a boolean', { portable: 'yes' }, /trainer options\.portable/],
];

test('trainRows accepts none, all and { fromId }; embeddingLr stays unset unless given', (t) => {
  t.is(parseOptions(trainerSchema, { trainRows: 'all' }, 'trainer options').trainRows, 'all');
  t.deepEqual(parseOptions(trainerSchema, { trainRows: { fromId: 32000 } }, 'trainer options').trainRows, { fromId: 32000 });
  t.is(parseOptions(optimizerSchema, {}, 'step optimizer').embeddingLr, undefined);
  t.is(parseOptions(optimizerSchema, { embeddingLr: 1e-3 }, 'step optimizer').embeddingLr, 1e-3);
});
for (const [name, input, message] of cases) {
  test(`trainer options: ${name}`, (t) => {
    t.throws(() => parseOptions(trainerSchema, input, 'trainer options'), { instanceOf: PersianLoraError, message });
  });
}
