// `persian-lora train`: the training job (lib/train/job.ts) from the command line, with a live progress line.
import { choiceOption, flagOption, noPositionals, numberOption, parseCommandArgs, sharedOptions, stringOption, threadsOption, UsageError, type Command, type ParsedValues } from '../command.js';
import { connectRpcOption } from '../rpc.js';
import { backwardModes, loraTargets, trainDefaults, type LoraTarget } from '../../config/train.js';
import { FIRST_NEW_ID_KEY } from '../../vocab/extend-gguf.js';
import { initModes, resumableOptions, runTrainJob, type InitMode, type TrainJobEvent, type TrainJobOptions, type TrainJobResume } from '../../train/job.js';
import type { TrainDataSpec } from '../../train/sources.js';
import { scheduleKinds } from '../../train/schedule.js';
import { formatTrainStep } from '../format.js';
import { INTERRUPTED } from '../interrupts.js';
import { writeLossCurve } from '../loss-curve.js';

/** --train-rows: none | all | new (from the base's persian_lora.vocab.first_new_id) | a token id. */
function parseTrainRows(value: string | undefined): TrainJobOptions['trainRows'] {
  if (value === undefined || value === 'none' || value === 'all' || value === 'new') return value;
  if (!/^\d+$/.test(value)) throw new UsageError(`Expected none, all, new or a token id for --train-rows but received ${JSON.stringify(value)}`);
  return { fromId: Number(value) };
}

function parseTargets(value: string | undefined): LoraTarget[] | undefined {
  if (value === undefined) return undefined;
  const targets = value.split(',').map((s) => s.trim());
  const unknown = targets.filter((t) => !(loraTargets as readonly string[]).includes(t));
  if (unknown.length > 0) throw new UsageError(`Unknown LoRA target ${JSON.stringify(unknown[0])} for --targets (expected some of ${loraTargets.join(', ')})`);
  return targets as LoraTarget[];
}

/** --data with --format: a path (format from the extension), or a text / instructions spec when --format says so. */
function parseData(data: string | undefined, values: ParsedValues): TrainDataSpec | undefined {
  const f = choiceOption(values, 'format', ['auto', 'text', 'jsonl'] as const);
  if (data === undefined) {
    if (f !== undefined && f !== 'auto') throw new UsageError('--format needs --data');
    return undefined;
  }
  if (f === undefined || f === 'auto') return data;
  return f === 'text' ? { kind: 'text', path: data } : { kind: 'instructions', path: data };
}

const d = trainDefaults;

