// The tiny-model and inspect commands for the architectures: the Llama 3.2 shape's flags reach the file, and inspect
// prints whether the trainer supports the model.
import test from 'ava';
import { readGgufMetadata } from '../../../lib/vocab/gguf-read.js';
import { runCli } from '../../helpers/cli.js';
import { scratchPath } from '../helpers.js';

test('tiny-model --rope-freqs --tied --rope-base writes the Llama 3.2 shape; inspect says it trains', async (t) => {
  const file = scratchPath('arch-cli-llama3.gguf');
  const made = await runCli('tiny-model', '--vocab', 'llama-bpe', '--layers', '1', '--dim', '64', '--kv-heads', '2', '--rope-base', '500000',
    '--rope-freqs', '--tied', '--out', file);
  t.is(made.code, 0, made.err);
  const meta = readGgufMetadata(file);
  t.is(meta.kv.get('general.architecture')?.value, 'llama');
  t.is(meta.kv.get('llama.rope.freq_base')?.value, 500000);
  const names = meta.tensors.map((x) => x.name);
  t.true(names.includes('rope_freqs.weight'));
  t.false(names.includes('output.weight'));
  const shown = await runCli('inspect', file);
  t.is(shown.code, 0, shown.err);
  t.regex(shown.out, /training\s+supported/);
});

test('tiny-model --arch gemma3 writes a model inspect shows as not trainable, with the reason', async (t) => {
  const file = scratchPath('arch-cli-gemma3.gguf');
  const made = await runCli('tiny-model', '--arch', 'gemma3', '--layers', '1', '--dim', '64', '--out', file);
  t.is(made.code, 0, made.err);
  const shown = await runCli('inspect', file);
  t.regex(shown.out, /training\s+not supported: .*"gemma3".*GGML_GLU_OP_GEGLU/);
  const bad = await runCli('tiny-model', '--arch', 'mamba', '--out', scratchPath('x.gguf'));
  t.is(bad.code, 2);
  t.regex(bad.err, /Expected one of llama, qwen2, qwen3, gemma2, gemma3 for --arch but received "mamba"/);
});
