// `persian-lora train`: LoRA training on a frozen (quantized) GGUF base, with a live progress line and a resumable run folder.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { numberOption, parseCommandArgs, UsageError, type Command } from '../command.js';
import { loadModel } from '../../model.js';
import { modelTokenizer } from '../../model-tokenizer.js';
import { Trainer } from '../../train/trainer.js';
import { NativeEngine } from '../../train/native-engine.js';
import { runTraining, type TrainEvent } from '../../train/loop.js';
import { dataFormatOf, readTrainingExamples, splitValidation, type TrainDataFormat } from '../../train/data.js';
import { backwardModes, loraTargets, type LoraTarget } from '../../config/train.js';
import { formatDuration } from '../format.js';
import { readGgufMetadata } from '../../vocab/gguf-read.js';
import { FIRST_NEW_ID_KEY } from '../../vocab/extend-gguf.js';

type BackwardMode = (typeof backwardModes)[number];

interface TrainConfig {
  base: string;
  data: string;
  format: TrainDataFormat;
  rank: number; alpha: number; targets: LoraTarget[]; dropout: number; rsLora: boolean;
  lr: number; schedule: 'constant' | 'linear' | 'cosine'; warmup: number; weightDecay: number; clip: number;
  epochs: number; maxSteps?: number; seqLen: number; batch: number; gradAccum: number;
  evalEvery: number; valFraction: number; saveEvery: number; seed: number;
  /** Absent in runs made before trainable rows existed (= 'none'). */
  trainRows?: 'none' | 'all' | { fromId: number }; embeddingLr?: number;
  /** Absent in runs made before the option existed (= 'auto'). */
  backward?: BackwardMode;
}

/** --train-rows: none | all | new (from the base's persian_lora.vocab.first_new_id) | a token id. */
function parseTrainRows(value: string | undefined, base: string): NonNullable<TrainConfig['trainRows']> {
  if (value === undefined || value === 'none' || value === 'all') return value ?? 'none';
  if (value === 'new') {
    const kv = readGgufMetadata(base).kv.get(FIRST_NEW_ID_KEY);
    if (kv === undefined || typeof kv.value !== 'number') throw new UsageError(`--train-rows new needs ${FIRST_NEW_ID_KEY} in ${base} (written by vocab-extend); give a token id instead`);
    return { fromId: kv.value };
  }
  if (!/^\d+$/.test(value)) throw new UsageError(`Expected none, all, new or a token id for --train-rows but received ${JSON.stringify(value)}`);
  return { fromId: Number(value) };
}

/** --backward: one of the trainer's backward routes. */
function parseBackward(value: string | undefined): BackwardMode {
  if (value === undefined) return 'auto';
  if (!(backwardModes as readonly string[]).includes(value)) {
    throw new UsageError(`Expected ${backwardModes.join(', ')} for --backward but received ${JSON.stringify(value)}`);
  }
  return value as BackwardMode;
}

const CONFIG = 'config.json';

