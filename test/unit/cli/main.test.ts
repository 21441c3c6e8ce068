// CLI dispatch without the addon: help for every command, unknown commands, option parsing helpers.
import test from 'ava';
import { runCli } from '../../helpers/cli.js';
import { commands } from '../../../lib/cli/commands/index.js';
import { numberOption, parseLoraArg, UsageError } from '../../../lib/cli/command.js';

const cli = runCli;

test('--help lists every command', async (t) => {
  const r = await cli('--help');
  t.is(r.code, 0);
  for (const c of commands) t.true(r.out.includes(c.name), c.name);
});

for (const c of commands) {
  test(`${c.name} --help prints its usage`, async (t) => {
    const r = await cli(...c.name.split(' '), '--help');
    t.is(r.code, 0);
    t.true(r.out.startsWith('Usage: persian-lora ' + c.name), r.out.slice(0, 80));
  });
}

test('an unknown command or option exits 2', async (t) => {
  const r = await cli('frobnicate');
  t.is(r.code, 2);
  t.regex(r.err, /Unknown command "frobnicate"/);
  const o = await cli('inspect', 'a.gguf', '--colour');
  t.is(o.code, 2);
  t.regex(o.err, /Unknown option '--colour'/);
});

const numberCases: [string, Parameters<typeof numberOption>[2], RegExp | number][] = [
  ['12', { integer: true, min: 1 }, 12],
  ['1.5', { min: 0 }, 1.5],
  ['1.5', { integer: true }, /Expected an integer for --x but received "1.5"/],
  ['-3', { min: 0 }, /Expected a number >= 0 for --x/],
  ['', {}, /Expected a number for --x but received ""/],
  ['abc', { min: 0, max: 1 }, /Expected a number >= 0 and <= 1 for --x but received "abc"/],
];
for (const [input, opts, expected] of numberCases) {
  test(`numberOption(${JSON.stringify(input)}, ${JSON.stringify(opts)})`, (t) => {
    if (typeof expected === 'number') t.is(numberOption(input, 'x', opts), expected);
    else t.throws(() => numberOption(input, 'x', opts), { instanceOf: UsageError, message: expected });
  });
}

test('--lora path[:scale]', (t) => {
  t.deepEqual(parseLoraArg('a.gguf'), { path: 'a.gguf', scale: 1 });
  t.deepEqual(parseLoraArg('dir/a.gguf:0.5'), { path: 'dir/a.gguf', scale: 0.5 });
  t.deepEqual(parseLoraArg('C:/x/a.gguf:-1e-1'), { path: 'C:/x/a.gguf', scale: -0.1 });
});
