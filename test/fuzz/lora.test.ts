// Fuzz: hostile adapters — LoRA GGUFs (crafted alpha, counts, shapes, offsets, NaN weights; truncations and byte flips)
// through generate --lora, merge, export and train --init-adapter, and PEFT folders (crafted safetensors headers,
// dtypes, shapes, offsets, NaN weights; a corrupt adapter_config.json) through export --peft and train --init-adapter.
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { craftedGguf, craftedSafetensors, flipBytes, ggufLayout, ggufTensorValue, random, truncate, type Mutation } from './mutate.js';
import { caseTest, expectGoodEnding, runCli } from './harness.js';
import { SHORT_TRAIN, fixtures, scratch } from './fixtures.js';

/** Seeded cases beside the crafted ones. */
const TRUNCATIONS = 8;
const HEADER_FLIPS = 10;
const CONFIG_CUTS = 4;
const SEED = 1515;

/** Findings not fixed yet (case title → what happens); run as test.failing until the fix lands. */
const KNOWN_FAILING: Record<string, string> = {};
const caseOf = caseTest(KNOWN_FAILING);

const fx = await fixtures(true);
const rand = random(SEED);
const adapter = new Uint8Array(readFileSync(fx.adapter));
const headerEnd = ggufLayout(adapter).headerEnd;
const adapterCases: (Mutation & { mayStayValid: boolean })[] = [
  ...craftedGguf(adapter, { '.lora.alpha': [NaN, Infinity, -1, 0] }).map((m) => ({ ...m, mayStayValid: m.name.endsWith('.lora.alpha = 0') })),
  { ...ggufTensorValue(adapter, NaN), mayStayValid: false },
  { ...ggufTensorValue(adapter, Infinity), mayStayValid: false },
  ...Array.from({ length: TRUNCATIONS }, (_, i) => ({ ...truncate(adapter, rand, i % 2 === 0 ? headerEnd : adapter.length), mayStayValid: false })),
  ...Array.from({ length: HEADER_FLIPS }, () => ({ ...flipBytes(adapter, rand, 1 + Math.floor(rand() * 3), headerEnd), mayStayValid: true })),
];

type Command = (file: string, out: string) => string[];
const onAdapter: Record<string, Command> = {
  generate: (a) => ['generate', '-m', fx.model, '--lora', a, '-p', 'سلام', '-n', '4', '-t', '1'],
  merge: (a, out) => ['merge', '--base', fx.model, '--lora', a, '--out', path.join(out, 'merged.gguf')],
  export: (a, out) => ['export', '--adapter', a, '--format', 'peft', '--out', path.join(out, 'peft'), '--base', fx.model],
  'train --init-adapter': (a, out) => ['train', '--base', fx.model, '--data', fx.text, '--out', path.join(out, 'run'), '--init-adapter', a, ...SHORT_TRAIN],
};

adapterCases.forEach((mutation, i) => {
  // every case through generate and merge; export and train take turns
  const turn = i % 2 === 0 ? 'export' : 'train --init-adapter';
  for (const name of ['generate', 'merge', turn]) {
    caseOf(`adapter, ${name}: ${mutation.name}`, async (t) => {
      const dir = scratch('adapter');
      const file = path.join(dir, 'adapter.gguf');
      writeFileSync(file, mutation.bytes);
      expectGoodEnding(t, mutation.name, await runCli(onAdapter[name]!(file, path.join(dir, 'out'))), mutation.mayStayValid ? [0, 1, 2] : [1, 2]);
    });
  }
});

const weights = new Uint8Array(readFileSync(path.join(fx.peft, 'adapter_model.safetensors')));
const config = readFileSync(path.join(fx.peft, 'adapter_config.json'), 'utf8');
const peftCases: { name: string; weights?: Uint8Array; config?: string; mayStayValid: boolean }[] = [
  ...craftedSafetensors(weights).map((m) => ({ name: m.name, weights: m.bytes, mayStayValid: false })),
  ...Array.from({ length: TRUNCATIONS }, () => ({ ...truncate(weights, rand), mayStayValid: false })).map((m) => ({ name: m.name, weights: m.bytes, mayStayValid: false })),
  ...Array.from({ length: CONFIG_CUTS }, () => ({ name: `adapter_config.json cut at ${Math.floor(rand() * config.length)}` })).map((c) => ({ ...c, config: config.slice(0, Number(c.name.split(' ').at(-1))), mayStayValid: false })),
  { name: 'adapter_config.json r = -1', config: config.replace(/"r": \d+/, '"r": -1'), mayStayValid: false },
  { name: 'adapter_config.json lora_alpha NaN', config: config.replace(/"lora_alpha": [\d.]+/, '"lora_alpha": NaN'), mayStayValid: false },
  { name: 'adapter_config.json is an array', config: '[]', mayStayValid: false },
];

const onPeft: Record<string, Command> = {
  'export --peft': (dir, out) => ['export', '--peft', dir, '--arch', 'llama', '--out', path.join(out, 'a.gguf'), '--base', fx.model],
  'train --init-adapter': onAdapter['train --init-adapter']!,
};

peftCases.forEach((c, i) => {
  for (const name of i % 3 === 0 ? ['export --peft', 'train --init-adapter'] : ['export --peft']) {
    caseOf(`PEFT, ${name}: ${c.name}`, async (t) => {
      const dir = scratch('peft');
      const peft = path.join(dir, 'peft');
      cpSync(fx.peft, peft, { recursive: true });
      if (c.weights) writeFileSync(path.join(peft, 'adapter_model.safetensors'), c.weights);
      if (c.config !== undefined) writeFileSync(path.join(peft, 'adapter_config.json'), c.config);
      expectGoodEnding(t, c.name, await runCli(onPeft[name]!(peft, path.join(dir, 'out'))), c.mayStayValid ? [0, 1, 2] : [1, 2]);
    });
  }
});
