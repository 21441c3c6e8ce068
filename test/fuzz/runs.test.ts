// Run folders under faults, through `persian-lora train` in child processes: a folder locked by a live process,
// two runs started together into one folder, SIGKILL mid-run then --resume (bit-identical adapter, no repeated step in
// metrics.jsonl), SIGTERM (checkpoint, exit 130, resume), and full disks (a small tmpfs, as root): a clear
// ERR_NO_SPACE, nothing half-written or temporary left, and the folder still usable once there is space.
import test from 'ava';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { lockRunDir } from '../../lib/run-lock.js';
import { errorLine, expectGoodEnding, runCli, startCli, type CliRun } from './harness.js';
import { fixtures, scratch } from './fixtures.js';

/** Free space (4 KiB pages) left on the tmpfs for each disk-full case: none, then enough for config.json and more. */
const FREE_PAGES = [0, 1, 3, 6, 12];
const TMPFS_PAGES = 256;

const fx = await fixtures(false);
/** Eight steps, a checkpoint after each: long enough to be stopped in the middle. */
const trainArgs = (out: string) => ['train', '--base', fx.model, '--data', fx.text, '--out', out, '--rank', '2', '--targets', 'q,v', '--seq-len', '32',
  '--grad-accum', '1', '--max-steps', '8', '--save-every', '1', '--val-fraction', '0', '--dropout', '0', '-t', '1'];

const steps = (dir: string) => readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8').split('\n').filter(Boolean)
  .map((l) => JSON.parse(l) as { type: string; step: number }).filter((r) => r.type === 'step').map((r) => r.step);
const temporaries = (dir: string) => (existsSync(dir) ? readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((n) => /\.tmp(-\d+)?$/.test(n)) : []);

/** An uninterrupted run, the reference of the interrupted ones. */
let reference: Promise<string> | undefined;
const referenceAdapter = () => (reference ??= (async () => {
  const out = path.join(scratch('reference'), 'run');
  const run = await runCli(trainArgs(out));
  if (run.code !== 0) throw new Error(`the reference run failed:\n${run.stderr}`);
  return path.join(out, 'adapter.gguf');
})());

/** Starts a run and sends `signal` once stderr holds `after`; resolves with how the run ended. */
function interrupted(out: string, after: RegExp, signal: NodeJS.Signals): Promise<CliRun> {
  let sent = false;
  return startCli(trainArgs(out), {
    onStderr: (text: string, child: ChildProcess) => {
      if (!sent && after.test(text)) {
        sent = true;
        child.kill(signal);
      }
    },
  }).done;
}

test('a run folder locked by a live process is refused with ERR_LOCKED naming the pid, and left as it was', async (t) => {
  const out = path.join(scratch('locked'), 'run');
  mkdirSync(out);
  const release = lockRunDir(out);
  try {
    const run = await runCli(trainArgs(out));
    expectGoodEnding(t, 'locked', run, [1]);
    t.regex(errorLine(run) ?? '', new RegExp(`in use by another run \\(process ${process.pid}\\)`));
    t.deepEqual(readdirSync(out), ['.lock']);
  } finally {
    release();
  }
});

test('an empty config.json (left by an older version) is explained; an out that cannot be made is refused', async (t) => {
  const out = path.join(scratch('empty-config'), 'run');
  mkdirSync(out);
  writeFileSync(path.join(out, 'config.json'), '');
  const resumed = await runCli(['train', '--resume', out]);
  expectGoodEnding(t, 'empty config.json', resumed, [1]);
  t.regex(errorLine(resumed) ?? '', /config\.json is empty, so the run in .* cannot be resumed: remove .* and start the run again/);
  if (process.platform !== 'linux') return;
  const proc = await runCli(trainArgs('/proc/persian-lora-run'));
  expectGoodEnding(t, '--out in /proc', proc, [1]);
  t.regex(errorLine(proc) ?? '', /Cannot create the run folder \/proc\/persian-lora-run/);
});

test('two runs started together into one folder: one trains, the other is refused, nothing is mixed', async (t) => {
  const out = path.join(scratch('concurrent'), 'run');
  const a = startCli(trainArgs(out));
  const b = startCli(trainArgs(out));
  const runs = await Promise.all([a.done, b.done]);
  const winner = runs.findIndex((r) => r.code === 0);
  t.not(winner, -1, runs.map((r) => r.stderr).join('\n---\n'));
  const loser = runs[1 - winner]!;
  // refused by the lock while the first runs (exit 1), or as a finished run's folder if it started that late (exit 2)
  expectGoodEnding(t, 'second run', loser, [1, 2]);
  const pid = [a, b][winner]!.child.pid;
  t.regex(errorLine(loser) ?? '', new RegExp(`in use by another run \\(process ${pid}\\)|already holds a run`));
  t.deepEqual(steps(out), [1, 2, 3, 4, 5, 6, 7, 8], 'metrics.jsonl of one run');
  t.deepEqual(readFileSync(path.join(out, 'adapter.gguf')), readFileSync(await referenceAdapter()));
  t.false(existsSync(path.join(out, '.lock')));
});

