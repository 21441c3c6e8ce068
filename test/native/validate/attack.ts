// Child-process runner of the hostile-file tests: runs one command's library path on a file and prints its outcome as
// one JSON line ({ ok } or { code, message }), so the test sees a signal death (SIGABRT) as such instead of dying itself.
// Usage: node attack.js <generate|vocab|train|merge|inspect> <file.gguf> [adapter.gguf out.gguf]
import { PersianLoraError } from '../../../lib/errors.js';
import { inspectModel } from '../../../lib/inspect.js';
import { mergeAdapter } from '../../../lib/lora/merge.js';
import { loadModel } from '../../../lib/model.js';
import { Trainer } from '../../../lib/train/trainer.js';
import { readVocab } from '../../../lib/vocab/vocab.js';

const [op, file, adapter, out] = process.argv.slice(2) as [string, string, string?, string?];

async function run(): Promise<void> {
  switch (op) {
    case 'generate': {
      const model = await loadModel(file, { gpuLayers: 0 });
      const ctx = await model.createContext({ contextSize: 64, threads: 1 });
      await ctx.complete('hello', { maxTokens: 2 });
      ctx.dispose();
      model.dispose();
      return;
    }
    case 'vocab': readVocab(file); (await loadModel(file, { vocabOnly: true })).dispose(); return;
    case 'train': (await Trainer.create(file, { rank: 2, threads: 1 })).dispose(); return;
    case 'merge': await mergeAdapter(file, adapter!, out!); return;
    case 'inspect': await inspectModel(file); return;
    default: throw new Error(`attack.js: unknown operation ${op}`);
  }
}

try {
  await run();
  console.log(JSON.stringify({ ok: true }));
} catch (error) {
  const e = error as Error;
  console.log(JSON.stringify(error instanceof PersianLoraError ? { code: error.code, message: e.message } : { code: 'not a PersianLoraError', message: String(e?.stack ?? e) }));
  process.exitCode = 1;
}
