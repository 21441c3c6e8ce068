// Option validation messages: one form, naming the option path, what was expected and what was received.
import test from 'ava';
import { parseOptions } from '../../../lib/config/validate.js';
import { contextSchema, generateSchema } from '../../../lib/config/inference.js';
import { PersianLoraError } from '../../../lib/errors.js';

const cases: [string, unknown, RegExp][] = [
  ['wrong type', { contextSize: '1' }, /^Expected number for ctx\.contextSize but received "1"$/],
  ['too small', { contextSize: 2 }, /^Expected a value >= 8 for ctx\.contextSize but received number 2$/],
  ['not an integer', { batchSize: 1.5 }, /^Expected int for ctx\.batchSize but received number 1\.5$|ctx\.batchSize/],
  ['unknown key', { contextsize: 512 }, /^Unknown option ctx\.contextsize$/],
];
for (const [name, input, message] of cases) {
  test(`context options: ${name}`, (t) => {
    t.throws(() => parseOptions(contextSchema, input, 'ctx'), { instanceOf: PersianLoraError, message });
  });
}

test('defaults live in the schema', (t) => {
  const o = parseOptions(contextSchema, {}, 'ctx');
  t.deepEqual(o, { contextSize: 2048, batchSize: 512, sequences: 8, threads: 0, flashAttention: false, kvCacheType: 'f16' });
  const g = parseOptions(generateSchema, { stop: ['\n'] }, 'gen');
  t.is(g.maxTokens, 256);
  t.is(g.temperature, 0);
  t.deepEqual(g.stop, ['\n']);
});

test('enum and nested errors name the path', (t) => {
  t.throws(() => parseOptions(generateSchema, { stop: ['ok', 3] }, 'gen'), { message: /^Expected string for gen\.stop\.1 but received number 3$/ });
  t.throws(() => parseOptions(generateSchema, { signal: 'x' }, 'gen'), { message: /gen\.signal/ });
});