test('SIGKILL after a checkpoint, then --resume: the same adapter bytes, every step once in metrics.jsonl', async (t) => {
  const out = path.join(scratch('killed'), 'run');
  const killed = await interrupted(out, /checkpoint: .*step-0000002/, 'SIGKILL');
  t.is(killed.signal, 'SIGKILL', 'killed in the middle of the run');
  t.true(existsSync(path.join(out, '.lock')), 'the killed process left its lock');
  writeFileSync(path.join(out, 'config.json.tmp-999999'), '{"half": '); // as a kill in the middle of a write leaves
  const resumed = await runCli(['train', '--resume', out]);
  expectGoodEnding(t, 'resume', resumed, [0]);
  t.regex(resumed.stderr, /resumed at step [2-7] /);
  t.deepEqual(readFileSync(path.join(out, 'adapter.gguf')), readFileSync(await referenceAdapter()));
  t.deepEqual(steps(out), [1, 2, 3, 4, 5, 6, 7, 8]);
  t.deepEqual(temporaries(out), []);
});

test('SIGTERM writes a checkpoint and exits 130, like Ctrl-C; the resume ends as an uninterrupted run', async (t) => {
  const out = path.join(scratch('terminated'), 'run');
  const stopped = await interrupted(out, /step 1\/8/, 'SIGTERM');
  t.is(stopped.signal, null);
  t.is(stopped.code, 130, stopped.stderr);
  t.regex(stopped.stderr, /checkpoint: .*step-\d+\n[\s\S]*stopped at step \d+; continue with: persian-lora train --resume/);
  const resumed = await runCli(['train', '--resume', out]);
  expectGoodEnding(t, 'resume', resumed, [0]);
  t.deepEqual(readFileSync(path.join(out, 'adapter.gguf')), readFileSync(await referenceAdapter()));
  t.deepEqual(steps(out), [1, 2, 3, 4, 5, 6, 7, 8]);
});

/** A fresh small tmpfs with `free` pages left, or why there cannot be one. */
function fullDisk(name: string, free: number): { dir: string; unmount: () => void } | string {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return 'needs root on Linux to mount a tmpfs';
  const dir = scratch(name);
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${TMPFS_PAGES * 4}k`, 'tmpfs', dir]);
  if (mounted.status !== 0) return `mount -t tmpfs failed: ${String(mounted.stderr).trim() || mounted.error?.message}`;
  writeFileSync(path.join(dir, 'filler'), new Uint8Array((TMPFS_PAGES - free) * 4096));
  return { dir, unmount: () => spawnSync('umount', [dir]) };
}

for (const free of FREE_PAGES) {
  test.serial(`train onto a full disk (${free} pages free): ERR_NO_SPACE, nothing half-written, usable once there is space`, async (t) => {
    const disk = fullDisk('full-train', free);
    if (typeof disk === 'string') {
      t.log(`skipped: ${disk}`);
      t.pass();
      return;
    }
    try {
      const out = path.join(disk.dir, 'run');
      const run = await runCli(trainArgs(out));
      expectGoodEnding(t, 'full disk', run, [1]);
      t.regex(errorLine(run) ?? '', /no space left on the device/);
      t.deepEqual(temporaries(out), []);
      const config = path.join(out, 'config.json');
      if (existsSync(config)) t.notThrows(() => JSON.parse(readFileSync(config, 'utf8')), 'config.json is whole');
      rmSync(path.join(disk.dir, 'filler'));
      const again = await runCli(existsSync(config) ? ['train', '--resume', out] : trainArgs(out));
      expectGoodEnding(t, 'once there is space', again, [0]);
      t.deepEqual(steps(out), [1, 2, 3, 4, 5, 6, 7, 8]);
    } finally {
      disk.unmount();
    }
  });
}

test.serial('eval and merge onto a full disk leave no result, no empty file and no temporary file', async (t) => {
  const disk = fullDisk('full-out', 0);
  if (typeof disk === 'string') {
    t.log(`skipped: ${disk}`);
    t.pass();
    return;
  }
  try {
    const out = path.join(disk.dir, 'results');
    mkdirSync(out);
    const evaluated = await runCli(['eval', '-m', fx.model, '--tasks', fx.task, '--data-dir', fx.taskDir, '--limit', '2', '-t', '1', '--no-hash', '--out', out]);
    expectGoodEnding(t, 'eval', evaluated, [1]);
    t.regex(errorLine(evaluated) ?? '', /no space left on the device/);
    t.deepEqual(readdirSync(out), []);
    rmSync(path.join(disk.dir, 'filler'));
    writeFileSync(path.join(disk.dir, 'filler'), new Uint8Array((TMPFS_PAGES - 64) * 4096));
    const merged = path.join(disk.dir, 'merged.gguf');
    const adapter = await referenceAdapter();
    const merging = await runCli(['merge', '--base', fx.model, '--lora', adapter, '--out', merged]);
    expectGoodEnding(t, 'merge', merging, [1]);
    t.regex(errorLine(merging) ?? '', /no space left on the device/);
    t.deepEqual(readdirSync(disk.dir).sort(), ['filler', 'results']);
  } finally {
    disk.unmount();
  }
});
