// Run-folder safety without the addon: the lock (live owner refused by pid, stale lock taken over), atomic writes
// (a failed write leaves the old file and no temporary one), metrics.jsonl cut back on resume, the smoothed ETA rate.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { lockRunDir, LOCK_FILE } from '../../../lib/run-lock.js';
import { makeDirs, writeFileAtomically, writeJsonAtomically } from '../../../lib/atomic-file.js';
import { smoothedStepSeconds, truncateMetrics, ETA_SMOOTHING } from '../../../lib/train/loop.js';
import { PersianLoraError } from '../../../lib/errors.js';
import { tempDir } from '../../helpers/temp-dir.js';

const tmp = () => tempDir('pl-run-folder-');
/** The pid of a process that has ended. */
const deadPid = () => spawnSync(process.execPath, ['-e', '']).pid!;

test('a locked folder is refused with ERR_LOCKED naming the owner; the release frees it', (t) => {
  const dir = tmp();
  const release = lockRunDir(dir);
  t.is(readFileSync(path.join(dir, LOCK_FILE), 'utf8'), String(process.pid));
  const error = t.throws(() => lockRunDir(dir), { instanceOf: PersianLoraError });
  t.is((error as PersianLoraError).code, 'ERR_LOCKED');
  t.regex(error!.message, new RegExp(`in use by another run \\(process ${process.pid}\\)`));
  release();
  t.false(existsSync(path.join(dir, LOCK_FILE)));
  lockRunDir(dir)();
  t.deepEqual(readdirSync(dir), [], 'no temporary file left');
});

test('a stale lock (its process ended) is taken over; an empty one too', (t) => {
  const dir = tmp();
  writeFileSync(path.join(dir, LOCK_FILE), String(deadPid()));
  const release = lockRunDir(dir);
  t.is(readFileSync(path.join(dir, LOCK_FILE), 'utf8'), String(process.pid));
  release();
  writeFileSync(path.join(dir, LOCK_FILE), '');
  lockRunDir(dir)();
  t.deepEqual(readdirSync(dir), []);
});

test('a release does not remove a lock another process took over', (t) => {
  const dir = tmp();
  const release = lockRunDir(dir);
  writeFileSync(path.join(dir, LOCK_FILE), '1');
  release();
  t.is(readFileSync(path.join(dir, LOCK_FILE), 'utf8'), '1');
});

test('a lock in a folder that does not exist is an ERR_FILE_NOT_FOUND naming it', (t) => {
  const dir = path.join(tmp(), 'missing');
  const error = t.throws(() => lockRunDir(dir), { instanceOf: PersianLoraError });
  t.is((error as PersianLoraError).code, 'ERR_FILE_NOT_FOUND');
  t.true(error!.message.includes(dir));
});

test('an atomic write that fails keeps the old file and leaves no temporary file', async (t) => {
  const dir = tmp();
  const file = path.join(dir, 'config.json');
  writeJsonAtomically(file, { a: 1 });
  t.is(readFileSync(file, 'utf8'), '{\n  "a": 1\n}\n');
  await t.throwsAsync(writeFileAtomically(file, async (fh) => {
    await fh.writeFile('{"half":');
    throw new Error('disk gone');
  }), { message: 'disk gone' });
  t.is(readFileSync(file, 'utf8'), '{\n  "a": 1\n}\n');
  t.deepEqual(readdirSync(dir), ['config.json']);
});

test('an atomic write onto a folder is an ERR_IO naming the path, and removes its temporary file', async (t) => {
  const dir = tmp();
  const target = path.join(dir, 'out');
  mkdirSync(target);
  const error = t.throws(() => writeJsonAtomically(target, {}), { instanceOf: PersianLoraError });
  t.is((error as PersianLoraError).code, 'ERR_IO');
  t.true(error!.message.includes(target));
  const later = await t.throwsAsync(writeFileAtomically(target, async (fh) => { await fh.writeFile('x'.repeat(1 << 16)); }), { instanceOf: PersianLoraError });
  t.regex(later!.message, /is a folder/);
  t.deepEqual(readdirSync(dir), ['out']);
});

test('truncateMetrics keeps the records up to the checkpoint step and drops a line cut short', (t) => {
  const file = path.join(tmp(), 'metrics.jsonl');
  const step = (n: number) => JSON.stringify({ type: 'step', step: n, loss: 1 / n });
  writeFileSync(file, [step(1), step(2), JSON.stringify({ type: 'eval', step: 2, loss: 0.4 }), step(3), step(4), '{"type":"step","step":5,"lo'].join('\n'));
  truncateMetrics(file, 2);
  t.deepEqual(readFileSync(file, 'utf8').split('\n'), [step(1), step(2), JSON.stringify({ type: 'eval', step: 2, loss: 0.4 }), '']);
  truncateMetrics(file, 0);
  t.is(readFileSync(file, 'utf8'), '');
});

test('the ETA rate is an exponential moving average of the step times', (t) => {
  t.is(smoothedStepSeconds(undefined, 4), 4);
  let rate: number | undefined;
  for (const s of [10, 2, 2, 2]) rate = smoothedStepSeconds(rate, s);
  // 10, then each step moves ETA_SMOOTHING of the way towards 2
  t.true(Math.abs(rate! - (2 + 8 * (1 - ETA_SMOOTHING) ** 3)) < 1e-12);
});

test('makeDirs makes the missing parents, and fails where a folder cannot be made instead of looping', (t) => {
  const dir = tmp();
  t.is(makeDirs(path.join(dir, 'a/b/c')), path.join(dir, 'a'));
  t.true(existsSync(path.join(dir, 'a/b/c')));
  t.is(makeDirs(path.join(dir, 'a/b')), undefined);
  writeFileSync(path.join(dir, 'file'), '');
  t.throws(() => makeDirs(path.join(dir, 'file/x')), { instanceOf: PersianLoraError, message: /a part of the path is not a folder|already exists/ });
  // in /proc, mkdir says ENOENT under an existing parent, and Node's recursive mkdir retries that forever
  if (process.platform === 'linux') t.throws(() => makeDirs('/proc/x/y'), { instanceOf: PersianLoraError, message: /Cannot create the folder \/proc\/x\/y/ });
});