export const trainCommand: Command = {
  name: 'train',
  summary: 'Train a LoRA adapter on a frozen GGUF base (text or prompt/response JSONL)',
  usage: `Usage: persian-lora train --base <model.gguf> --data <file> --out <run-dir> [options]
       persian-lora train --resume <run-dir> [--max-steps n --eval-every n --save-every n --keep-checkpoints n -t n --device d]

Data: a .txt file (one document per line, packed into --seq-len blocks) or .jsonl records with
prompt/response (or instruction/input/output) fields, trained on the response only.
The run folder gets config.json, metrics.jsonl, loss.svg (the loss curve, redrawn at each checkpoint), checkpoints/ and,
at the end, adapter.gguf (llama.cpp's LoRA format).
Ctrl-C stops after the current step and writes a checkpoint (exit code 130); --resume continues it with its saved options. Beside
--resume, ${resumableOptions.join(', ')} may change (recorded in config.json); any other option given must keep
its saved value.

Options:
      --base <file>         frozen base model, any llama.cpp weight type (required)
      --data <file>         training data (required)
      --format <f>          text | jsonl (default: from the file extension)
  -o, --out <dir>           run folder (required)
      --rank <r>            LoRA rank (default ${d.rank})
      --alpha <a>           LoRA alpha (default ${d.alpha}; with --init-adapter, the adapter's)
      --targets <list>      of ${loraTargets.join(',')} (default all)
      --dropout <p>         LoRA dropout (default ${d.dropout})
      --rslora              scale by alpha/sqrt(r)
      --lr <lr>             peak learning rate (default ${d.lr})
      --schedule <s>        ${scheduleKinds.join(' | ')} (default ${d.schedule})
      --warmup <w>          warmup: a ratio < 1 or a step count (default ${d.warmup})
      --weight-decay <w>    AdamW weight decay (default ${d.weightDecay})
      --clip <c>            gradient-norm clip, 0 = off (default ${d.clip})
      --epochs <n>          passes over the data (default ${d.epochs})
      --max-steps <n>       stop after n optimizer steps (may change on --resume: the schedule follows the new total)
      --seq-len <n>         tokens per sequence (default ${d.seqLen})
      --batch <n>           sequences per micro-batch (default ${d.batch})
      --grad-accum <n>      micro-batches per optimizer step (default ${d.gradAccum})
      --val-fraction <f>    held-out share for validation (default ${d.valFraction})
      --eval-every <n>      validation every n steps (default: at the end)
      --save-every <n>      checkpoint every n steps (default: at the end and on Ctrl-C)
      --keep-checkpoints <n> checkpoints kept (default ${d.keepCheckpoints})
      --seed <n>            seed (default ${d.seed})
      --train-rows <r>      train full token_embd/output rows too: none | all | new (ids from the base's
                            ${FIRST_NEW_ID_KEY}) | <id> (ids >= id); default none. The run then
                            also writes base.gguf, the base with the trained rows, to use with the adapter
      --embedding-lr <lr>   peak learning rate of those rows (default: --lr)
      --backward <route>    how gradients cross the frozen weights: auto (default: ggml's exact arithmetic on the
                            CPU) | bf16 (W and dy rounded to BF16, as QLoRA computes; on AMX tiles where the OS
                            grants them, else AVX512_BF16) | out_prod | f32 | f16 | cast
      --device <d>          cpu | gpu | a ggml device name such as CUDA0, MTL0 or RPC0 (default cpu)
      --rpc <host:port,…>   use the devices of these rpc-servers (named RPC0, RPC1, … in this order; docs/rpc.md)
      --portable            run the graph every backend runs (all portable rewrites), e.g. to check it on the CPU
  -t, --threads <n>         CPU threads (default: all cores)
      --init-adapter <a>    start from this adapter: a LoRA GGUF, or a PEFT folder (adapter_config.json +
                            adapter_model.safetensors)
      --init-mode <m>       continue (default: keep training that adapter; same rank and targets, its alpha) |
                            merge (merge it into the base as <out>/init-base.gguf and train a fresh adapter on that)
      --resume <dir>        continue the run in <dir> with its saved options
  -h, --help                show this help`,
  async run(argv, io) {
    const { values: v, positionals } = parseCommandArgs(argv, {
      base: { type: 'string' }, data: { type: 'string' }, format: { type: 'string' }, out: sharedOptions.out,
      rank: { type: 'string' }, alpha: { type: 'string' }, targets: { type: 'string' }, dropout: { type: 'string' }, rslora: { type: 'boolean' },
      lr: { type: 'string' }, schedule: { type: 'string' }, warmup: { type: 'string' }, 'weight-decay': { type: 'string' }, clip: { type: 'string' },
      epochs: { type: 'string' }, 'max-steps': { type: 'string' }, 'seq-len': { type: 'string' }, batch: { type: 'string' }, 'grad-accum': { type: 'string' },
      'val-fraction': { type: 'string' }, 'eval-every': { type: 'string' }, 'save-every': { type: 'string' }, 'keep-checkpoints': { type: 'string' }, seed: { type: 'string' },
      threads: sharedOptions.threads, resume: { type: 'string' }, device: { type: 'string' }, rpc: sharedOptions.rpc, portable: { type: 'boolean' },
      'train-rows': { type: 'string' }, 'embedding-lr': { type: 'string' }, backward: { type: 'string' },
      'init-adapter': { type: 'string' }, 'init-mode': { type: 'string' },
    });
    noPositionals(positionals);
    const num = (name: string, o: Parameters<typeof numberOption>[2] = {}) => numberOption(v[name] as string | undefined, name, o);
    const str = (name: string) => stringOption(v, name);
    const resume = str('resume');
    // flags not given stay undefined: the job's schema holds the defaults (and a resume keeps the saved values)
    const options = {
      base: str('base'), data: parseData(str('data'), v), out: str('out'),
      rank: num('rank', { integer: true, min: 1 }), alpha: num('alpha', { min: 0 }), targets: parseTargets(str('targets')),
      dropout: num('dropout', { min: 0, max: 0.99 }), rsLora: flagOption(v, 'rslora') || undefined,
      lr: num('lr', { min: 0 }), schedule: choiceOption(v, 'schedule', scheduleKinds), warmup: num('warmup', { min: 0 }),
      weightDecay: num('weight-decay', { min: 0 }), clip: num('clip', { min: 0 }),
      epochs: num('epochs', { integer: true, min: 1 }), maxSteps: num('max-steps', { integer: true, min: 1 }),
      seqLen: num('seq-len', { integer: true, min: 2 }), batch: num('batch', { integer: true, min: 1 }),
      gradAccum: num('grad-accum', { integer: true, min: 1 }), valFraction: num('val-fraction', { min: 0, max: 0.5 }),
      evalEvery: num('eval-every', { integer: true, min: 0 }), saveEvery: num('save-every', { integer: true, min: 0 }),
      keepCheckpoints: num('keep-checkpoints', { integer: true, min: 1 }), seed: num('seed', { integer: true, min: 0 }),
      trainRows: parseTrainRows(str('train-rows')), embeddingLr: num('embedding-lr', { min: 0 }),
      backward: choiceOption(v, 'backward', backwardModes), device: str('device'), portable: flagOption(v, 'portable') || undefined,
      threads: threadsOption(v),
      initAdapter: str('init-adapter'), initMode: choiceOption<InitMode>(v, 'init-mode', initModes),
    };
    if (resume !== undefined) {
      if (options.out !== undefined && options.out !== resume) throw new UsageError(`--resume ${resume} continues that folder; --out ${options.out} names another`);
      options.out = resume;
    } else {
      for (const name of ['base', 'data', 'out'] as const) if (options[name] === undefined) throw new UsageError(`Expected a path for --${name} but received nothing`);
    }

    await connectRpcOption(v, io.stderr);
    const tty = (io.stderr as NodeJS.WriteStream).isTTY === true;
    let runDir = options.out!;
    let lossCurve: Promise<unknown> = Promise.resolve(); // loss.svg, redrawn at each checkpoint
    const onEvent = (e: TrainJobEvent) => {
      if (e.type === 'step') {
        const line = formatTrainStep(e);
        io.stderr.write(tty ? `\r${line}\x1b[K` : `${line}\n`);
        return;
      }
      if (tty) io.stderr.write('\n');
      if (e.type === 'start') {
        runDir = e.runDir;
        for (const c of e.changes) io.stderr.write(`resume: ${c.option} ${JSON.stringify(c.from) ?? 'unset'} -> ${JSON.stringify(c.to)}\n`);
        if (e.init?.mode === 'continue') io.stderr.write(`init: continuing ${e.init.description}\n`);
        if (e.init?.mode === 'merge') io.stderr.write(`init: merged ${e.init.description} into ${e.init.mergedBase}\n`);
        io.stderr.write(`train: ${e.examples} examples (${e.heldOut} held out) of ${e.seqLen} tokens, LoRA r=${e.rank} alpha=${e.alpha} on ${e.targets.join(',')}, ${e.parameters} tensors, on ${e.device}\n`);
      }
      if (e.type === 'eval') io.stderr.write(`validation at step ${e.step}: loss ${e.loss.toFixed(4)}, perplexity ${e.perplexity.toFixed(2)}\n`);
      if (e.type === 'checkpoint') {
        io.stderr.write(`checkpoint: ${e.dir}\n`);
        lossCurve = lossCurve.then(() => writeLossCurve(runDir)).catch((error: Error) => io.stderr.write(`loss.svg not drawn: ${error.message}\n`));
      }
      if (e.type === 'resume') io.stderr.write(`resumed at step ${e.step} from ${e.dir}\n`);
    };
    const outcome = resume !== undefined
      ? await runTrainJob(options as TrainJobResume, { resume: true, signal: io.signal, onEvent })
      : await runTrainJob(options as TrainJobOptions, { signal: io.signal, onEvent });
    if (tty) io.stderr.write('\n');
    await lossCurve;
    if (outcome.stopped === 'abort') {
      io.stderr.write(`stopped at step ${outcome.steps}; continue with: persian-lora train --resume ${runDir}\n`);
      return INTERRUPTED;
    }
    io.stdout.write(`adapter: ${outcome.adapterPath}\n`);
    if (outcome.baseKind === 'trained-rows') io.stdout.write(`base with trained rows: ${outcome.basePath} (load it with the adapter)\n`);
    if (outcome.baseKind === 'merged') io.stdout.write(`base with the initial adapter merged: ${outcome.basePath} (load it with the adapter)\n`);
    return 0;
  },
};
