// `persian-lora eval -m <gguf> --tasks <suites,tasks,files> --data-dir <dir>`: runs an evaluation and writes JSON + markdown.
import { numberOption, parseCommandArgs, UsageError, type Command } from '../command.js';
import { loadModel } from '../../model.js';
import type { AppliedAdapter } from '../../context.js';
import { MODES, type Mode } from '../../eval/tasks/schema.js';
import { resolveTasks } from '../../eval/tasks/resolve.js';
import { formatDuration, formatProgress, type EvalProgress } from '../../eval/runner/progress.js';
import { prepareTasks } from '../../eval/runner/prepare.js';
import { runEvaluation } from '../../eval/runner/run.js';
import { writeResults } from '../../eval/runner/write.js';
import { parseLoraArg } from './generate.js';

/** Writes the progress line: redrawn in place on a terminal, else one line at most every 5 s and at each task's end. */
function progressWriter(stderr: NodeJS.WritableStream): (p: EvalProgress) => void {
  const tty = (stderr as NodeJS.WriteStream).isTTY === true;
  let last = performance.now();
  return (p) => {
    const now = performance.now();
    const taskEnd = p.taskDone === p.taskTotal;
    if (!taskEnd && now - last < (tty ? 250 : 5000)) return;
    last = now;
    stderr.write(tty ? `\r\x1b[K${formatProgress(p)}${taskEnd ? '\n' : ''}` : `${formatProgress(p)}\n`);
  };
}

/** The entries that are set (options left out take the schema's defaults). */
function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

export const evalCommand: Command = {
  name: 'eval',
  summary: 'Evaluate a GGUF model (optionally with LoRA adapters) on task suites or task files',
  usage: `Usage: persian-lora eval -m <model.gguf> --tasks <list> --data-dir <dir> [options]

Runs each task's items through the model and writes <out>/<model>-<time>.json (per-item records, metrics with
95 % bootstrap intervals, file hashes, versions) and the same name with .md (the results table).

Options:
  -m, --model <file>        GGUF model (required)
      --lora <file[:scale]> apply a LoRA adapter GGUF, repeatable (scale default 1)
      --tasks <list>        comma-separated suites (paper-fa, paper-en), suite tasks (paper-fa/sentiment)
                            or task files (.yaml, .yml, .json) (required)
      --data-dir <dir>      folder the tasks' dataset paths are relative to (required)
      --limit <n>           evaluate only the first n records of each task
      --mode <mode>         generate | loglikelihood | perplexity: run every task that allows it this way
                            (classification tasks: generate or loglikelihood); other tasks keep their own mode
      --max-tokens <n>      most new tokens per generated answer (default: the task's, 512 for the paper suites)
  -c, --ctx-size <n>        context size in tokens, all sequences together (default 4096)
      --sequences <n>       parallel sequences for scoring options and generating items (default 8)
  -t, --threads <n>         CPU threads (default: all cores)
      --gpu-layers <n|all>  layers to offload (default: all with a GPU build)
      --bootstrap <n>       bootstrap resamples for the intervals (default 1000)
      --no-hash             do not sha256 the model and adapter files
  -o, --out <dir>           output folder (default results)
  -h, --help                show this help

Ctrl-C stops after the item in flight and writes the items scored so far as a partial result (exit code 1).`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, {
      model: { type: 'string', short: 'm' }, lora: { type: 'string', multiple: true }, tasks: { type: 'string' },
      'data-dir': { type: 'string' }, limit: { type: 'string' }, mode: { type: 'string' }, 'max-tokens': { type: 'string' },
      'ctx-size': { type: 'string', short: 'c' }, sequences: { type: 'string' }, threads: { type: 'string', short: 't' },
      'gpu-layers': { type: 'string' }, bootstrap: { type: 'string' }, 'no-hash': { type: 'boolean' }, out: { type: 'string', short: 'o' },
    });
    if (positionals.length > 0) throw new UsageError(`Unexpected argument ${JSON.stringify(positionals[0])}`);
    if (typeof values.model !== 'string') throw new UsageError('Expected a model path for --model');
    if (typeof values.tasks !== 'string') throw new UsageError('Expected a list of suites, tasks or task files for --tasks');
    if (typeof values['data-dir'] !== 'string') throw new UsageError('Expected a folder for --data-dir');
    const mode = values.mode as string | undefined;
    if (mode !== undefined && !(MODES as readonly string[]).includes(mode)) throw new UsageError(`Expected one of ${MODES.join(', ')} for --mode but received ${JSON.stringify(mode)}`);
    const prepareOptions = {
      dataDir: values['data-dir'],
      limit: numberOption(values.limit as string | undefined, 'limit', { integer: true, min: 1 }),
      mode: mode as Mode | undefined,
      maxTokens: numberOption(values['max-tokens'] as string | undefined, 'max-tokens', { integer: true, min: 1 }),
    };
    const runOptions = {
      contextSize: numberOption(values['ctx-size'] as string | undefined, 'ctx-size', { integer: true, min: 16 }),
      sequences: numberOption(values.sequences as string | undefined, 'sequences', { integer: true, min: 1, max: 256 }),
      threads: numberOption(values.threads as string | undefined, 'threads', { integer: true, min: 0 }),
      bootstrapSamples: numberOption(values.bootstrap as string | undefined, 'bootstrap', { integer: true, min: 1 }),
      hashFiles: values['no-hash'] !== true,
    };
    const loras = ((values.lora as string[] | undefined) ?? []).map(parseLoraArg);
    const gpu = values['gpu-layers'] as string | undefined;
    const gpuLayers = gpu === undefined ? 'auto' : gpu === 'all' ? 'all' : numberOption(gpu, 'gpu-layers', { integer: true, min: 0 })!;
    // Task files, datasets and records are checked before the model is loaded.
    const prepared = prepareTasks(resolveTasks(values.tasks), defined(prepareOptions));
    const model = await loadModel(values.model, { gpuLayers, signal: io.signal });
    try {
      const adapters: AppliedAdapter[] = [];
      for (const l of loras) adapters.push({ adapter: await model.loadAdapter(l.path), scale: l.scale });
      const started = performance.now();
      const results = await runEvaluation(model, prepared, {
        ...defined(runOptions),
        adapters,
        onProgress: progressWriter(io.stderr),
        signal: io.signal,
      });
      const files = writeResults(results, (values.out as string | undefined) ?? 'results');
      const scored = results.tasks.reduce((n, t) => n + t.n, 0);
      const took = formatDuration((performance.now() - started) / 1000);
      if (results.partial) {
        io.stderr.write(`Interrupted: ${scored} items scored in ${took}; partial results written to ${files.json} and ${files.markdown}\n`);
        return 1;
      }
      io.stdout.write(`${scored} items scored in ${took}\nwrote ${files.json}\nwrote ${files.markdown}\n`);
      return 0;
    } finally {
      model.dispose();
    }
  },
};
