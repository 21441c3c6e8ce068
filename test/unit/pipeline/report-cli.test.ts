// `persian-lora report <run-dir>`, and `compare` naming a pipeline run's results by stage (read from its manifest).
import test from 'ava';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { compareCommand } from '../../../lib/cli/commands/compare.js';
import { commands } from '../../../lib/cli/commands/index.js';
import { reportCommand } from '../../../lib/cli/commands/report.js';
import { stageOfResultsFile } from '../../../lib/pipeline/report/index.js';
import { captureIo, runCli } from '../../helpers/cli.js';
import { makeRunFolder } from './report-fixture.js';

test('report is registered and rebuilds both files, printing their paths', async (t) => {
  t.true(commands.includes(reportCommand));
  const dir = makeRunFolder();
  writeFileSync(path.join(dir, 'report.md'), 'stale');
  const r = await runCli('report', dir);
  t.is(r.code, 0, r.err);
  t.deepEqual(r.out.trim().split('\n'), [path.join(dir, 'report.md'), path.join(dir, 'report.html'), path.join(dir, 'loss-pretrain.svg')]);
  t.true(readFileSync(path.join(dir, 'report.md'), 'utf8').startsWith('# fixture run: report\n'));
  t.true(readFileSync(path.join(dir, 'report.html'), 'utf8').includes('<svg'));
});

test('report: usage errors exit 2, a folder without a manifest exits 1 naming the file', async (t) => {
  const none = await runCli('report');
  t.is(none.code, 2);
  t.regex(none.err, /Expected 1 run folder but received 0/);
  const dir = makeRunFolder();
  const empty = path.join(dir, 'eval');
  const r = await runCli('report', empty);
  t.is(r.code, 1);
  t.true(r.err.includes(`Manifest ${path.join(empty, 'manifest.json')} does not exist`));
});

test('compare names pipeline results by stage, model and adapter', async (t) => {
  const dir = makeRunFolder();
  const files = ['base', 'vocab', 'pretrain'].map((s) => path.join(dir, 'eval', `${s}.json`));
  t.is(stageOfResultsFile(files[1]!)!.stage.id, 'vocab');
  t.is(stageOfResultsFile(path.join(dir, 'manifest.json')), null);
  const r = await runCli('compare', ...files);
  t.is(r.code, 0, r.err);
  t.is(r.out.split('\n')[0], '|Task|Mode|Metric|base: tiny|stage 0 · vocabulary: extended|Δ stage 0 · vocabulary: extended|stage 1 · pretraining: extended + adapter|Δ stage 1 · pretraining: extended + adapter|');
  // The same file twice: still unique columns.
  const { io, out } = captureIo();
  t.is(await compareCommand.run([files[0]!, files[0]!], io), 0);
  t.is(out().split('\n')[0], '|Task|Mode|Metric|base: tiny (#1)|base: tiny (#2)|Δ base: tiny (#2)|');
});
