// Reading llama.cpp LoRA GGUFs back: pairs, alpha, architecture, rank, and refusals.
import test from 'ava';
import { writeGguf } from '../../../lib/gguf/writer.js';
import { readLoraAdapter } from '../../../lib/lora/adapter-read.js';
import { makeAdapter, tmp, writeAdapter } from './fixtures.js';

test('an adapter written by writeLoraAdapter reads back identically', (t) => {
  const adapter = makeAdapter(3, 6);
  const back = readLoraAdapter(writeAdapter('read.gguf', adapter));
  t.deepEqual(back, { ...adapter, rank: 3 });
});

test('rank is undefined when pairs differ in rank', (t) => {
  const adapter = makeAdapter(2, 4);
  const other = makeAdapter(3, 4);
  adapter.pairs[1] = other.pairs[1]!;
  t.is(readLoraAdapter(writeAdapter('mixed.gguf', adapter)).rank, undefined);
});

test('refuses a model GGUF, an unpaired tensor and a missing file', (t) => {
  const model = tmp('model.gguf');
  writeGguf(model, { 'general.architecture': { type: 'string', value: 'llama' } }, []);
  t.throws(() => readLoraAdapter(model), { code: 'ERR_ADAPTER', message: /model\.gguf: not a LoRA adapter \(expected general.type "adapter" and adapter.type "lora" but found undefined and undefined\)$/ });
  const lone = tmp('lone.gguf');
  writeGguf(lone, {
    'general.architecture': { type: 'string', value: 'llama' }, 'general.type': { type: 'string', value: 'adapter' },
    'adapter.type': { type: 'string', value: 'lora' }, 'adapter.lora.alpha': { type: 'f32', value: 8 },
  }, [{ name: 'blk.0.attn_q.weight.lora_a', shape: [4, 2], data: new Float32Array(8) }]);
  t.throws(() => readLoraAdapter(lone), { code: 'ERR_ADAPTER', message: /lone\.gguf: blk\.0\.attn_q\.weight\.lora_a has no matching \.lora_b tensor$/ });
  t.throws(() => readLoraAdapter(tmp('nope.gguf')), { code: 'ERR_FILE_NOT_FOUND' });
});
