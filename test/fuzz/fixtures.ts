// The valid files the fuzz cases start from, made with the CLI itself: a tiny Q8_0 llama model with Llama 2's real
// vocabulary, a training text, an adapter trained on it for two steps, its PEFT export, and a task file with its data.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../helpers/temp-dir.js';
import { ROOT, runCli, type CliRun } from './harness.js';

export const TINY = ['--vocab', 'llama-spm', '--layers', '2', '--dim', '64', '--quant', 'q8_0'];
/** A short training run: two optimizer steps of two micro-batches on 32-token sequences, one thread. */
export const SHORT_TRAIN = ['--rank', '2', '--targets', 'q,v', '--seq-len', '32', '--grad-accum', '2', '--max-steps', '2', '--val-fraction', '0', '-t', '1'];

export const TRAIN_TEXT = Array.from({ length: 24 }, (_, i) => `Line ${i}: the quick brown fox jumps over the lazy dog ${i * 7} times. سلام دنیا ${i}`).join('\n') + '\n';
export const TRAIN_JSONL = Array.from({ length: 12 }, (_, i) => JSON.stringify({ prompt: `Say hello ${i}`, response: `Hello ${i}, سلام ${i}.` })).join('\n') + '\n';

/** A fresh temporary folder, removed when the test file's process ends. */
export const scratch = (name: string): string => tempDir(`pl-fuzz-${name}-`);

function ok(run: CliRun): CliRun {
  if (run.code !== 0) throw new Error(`fixture: persian-lora ${run.argv.join(' ')} failed (${run.code ?? run.signal}):\n${run.stderr}`);
  return run;
}

export interface Fixtures {
  dir: string;
  model: string;
  text: string;
  jsonl: string;
  adapter: string;
  peft: string;
  taskDir: string;
  task: string;
  taskData: string;
}

let made: Promise<Fixtures> | undefined;

/** The fixtures, made once per test file; `withAdapter` false skips the training run. */
export function fixtures(withAdapter = true): Promise<Fixtures> {
  made ??= (async () => {
    const dir = scratch('fixtures');
    const model = path.join(dir, 'tiny.gguf');
    ok(await runCli(['tiny-model', ...TINY, '--out', model]));
    const text = path.join(dir, 'train.txt');
    writeFileSync(text, TRAIN_TEXT);
    const jsonl = path.join(dir, 'train.jsonl');
    writeFileSync(jsonl, TRAIN_JSONL);
    const run = path.join(dir, 'run');
    const adapter = path.join(run, 'adapter.gguf');
    const peft = path.join(dir, 'peft');
    if (withAdapter) {
      ok(await runCli(['train', '--base', model, '--data', text, '--out', run, ...SHORT_TRAIN]));
      ok(await runCli(['export', '--adapter', adapter, '--format', 'peft', '--out', peft, '--base', model]));
    }
    // a demo task (multiple choice, loglikelihood) with its data, in a folder of its own
    const demo = path.join(ROOT, 'lib/pipeline/demo');
    const taskDir = path.join(dir, 'task');
    mkdirSync(path.join(taskDir, 'eval'), { recursive: true });
    const task = path.join(taskDir, 'task.yaml');
    copyFileSync(path.join(demo, 'tasks/fa-language-name.yaml'), task);
    const taskData = path.join(taskDir, 'eval/fa-language-name.jsonl');
    writeFileSync(taskData, readFileSync(path.join(demo, 'eval/fa-language-name.jsonl'), 'utf8').split('\n').slice(0, 3).join('\n') + '\n');
    return { dir, model, text, jsonl, adapter, peft, taskDir, task, taskData };
  })();
  return made;
}
