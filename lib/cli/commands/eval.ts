// `persian-lora eval -m <gguf> --tasks <suites,tasks,files> --data-dir <dir>`: runs an evaluation and writes JSON + markdown.
import { UsageError, choiceOption, flagOption, noPositionals, numberOption, parseCommandArgs, requiredOption, sharedOptions, stringOption, threadsOption, type Command } from '../command.js';
import { formatDuration, formatEvalProgress } from '../format.js';
import { INTERRUPTED } from '../interrupts.js';
import { loadModelOptions } from '../load-model.js';
import { connectRpcOption, deviceListOption } from '../rpc.js';
import { MODES } from '../../eval/tasks/schema.js';
import { resolveTasks } from '../../eval/tasks/resolve.js';
import type { EvalProgress } from '../../eval/runner/progress.js';
import { prepareTasks } from '../../eval/runner/prepare.js';
import { runEvaluation } from '../../eval/runner/run.js';
import { writeResults } from '../../eval/runner/write.js';

/** Writes the progress line: redrawn in place on a terminal, else one line at most every 5 s and at each task's end. */
function progressWriter(stderr: NodeJS.WritableStream): (p: EvalProgress) => void {
  const tty = (stderr as NodeJS.WriteStream).isTTY === true;
  let last = performance.now();
  return (p) => {
    const now = performance.now();
    const taskEnd = p.taskDone === p.taskTotal;
    if (!taskEnd && now - last < (tty ? 250 : 5000)) return;
    last = now;
    stderr.write(tty ? `\r\x1b[K${formatEvalProgress(p)}${taskEnd ? '\n' : ''}` : `${formatEvalProgress(p)}\n`);
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
      --device <d,…>        devices the layers go to, split across several as llama.cpp does (ggml names: CUDA0, RPC0, …;
                            cpu = none; default: every GPU of the build)
      --rpc <host:port,…>   use the devices of these rpc-servers (named RPC0, RPC1, … in this order; docs/rpc.md)
      --shard-devices <d,…> a whole copy of the model on each device, the items split among them and run at once
                            (e.g. RPC0,RPC1); the results equal a run on one device
      --bootstrap <n>       bootstrap resamples for the intervals (default 1000)
      --no-hash             do not sha256 the model and adapter files
  -o, --out <dir>           output folder (default results)
  -h, --help                show this help

Ctrl-C stops after the item in flight and writes the items scored so far as a partial result (exit code 130).`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, {
      ...sharedOptions, tasks: { type: 'string' }, 'data-dir': { type: 'string' }, limit: { type: 'string' }, mode: { type: 'string' },
      'max-tokens': { type: 'string' }, sequences: { type: 'string' }, bootstrap: { type: 'string' }, 'no-hash': { type: 'boolean' },
      'shard-devices': { type: 'string' },
    });
    noPositionals(positionals);
    const num = (name: string, o: Parameters<typeof numberOption>[2]) => numberOption(stringOption(values, name), name, o);
    requiredOption(values, 'model', 'a GGUF model path');
    const tasks = requiredOption(values, 'tasks', 'a list of suites, tasks or task files');
    const prepareOptions = {
      dataDir: requiredOption(values, 'data-dir', 'a folder'),
      limit: num('limit', { integer: true, min: 1 }),
      mode: choiceOption(values, 'mode', MODES),
      maxTokens: num('max-tokens', { integer: true, min: 1 }),
    };
    const runOptions = {
      contextSize: num('ctx-size', { integer: true, min: 16 }),
      sequences: num('sequences', { integer: true, min: 1, max: 256 }),
      threads: threadsOption(values),
      bootstrapSamples: num('bootstrap', { integer: true, min: 1 }),
      hashFiles: !flagOption(values, 'no-hash'),
    };
    // Task files, datasets and records are checked before the model is loaded.
    const prepared = prepareTasks(resolveTasks(tasks), defined(prepareOptions));
    await connectRpcOption(values, io.stderr);
    const shardDevices = deviceListOption(values, 'shard-devices');
    if (shardDevices && values.device !== undefined) throw new UsageError('Expected either --device (layers split across devices) or --shard-devices (a model per device) but received both');
    const loaded: Awaited<ReturnType<typeof loadModelOptions>>[] = [];
    try {
      for (const device of shardDevices ?? [undefined]) loaded.push(await loadModelOptions(values, io.signal, device === undefined ? undefined : [device]));
      const { adapters } = loaded[0]!;
      const started = performance.now();
      const results = await runEvaluation(loaded.map((l) => l.model), prepared, {
        ...defined(runOptions),
        adapters,
        onProgress: progressWriter(io.stderr),
        signal: io.signal,
      });
      const files = writeResults(results, stringOption(values, 'out') ?? 'results');
      const scored = results.tasks.reduce((n, t) => n + t.n, 0);
      const took = formatDuration((performance.now() - started) / 1000);
      if (results.partial) {
        io.stderr.write(`Interrupted: ${scored} items scored in ${took}; partial results written to ${files.json} and ${files.markdown}\n`);
        return INTERRUPTED;
      }
      io.stdout.write(`${scored} items scored in ${took}\nwrote ${files.json}\nwrote ${files.markdown}\n`);
      return 0;
    } finally {
      for (const { model } of loaded) model.dispose();
    }
  },
};
