// `persian-lora compare`: run() with fake streams over results files written to a temporary folder.
import test from 'ava';
import { captureIo } from '../../../helpers/cli.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { compareCommand } from '../../../../lib/cli/commands/compare.js';
import { commands } from '../../../../lib/cli/commands/index.js';
import { main } from '../../../../lib/cli/main.js';
import { aggregate, run } from '../../eval/results/sample.js';

const dir = mkdtempSync(path.join(tmpdir(), 'pl-compare-'));
const write = (name: string, data: unknown) => {
  const file = path.join(dir, name);
  writeFileSync(file, typeof data === 'string' ? data : JSON.stringify(data));
  return file;
};
const a = write('base.json', run([{ name: 'fa/mc', aggregates: [aggregate('acc', 0.3, [0.25, 0.35])] }]));
const b = write('stage1.json', run([{ name: 'fa/mc', aggregates: [aggregate('acc', 0.32, [0.27, 0.37])] }]));

const io = () => captureIo();

test('is registered', (t) => {
  t.true(commands.includes(compareCommand));
});

test('prints the comparison table', async (t) => {
  const s = io();
  t.is(await compareCommand.run([a, b], s.io), 0);
  t.is(s.out().split('\n')[0], '|Task|Mode|Metric|base|stage1|Δ stage1|');
  t.true(s.out().includes('|fa/mc|generate|acc|0.3000 [0.2500, 0.3500]|0.3200 [0.2700, 0.3700]|+0.0200|'));
});

test('fewer than two files is a usage error (exit 2 through main)', async (t) => {
  await t.throwsAsync(compareCommand.run([a], io().io), { name: 'UsageError', message: 'Expected at least 2 results files but received 1' });
  const s = io();
  t.is(await main(['compare', a], s.io), 2);
  t.regex(s.err(), /Usage: persian-lora compare/);
});

test('missing, malformed and invalid files are named (exit 1)', async (t) => {
  await t.throwsAsync(compareCommand.run([a, path.join(dir, 'none.json')], io().io), { message: `Results file ${path.join(dir, 'none.json')} does not exist` });
  const bad = write('bad.json', '{');
  await t.throwsAsync(compareCommand.run([a, bad], io().io), { message: /Results file .*bad\.json is not valid JSON/ });
  const wrong = write('wrong.json', { ...run([]), schema: 'other' });
  await t.throwsAsync(compareCommand.run([a, wrong], io().io), { message: /Results file .*wrong\.json: Expected .* for results\.schema but received "other"/ });
  const s = io();
  t.is(await main(['compare', a, wrong], s.io), 1);
});

test('same file names in different folders are labelled by path', async (t) => {
  const sub = path.join(dir, 'sub');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(sub, { recursive: true });
  const other = path.join(sub, 'base.json');
  writeFileSync(other, JSON.stringify(run([{ name: 'fa/mc', aggregates: [aggregate('acc', 0.5, [0.45, 0.55])] }])));
  const s = io();
  t.is(await compareCommand.run([a, other], s.io), 0);
  t.true(s.out().startsWith(`|Task|Mode|Metric|${a}|${other}|Δ ${other}|`));
});
