// `persian-lora compare`: run() with fake streams over results files written to a temporary folder.
import test from 'ava';
import { captureIo } from '../../../helpers/cli.js';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { compareCommand } from '../../../../lib/cli/commands/compare.js';
import { runLabel, uniqueLabels } from '../../../../lib/eval/results/compare.js';
import { commands } from '../../../../lib/cli/commands/index.js';
import { main } from '../../../../lib/cli/main.js';
import { aggregate, run } from '../../eval/results/sample.js';
import { tempDir } from '../../../helpers/temp-dir.js';

const dir = tempDir('pl-compare-');
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

test('prints the comparison table; runs of the same model are told apart by file name', async (t) => {
  const s = io();
  t.is(await compareCommand.run([a, b], s.io), 0);
  t.is(s.out().split('\n')[0], '|Task|Mode|Metric|model (base)|model (stage1)|Δ model (stage1)|');
  t.true(s.out().includes('|fa/mc|generate|acc|0.3000 [0.2500, 0.3500]|0.3200 [0.2700, 0.3700]|+0.0200|'));
});

test('columns are named by model and adapter file names, not by the files\' timestamps', async (t) => {
  const base = { ...run([{ name: 'fa/mc', aggregates: [aggregate('acc', 0.3, [0.25, 0.35])] }]), model: { path: '/m/llama.Q8_0.gguf', sha256: null, bytes: null } };
  const tuned = { ...base, adapters: [{ path: '/r/sft.gguf', sha256: null, bytes: null, scale: 1 }, { path: '/r/style.gguf', sha256: null, bytes: null, scale: 0.5 }] };
  const x = write('llama.Q8_0-20261127T153012345Z.json', base);
  const y = write('llama.Q8_0-20261128T090000000Z.json', tuned);
  const s = io();
  t.is(await compareCommand.run([x, y], s.io), 0);
  t.is(s.out().split('\n')[0], '|Task|Mode|Metric|llama.Q8_0|llama.Q8_0 + sft + style ×0.5|Δ llama.Q8_0 + sft + style ×0.5|');
});

test('runLabel and uniqueLabels', (t) => {
  t.is(runLabel({ model: { path: 'a/b/m.GGUF', sha256: null, bytes: null }, adapters: [] }, 'stage 1 · pretraining'), 'stage 1 · pretraining: m');
  t.deepEqual(uniqueLabels(['m', 'm', 'n'], [['x', 'x', 'y'], ['p/x', 'q/x', 'r']]), ['m (p/x)', 'm (q/x)', 'n']);
  t.deepEqual(uniqueLabels(['m', 'm'], [['x', 'x']]), ['m (#1)', 'm (#2)']);
});

test('fewer than two files is a usage error (exit 2 through main)', async (t) => {
  await t.throwsAsync(compareCommand.run([a], io().io), { name: 'UsageError', message: 'Expected at least 2 results files but received 1' });
  const s = io();
  t.is(await main(['compare', a], s.io), 2);
  t.is(s.err(), 'persian-lora compare: Expected at least 2 results files but received 1\nsee: persian-lora compare --help\n');
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

test('same file names of the same model in different folders are labelled by path', async (t) => {
  const sub = path.join(dir, 'sub');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(sub, { recursive: true });
  const other = path.join(sub, 'base.json');
  writeFileSync(other, JSON.stringify(run([{ name: 'fa/mc', aggregates: [aggregate('acc', 0.5, [0.45, 0.55])] }])));
  const s = io();
  t.is(await compareCommand.run([a, other], s.io), 0);
  t.true(s.out().startsWith(`|Task|Mode|Metric|model (${a})|model (${other})|Δ model (${other})|`));
});
