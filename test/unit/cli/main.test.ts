// CLI dispatch without the addon: help for every command, unknown commands, option parsing helpers.
import test from 'ava';
import { captureIo, runCli } from '../../helpers/cli.js';
import { runCommand } from '../../../lib/cli/main.js';
import { Interrupts } from '../../../lib/cli/interrupts.js';
import type { Command } from '../../../lib/cli/command.js';
import { PersianLoraError } from '../../../lib/errors.js';
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

test('an unknown command or option exits 2 with one line and where the help is', async (t) => {
  const r = await cli('frobnicate');
  t.is(r.code, 2);
  t.is(r.err, 'persian-lora: Unknown command "frobnicate"; see: persian-lora --help\n');
  const o = await cli('inspect', 'a.gguf', '--colour');
  t.is(o.code, 2);
  t.is(o.err, "persian-lora inspect: Unknown option '--colour'. To specify a positional argument starting with a '-', place it at the end of the command after '--', as in '-- \"--colour\"\nsee: persian-lora inspect --help\n");
  const n = await cli('generate', '-m', 'x.gguf', '-p', 'hi', '-n', 'lots');
  t.is(n.code, 2);
  t.is(n.err, 'persian-lora generate: Expected an integer >= 1 for --max-tokens but received "lots"\nsee: persian-lora generate --help\n');
  const missing = await cli('eval', '--tasks', 'paper-fa');
  t.is(missing.err, 'persian-lora eval: Expected a GGUF model path for --model but received nothing\nsee: persian-lora eval --help\n');
});

test('a command group lists its sub-commands', async (t) => {
  for (const group of ['vocab', 'data']) {
    const help = await cli(group, '--help');
    t.is(help.code, 0);
    t.true(help.out.startsWith(`Usage: persian-lora ${group} <command> [options]`), help.out);
    for (const c of commands.filter((x) => x.name.startsWith(`${group} `))) t.regex(help.out, new RegExp(`^  ${c.name.split(' ')[1]} +${c.summary.slice(0, 20)}`, 'm'));
  }
  const bare = await cli('vocab');
  t.is(bare.code, 2);
  t.regex(bare.err, /^ {2}stats +Tokens per word/m);
  const unknown = await cli('vocab', 'shrink');
  t.is(unknown.code, 2);
  t.is(unknown.err, 'persian-lora: Unknown command "vocab shrink"; see: persian-lora vocab --help\n');
});

const throwing = (error: unknown): Command => ({ name: 'fake', summary: '', usage: 'Usage: persian-lora fake', run: () => Promise.reject(error) });

test('operating-system errors are one line naming the path (exit 1); bugs keep their stack', async (t) => {
  const c = captureIo();
  const errno = Object.assign(new Error("EACCES: permission denied, open '/root/x.gguf'"), { code: 'EACCES', errno: -13, syscall: 'open', path: '/root/x.gguf' });
  t.is(await runCommand(throwing(errno), [], c.io), 1);
  t.is(c.err(), 'persian-lora fake: Cannot access /root/x.gguf: permission denied (EACCES)\n');
  const r = captureIo();
  const rename = Object.assign(new Error('EXDEV: cross-device link not permitted'), { code: 'EXDEV', syscall: 'rename', path: '/tmp/x.tmp', dest: '/mnt/x.gguf' });
  t.is(await runCommand(throwing(rename), [], r.io), 1);
  t.is(r.err(), 'persian-lora fake: Cannot access /mnt/x.gguf: EXDEV (EXDEV)\n');
  const d = captureIo();
  t.is(await runCommand(throwing(new PersianLoraError('ERR_BAD_FORMAT', 'x.gguf is not a GGUF file')), [], d.io), 1);
  t.is(d.err(), 'persian-lora fake: x.gguf is not a GGUF file\n');
  const b = captureIo();
  t.is(await runCommand(throwing(new TypeError('undefined is not a function')), [], b.io), 1);
  t.regex(b.err(), /^persian-lora fake: TypeError: undefined is not a function\n\s+at /);
});

test('a command stopped by an interrupt exits 130', async (t) => {
  const stop = new AbortController();
  stop.abort(new Error('interrupted'));
  const c = captureIo(stop.signal);
  t.is(await runCommand(throwing(stop.signal.reason), [], c.io), 130);
  t.is(c.err(), 'persian-lora fake: interrupted\n');
  const d = captureIo(stop.signal);
  t.is(await runCommand(throwing(new PersianLoraError('ERR_ABORTED', 'aborted')), [], d.io), 130);
});

test('Interrupts: the first aborts the signal, the second forces exit 130; a command may take Ctrl-C over', (t) => {
  const c = captureIo();
  const exits: number[] = [];
  const interrupts = new Interrupts(c.io.stderr, (code) => exits.push(code));
  let taken = 0;
  const release = interrupts.takeOver(() => { taken += 1; });
  interrupts.interrupt('SIGINT');
  t.is(taken, 1);
  t.false(interrupts.signal.aborted);
  interrupts.interrupt('SIGTERM'); // not taken over
  t.true(interrupts.signal.aborted);
  t.regex(c.err(), /Terminated: finishing the current step/);
  release();
  interrupts.interrupt('SIGINT');
  t.deepEqual(exits, [130]);
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
