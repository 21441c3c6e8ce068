// Streamed sha256 of files against node:crypto over the whole buffer, and file references.
import test from 'ava';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileRef, sha256File } from '../../../../lib/eval/runner/hash.js';

test('sha256File equals the digest of the whole file, across stream chunks; fileRef adds the size', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pl-hash-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const data = Buffer.alloc((1 << 22) * 2 + 12345);
  for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761) >>> 24;
  const file = path.join(dir, 'blob.bin');
  writeFileSync(file, data);
  const expected = createHash('sha256').update(data).digest('hex');
  t.is(await sha256File(file), expected);
  t.deepEqual(await fileRef(file, true), { path: file, sha256: expected, bytes: data.length });
  t.deepEqual(await fileRef(file, false), { path: file, sha256: null, bytes: data.length });
  await t.throwsAsync(fileRef(path.join(dir, 'none.gguf'), true), { message: /^Could not read .*none\.gguf: ENOENT/ });
});

test('an aborted signal rejects with its reason', async (t) => {
  const controller = new AbortController();
  const reason = new Error('stop');
  controller.abort(reason);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pl-hash-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'x.bin');
  writeFileSync(file, 'x');
  t.is(await t.throwsAsync(sha256File(file, controller.signal)), reason);
});