export const trainCommand: Command = {
  name: 'train',
  summary: 'Train a LoRA adapter on a frozen GGUF base (text or prompt/response JSONL)',
  usage: `Usage: persian-lora train --base <model.gguf> --data <file> --out <run-dir> [options]
       persian-lora train --resume <run-dir>

Data: a .txt file (one document per line, packed into --seq-len blocks) or .jsonl records with
prompt/response (or instruction/input/output) fields, trained on the response only.
The run folder gets metrics.jsonl, checkpoints/ and, at the end, adapter.gguf (llama.cpp's LoRA format).
Ctrl-C stops after the current step and writes a checkpoint; --resume continues it.

Options:
      --base <file>         frozen base model, any llama.cpp weight type (required)
      --data <file>         training data (required)
      --format <f>          text | jsonl (default: from the file extension)
  -o, --out <dir>           run folder (required)
      --rank <r>            LoRA rank (default 8)
      --alpha <a>           LoRA alpha (default 32)
      --targets <list>      of ${loraTargets.join(',')} (default all)
      --dropout <p>         LoRA dropout (default 0.05)
      --rslora              scale by alpha/sqrt(r)
      --lr <lr>             peak learning rate (default 2e-4)
      --schedule <s>        constant | linear | cosine (default cosine)
      --warmup <w>          warmup: a ratio < 1 or a step count (default 0.05)
      --weight-decay <w>    AdamW weight decay (default 0.01)
      --clip <c>            gradient-norm clip, 0 = off (default 1)
      --epochs <n>          passes over the data (default 1)
      --max-steps <n>       stop after n optimizer steps
      --seq-len <n>         tokens per sequence (default 512)
      --batch <n>           sequences per micro-batch (default 1)
      --grad-accum <n>      micro-batches per optimizer step (default 8)
      --val-fraction <f>    held-out share for validation (default 0.05)
      --eval-every <n>      validation every n steps (default: at the end)
      --save-every <n>      checkpoint every n steps (default: at the end and on Ctrl-C)
      --seed <n>            seed (default 42)
      --train-rows <r>      train full token_embd/output rows too: none | all | new (ids from the base's
                            ${FIRST_NEW_ID_KEY}) | <id> (ids >= id); default none. The run then
                            also writes base.gguf, the base with the trained rows, to use with the adapter
      --embedding-lr <lr>   peak learning rate of those rows (default: --lr)
      --backward <route>    how gradients cross the frozen weights: auto (default: ggml's exact arithmetic on the
                            CPU) | bf16 (W and dy rounded to BF16, as QLoRA computes; on AMX tiles where the OS
                            grants them, else AVX512_BF16) | out_prod | f32 | f16 | cast
      --device <d>          cpu | gpu | a ggml device name such as CUDA0 or MTL0 (default cpu)
      --portable            run the graph every backend runs (all portable rewrites), e.g. to check it on the CPU
  -t, --threads <n>         CPU threads (default: all cores)
      --resume <dir>        continue the run in <dir> with its saved options
  -h, --help                show this help`,
  async run(argv, io) {
    const { values: v, positionals } = parseCommandArgs(argv, {
      base: { type: 'string' }, data: { type: 'string' }, format: { type: 'string' }, out: { type: 'string', short: 'o' },
      rank: { type: 'string' }, alpha: { type: 'string' }, targets: { type: 'string' }, dropout: { type: 'string' }, rslora: { type: 'boolean' },
      lr: { type: 'string' }, schedule: { type: 'string' }, warmup: { type: 'string' }, 'weight-decay': { type: 'string' }, clip: { type: 'string' },
      epochs: { type: 'string' }, 'max-steps': { type: 'string' }, 'seq-len': { type: 'string' }, batch: { type: 'string' }, 'grad-accum': { type: 'string' },
      'val-fraction': { type: 'string' }, 'eval-every': { type: 'string' }, 'save-every': { type: 'string' }, seed: { type: 'string' },
      threads: { type: 'string', short: 't' }, resume: { type: 'string' }, device: { type: 'string' }, portable: { type: 'boolean' },
      'train-rows': { type: 'string' }, 'embedding-lr': { type: 'string' }, backward: { type: 'string' },
    });
    if (positionals.length > 0) throw new UsageError(`Unexpected argument ${JSON.stringify(positionals[0])}`);
    const num = (name: string, o: Parameters<typeof numberOption>[2] = {}) => numberOption(v[name] as string | undefined, name, o);
    const threads = num('threads', { integer: true, min: 0 }) ?? 0;
    let runDir: string;
    let config: TrainConfig;
    if (typeof v.resume === 'string') {
      runDir = v.resume;
      const file = path.join(runDir, CONFIG);
      if (!existsSync(file)) throw new UsageError(`Nothing to resume: ${file} does not exist`);
      config = JSON.parse(readFileSync(file, 'utf8')) as TrainConfig;
    } else {
      for (const name of ['base', 'data', 'out'] as const) if (typeof v[name] !== 'string') throw new UsageError(`Expected a path for --${name}`);
      const targets = ((v.targets as string | undefined) ?? loraTargets.join(',')).split(',').map((s) => s.trim());
      const unknown = targets.filter((t) => !(loraTargets as readonly string[]).includes(t));
      if (unknown.length > 0) throw new UsageError(`Unknown LoRA target ${JSON.stringify(unknown[0])} for --targets (expected some of ${loraTargets.join(', ')})`);
      const schedule = (v.schedule as string | undefined) ?? 'cosine';
      if (!['constant', 'linear', 'cosine'].includes(schedule)) throw new UsageError(`Expected constant, linear or cosine for --schedule but received ${JSON.stringify(schedule)}`);
      const format = (v.format as string | undefined) ?? 'auto';
      if (!['auto', 'text', 'jsonl'].includes(format)) throw new UsageError(`Expected text or jsonl for --format but received ${JSON.stringify(format)}`);
      runDir = v.out as string;
      config = {
        base: path.resolve(v.base as string), data: path.resolve(v.data as string), format: dataFormatOf(v.data as string, format as TrainDataFormat | 'auto'),
        rank: num('rank', { integer: true, min: 1 }) ?? 8, alpha: num('alpha', { min: 0 }) ?? 32, targets: targets as LoraTarget[],
        dropout: num('dropout', { min: 0, max: 0.99 }) ?? 0.05, rsLora: v.rslora === true,
        lr: num('lr', { min: 0 }) ?? 2e-4, schedule: schedule as TrainConfig['schedule'], warmup: num('warmup', { min: 0 }) ?? 0.05,
        weightDecay: num('weight-decay', { min: 0 }) ?? 0.01, clip: num('clip', { min: 0 }) ?? 1,
        epochs: num('epochs', { integer: true, min: 1 }) ?? 1, maxSteps: num('max-steps', { integer: true, min: 1 }),
        seqLen: num('seq-len', { integer: true, min: 2 }) ?? 512, batch: num('batch', { integer: true, min: 1 }) ?? 1,
        gradAccum: num('grad-accum', { integer: true, min: 1 }) ?? 8, valFraction: num('val-fraction', { min: 0, max: 0.5 }) ?? 0.05,
        evalEvery: num('eval-every', { integer: true, min: 0 }) ?? 0, saveEvery: num('save-every', { integer: true, min: 0 }) ?? 0,
        seed: num('seed', { integer: true, min: 0 }) ?? 42,
        trainRows: parseTrainRows(v['train-rows'] as string | undefined, path.resolve(v.base as string)), embeddingLr: num('embedding-lr', { min: 0 }),
        backward: parseBackward(v.backward as string | undefined),
      };
      if (existsSync(path.join(runDir, CONFIG))) throw new UsageError(`${runDir} already holds a run: use --resume ${runDir} to continue it, or another --out`);
    }
    if (!existsSync(config.data)) throw new UsageError(`Training data not found: ${config.data}`);

    const vocab = await loadModel(config.base, { vocabOnly: true, signal: io.signal });
    let examples;
    try {
      examples = await readTrainingExamples(config.data, config.format, modelTokenizer(vocab), config.seqLen, config.seed);
    } finally {
      vocab.dispose();
    }
    const { train, validation } = splitValidation(examples, config.valFraction);
    const trainer = await Trainer.create(config.base, {
      rank: config.rank, alpha: config.alpha, targets: config.targets, dropout: config.dropout, rsLora: config.rsLora, seed: config.seed, threads,
      trainRows: config.trainRows ?? 'none', device: (v.device as string | undefined) ?? 'cpu', portable: v.portable === true,
      backward: config.backward ?? 'auto',
    });
    try {
      if (config.seqLen > trainer.contextLength) throw new UsageError(`--seq-len ${config.seqLen} exceeds the model's context length ${trainer.contextLength}`);
      mkdirSync(runDir, { recursive: true });
      if (!v.resume) writeFileSync(path.join(runDir, CONFIG), JSON.stringify(config, null, 2));
      const device = `${trainer.device.name} (${trainer.device.description})${v.portable === true ? ', portable graph' : ''}, ` +
        `backward ${trainer.backward}${trainer.amx ? ' (AMX tiles)' : ''}`;
      io.stderr.write(`train: ${train.length} examples (${validation.length} held out) of ${config.seqLen} tokens, LoRA r=${config.rank} on ${config.targets.join(',')}, ${trainer.parameters.length} tensors, on ${device}\n`);
      const tty = (io.stderr as NodeJS.WriteStream).isTTY === true;
      const onEvent = (e: TrainEvent) => {
        if (e.type === 'step') {
          const line = `step ${e.step}/${e.totalSteps} | loss ${e.loss.toFixed(4)} | lr ${e.lr.toExponential(2)} | grad ${e.gradNorm.toFixed(3)} | ${e.tokensPerSecond.toFixed(0)} tok/s | ETA ${formatDuration(e.etaSeconds)}`;
          io.stderr.write(tty ? `\r${line}\x1b[K` : `${line}\n`);
        } else {
          if (tty) io.stderr.write('\n');
          if (e.type === 'eval') io.stderr.write(`validation at step ${e.step}: loss ${e.loss.toFixed(4)}, perplexity ${e.perplexity.toFixed(2)}\n`);
          if (e.type === 'checkpoint') io.stderr.write(`checkpoint: ${e.dir}\n`);
          if (e.type === 'resume') io.stderr.write(`resumed at step ${e.step} from ${e.dir}\n`);
        }
      };
      const outcome = await runTraining({
        engine: new NativeEngine(trainer), train, validation, runDir, resume: typeof v.resume === 'string', signal: io.signal, onEvent,
        plan: { sequences: config.batch, length: config.seqLen, padToken: 0 },
        options: {
          epochs: config.epochs, maxSteps: config.maxSteps, gradAccum: config.gradAccum, seed: config.seed,
          schedule: { kind: config.schedule, warmup: config.warmup, lr: config.lr }, weightDecay: config.weightDecay,
          maxGradNorm: config.clip, evalEvery: config.evalEvery, saveEvery: config.saveEvery, embeddingLr: config.embeddingLr,
        },
      });
      if (tty) io.stderr.write('\n');
      if (outcome.stopped === 'abort') {
        io.stderr.write(`stopped at step ${outcome.state.step}; continue with: persian-lora train --resume ${runDir}\n`);
        return 1;
      }
      io.stdout.write(`adapter: ${outcome.adapterPath}\n`);
      if (trainer.rowsFrom >= 0) {
        const basePath = path.join(runDir, 'base.gguf');
        await trainer.exportBase(basePath);
        io.stdout.write(`base with trained rows: ${basePath} (load it with the adapter)\n`);
      }
      return 0;
    } finally {
      trainer.dispose();
    }
  },
};
