// Hostile model GGUFs (crafted from a tiny Q8_0 model) through the library paths of generate, vocab, train, merge and inspect,
// each in a child process: a clear PersianLoraError naming the file and the field, exit 1, and no signal death (before
// the validation layer, llama.cpp's GGML_ASSERTs aborted the process on several of these).
import test from 'ava';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeLoraAdapter } from '../../../lib/lora/adapter-file.js';
import { patched, rename, setF32, setOffset, setU32 } from '../../unit/gguf/craft.js';
import { scratchPath, tinyModel } from '../helpers.js';

const runner = path.join(path.dirname(fileURLToPath(import.meta.url)), 'attack.js');

interface Attack { name: string; patch: Parameters<typeof patched>[2]; message: RegExp; /** metadata-only reads accept it */ weightsOnly?: boolean }
const attacks: Attack[] = [
  { name: 'block_count 0', patch: setU32('llama.block_count', 0), message: /llama\.block_count is 0; expected an integer from 1 to 512/ },
  { name: 'block_count 1000', patch: setU32('llama.block_count', 1000), message: /llama\.block_count is 1000; expected an integer from 1 to 512/ },
  { name: 'epsilon NaN', patch: setF32('llama.attention.layer_norm_rms_epsilon', NaN), message: /llama\.attention\.layer_norm_rms_epsilon is NaN; expected a finite number/ },
  { name: 'rope dims 7', patch: setU32('llama.rope.dimension_count', 7), message: /llama\.rope\.dimension_count is 7; expected an even number/ },
  { name: 'rope dims 0', patch: setU32('llama.rope.dimension_count', 0), message: /llama\.rope\.dimension_count is 0; expected an integer from 1/ },
  { name: 'rope dims 1000', patch: setU32('llama.rope.dimension_count', 1000), message: /llama\.rope\.dimension_count is 1000; expected at most the head size 16/ },
  { name: 'context 0xFFFFFFFF', patch: setU32('llama.context_length', 0xffffffff), message: /llama\.context_length is 4294967295/ },
  { name: 'offset 2^64-32', patch: setOffset('blk.0.attn_q.weight', 2n ** 64n - 32n), message: /tensor blk\.0\.attn_q\.weight has data offset 18446744073709551584/ },
  { name: 'offset 0', patch: setOffset('blk.0.attn_q.weight', 0n), message: /tensor blk\.0\.attn_q\.weight has data offset 0 but/ },
  { name: 'no output_norm', patch: rename('output_norm.weight', 'output_norX.weight'), message: /tensor output_norm\.weight is missing/, weightsOnly: true },
];

let base: string;
let adapter: string;
test.before(async () => {
  base = await tinyModel({ vocab: 'llama-spm', layers: 2, dim: 64, heads: 4, quant: 'q8_0' });
  adapter = scratchPath('hostile-adapter.gguf');
  writeLoraAdapter(adapter, { architecture: 'llama', alpha: 4, pairs: [{ target: 'blk.0.attn_q.weight', rank: 2, inFeatures: 64, outFeatures: 64, a: new Float32Array(128).fill(0.01), b: new Float32Array(128).fill(0.01) }] });
});

function attack(op: string, file: string): { status: number | null; signal: NodeJS.Signals | null; result: { ok?: true; code?: string; message?: string } } {
  const r = spawnSync(process.execPath, [runner, op, file, adapter, scratchPath(`merged-${path.basename(file)}`)], { encoding: 'utf8', timeout: 240_000 });
  const line = r.stdout.trim().split('\n').at(-1) ?? '';
  return { status: r.status, signal: r.signal, result: line.startsWith('{') ? JSON.parse(line) : { message: `no result; stderr: ${r.stderr.slice(-2000)}` } };
}

test('the untouched model passes every path', (t) => {
  for (const op of ['generate', 'vocab', 'train', 'merge', 'inspect']) {
    const r = attack(op, base);
    t.deepEqual(r.result, { ok: true }, op);
    t.is(r.status, 0, op);
  }
});

for (const a of attacks) {
  test(`${a.name}: generate, vocab, train, merge and inspect refuse it, no process dies`, (t) => {
    const file = patched(base, scratchPath(`hostile-${a.name.replace(/\W+/g, '-')}.gguf`), a.patch);
    for (const op of ['generate', 'vocab', 'train', 'merge']) {
      const r = attack(op, file);
      t.is(r.signal, null, `${op}: killed by ${r.signal}`);
      if (a.weightsOnly && op === 'vocab') {
        t.deepEqual(r.result, { ok: true }, `${op}: the vocabulary alone is fine`);
        continue;
      }
      t.is(r.status, 1, `${op}: ${JSON.stringify(r.result)}`);
      t.is(r.result.code, 'ERR_BAD_FORMAT', `${op}: ${r.result.message}`);
      t.true(r.result.message?.startsWith(file), `${op} names the file: ${r.result.message}`);
      t.regex(r.result.message ?? '', a.message, op);
    }
    // inspect asks the addon for the file's summary first (ggml's own reader, which names misplaced tensor data itself)
    const r = attack('inspect', file);
    t.is(r.signal, null, `inspect: killed by ${r.signal}`);
    t.is(r.status, 1, `inspect: ${JSON.stringify(r.result)}`);
    t.is(r.result.code, 'ERR_BAD_FORMAT', `inspect: ${r.result.message}`);
    t.true(r.result.message?.startsWith(file), `inspect names the file: ${r.result.message}`);
  });
}
