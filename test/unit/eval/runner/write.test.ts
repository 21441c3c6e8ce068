// Results file names, the markdown report, and writing validated results to disk.
import test from 'ava';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RESULTS_SCHEMA_ID, type RunResults } from '../../../../lib/eval/results/schema.js';
import { renderResultsReport, resultsName, writeResults } from '../../../../lib/eval/runner/write.js';

const results: RunResults = {
  schema: RESULTS_SCHEMA_ID,
  packageVersion: '0.1.0',
  createdAt: '2026-11-27T15:30:12.345Z',
  config: { limit: 2 },
  model: { path: '/models/llama-2-7b.Q4_K_M.gguf', sha256: 'a'.repeat(64), bytes: 10, description: 'llama 7B Q4_K - Medium' },
  adapters: [{ path: '/runs/stage1.gguf', sha256: null, bytes: 5, scale: 0.5 }],
  versions: { 'llama.cpp': 'v0.5.0 (0.5.0)', node: 'v20.0.0' },
  partial: true,
  tasks: [{
    name: 'paper-fa/sentiment', version: 1, mode: 'loglikelihood', language: 'fa', fewshot: 0, n: 1,
    failures: [{ index: 1, reason: 'no labels' }],
    aggregates: [{ metric: 'acc', value: 1, stderr: null, ci: [null, null], level: 0.95, n: 1, higherIsBetter: true }],
    items: [{ index: 0, prompt: { kind: 'text', text: 'p' }, output: { mode: 'loglikelihood', logLikelihoods: [-1, -2], continuations: ['0', '1'] }, gold: '0', labels: ['0', '1'], extracted: '0', method: 'loglikelihood', scores: { acc: 1, acc_norm: 1 } }],
  }],
};

test('resultsName: model file name and creation time without separators', (t) => {
  t.is(resultsName(results), 'llama-2-7b.Q4_K_M-20261127T153012345Z');
});

test('the report names the model, adapters, versions and a partial run, then the table', (t) => {
  const md = renderResultsReport(results);
  t.true(md.startsWith('# Evaluation: llama-2-7b.Q4_K_M.gguf\n\n- model: `/models/llama-2-7b.Q4_K_M.gguf` (sha256 `aaaa'));
  t.true(md.includes('- adapter: `/runs/stage1.gguf` × 0.5\n'));
  t.true(md.includes('- persian-lora 0.1.0; llama.cpp v0.5.0 (0.5.0); node v20.0.0\n'));
  t.true(md.includes('**partial**'));
  t.regex(md, /\|paper-fa\/sentiment\|1\|loglikelihood\|0\|1\|acc\|↑\|1\.0000\|±\|—\|—\|/);
  t.true(md.includes('- paper-fa/sentiment: 1 item(s) not parsed and not scored (first: item 1, no labels)'));
});

test('writeResults writes the JSON and the markdown, and refuses results that do not match the schema', (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pl-write-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const files = writeResults(results, path.join(dir, 'out'));
  t.is(files.json, path.join(dir, 'out', 'llama-2-7b.Q4_K_M-20261127T153012345Z.json'));
  t.deepEqual(JSON.parse(readFileSync(files.json, 'utf8')), results);
  t.is(readFileSync(files.markdown, 'utf8'), renderResultsReport(results));
  t.throws(() => writeResults({ ...results, model: { ...results.model, sha256: 'xyz' } }, dir), { message: /results\.model\.sha256/ });
});
