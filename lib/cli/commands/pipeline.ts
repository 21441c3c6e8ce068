// `persian-lora pipeline`: stages 0–3 with an evaluation after each, into one resumable run folder, then the report.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { choiceOption, flagOption, numberOption, parseCommandArgs, sharedOptions, stringOption, threadsOption, UsageError, type Command, type CommandIO } from '../command.js';
import { connectRpcOption } from '../rpc.js';
import { INTERRUPTED } from '../interrupts.js';
import { writeLossCurve } from '../loss-curve.js';
import { formatDuration, formatEvalProgress, formatTrainStep } from '../format.js';
import { native } from '../../native/addon.js';
import { loadPipelineConfig, mergeConfig, parsePipelineConfig, type PipelineConfig } from '../../pipeline/config.js';
import { runPipeline, type PipelineEvent } from '../../pipeline/run.js';
import { demoConfig, paperConfig, PRESETS, type PresetName } from '../../pipeline/presets.js';
import { STAGE_LABELS, type StageId } from '../../pipeline/manifest.js';
import { writeReport } from '../../pipeline/report/index.js';

/** The report's headline table (its first markdown table). */
function firstTable(markdown: string): string {
  const lines = markdown.split('\n');
  const start = lines.findIndex((l) => l.startsWith('|'));
  if (start < 0) return '';
  const end = lines.findIndex((l, i) => i > start && !l.startsWith('|'));
  return lines.slice(start, end < 0 ? undefined : end).join('\n') + '\n';
}

const STOP_STAGES = ['vocab', 'pretrain', 'align', 'instruct'] as const;

/**
 * One progress line per event; training steps and evaluation items overwrite each other on a terminal. Each stage's
 * training folder gets its loss.svg at every checkpoint, as a train run's does (`drawn` settles once all are written).
 */
function progressPrinter(io: CommandIO): { onEvent: (e: PipelineEvent) => void; drawn: () => Promise<unknown> } {
  let lossCurves: Promise<unknown> = Promise.resolve();
  let trainDir = '';
  const tty = (io.stderr as NodeJS.WriteStream).isTTY === true;
  let where = '';
  let live = false;
  const line = (text: string) => {
    if (live && tty) io.stderr.write('\n');
    live = false;
    io.stderr.write(`${text}\n`);
  };
  const liveLine = (text: string) => {
    io.stderr.write(tty ? `\r${text}\x1b[K` : `${text}\n`);
    live = tty;
  };
  const tag = (stage: StageId) => `${where} ${stage}`;
  const onEvent = (e: PipelineEvent) => {
    if (e.type === 'stage-start') {
      where = `stage ${e.position}/${e.stages}`;
      line(`${where} · ${STAGE_LABELS[e.stage]}`);
    } else if (e.type === 'stage-skip') {
      line(`${STAGE_LABELS[e.stage]}: skipped (${e.reason})`);
    } else if (e.type === 'train') {
      const t = e.event;
      if (t.type === 'step') {
        liveLine(`${tag(e.stage)} · ${formatTrainStep(t, { gradNorm: false })}`);
      } else if (t.type === 'eval') {
        line(`${tag(e.stage)} · validation at step ${t.step}: loss ${t.loss.toFixed(4)}`);
      } else if (t.type === 'resume') {
        line(`${tag(e.stage)} · resumed at step ${t.step}`);
      } else if (t.type === 'checkpoint') {
        const dir = trainDir;
        lossCurves = lossCurves.then(() => writeLossCurve(dir)).catch((error: Error) => line(`loss.svg not drawn: ${error.message}`));
      } else if (t.type === 'start') {
        trainDir = t.runDir;
        const init = t.init ? `, from ${path.basename(t.init.adapter)} (${t.init.mode})` : '';
        line(`${tag(e.stage)} · ${t.resumed ? 'resuming: ' : ''}${t.examples} examples of ${t.seqLen} tokens (${t.heldOut} held out), LoRA r=${t.rank} on ${t.targets.join(',')}${init}, on ${t.device}`);
      }
    } else if (e.type === 'eval') {
      liveLine(`${tag(e.stage)} · eval ${formatEvalProgress(e.progress)}`);
    } else if (e.type === 'stage-done') {
      const r = e.record;
      if (e.reused) {
        line(`${tag(e.stage)} · already done (inputs unchanged), not run again`);
        return;
      }
      const parts = [`${formatDuration(r.seconds.total)} (training ${formatDuration(r.seconds.train)}, evaluation ${formatDuration(r.seconds.eval)})`];
      if (r.train) parts.push(`loss ${r.train.firstLoss?.toFixed(3) ?? '?'} → ${r.train.lastLoss?.toFixed(3) ?? '?'}, ${r.train.tokensPerSecond.toFixed(0)} tok/s`);
      if (r.vocab) parts.push(`${r.vocab.newTokens} new tokens${r.vocab.before && r.vocab.after ? `, held-out tokens/word ${r.vocab.before.tokensPerWord.toFixed(2)} → ${r.vocab.after.tokensPerWord.toFixed(2)}` : ''}`);
      line(`${tag(e.stage)} · done: ${parts.join('; ')}`);
    }
  };
  return { onEvent, drawn: () => lossCurves };
}

export const pipelineCommand: Command = {
  name: 'pipeline',
  summary: 'Run the staged adaptation (vocabulary, pretraining, alignment, instructions) with evaluation after each stage',
  usage: `Usage: persian-lora pipeline <config.yaml> [options]
       persian-lora pipeline --preset demo
       persian-lora pipeline --preset paper --base model.gguf --corpus fa.txt --parallel pairs.jsonl --instructions alpaca.jsonl --data-dir testset/ [options]

Runs the base evaluation, then stage 0 (vocabulary extension), 1 (LoRA pretraining), 2 (bilingual alignment) and
3 (instruction tuning), each followed by the evaluation, into one run folder with manifest.json, report.md and
report.html. Running the same command again resumes: finished stages are not run again, an interrupted one continues
from its checkpoint. Ctrl-C (or SIGTERM) stops after the current step and keeps the folder resumable.
The config format: docs/pipeline.md.

Options:
      --preset <name>       ${PRESETS.join(' | ')}: demo runs a tiny model on the shipped sample (no network, no files);
                            paper is the study's recipe (a config file given too is laid over it)
  -o, --out <dir>           run folder (default: the config's out; demo: ./persian-lora-demo)
      --base <file>         base model GGUF (overrides the config's)
      --corpus <file>       Persian text, a document per line: stage 0's corpus and stage 1's data
      --parallel <file|dir> English–Persian pairs for stage 2 (JSONL {en, fa}, or a data fetch-parallel folder)
      --instructions <file> instruction data for stage 3 (Alpaca, ShareGPT or messages JSONL)
      --data-dir <dir>      folder of the study's test sets (paper-fa, paper-en suites)
      --held-out <list>     held-out text per language for perplexity, e.g. fa=fa.txt,en=en.txt
      --limit <n>           evaluation items per task
      --stop-after <stage>  ${STOP_STAGES.join(' | ')} (an ablation: later stages are skipped)
      --device <d>          cpu | gpu | a ggml device name (default: the config's, cpu)
      --rpc <host:port,…>   use the devices of these rpc-servers: RPC0, RPC1, … for --device; evaluation offloads to
                            every GPU and RPC device (docs/rpc.md)
  -t, --threads <n>         CPU threads (default: all cores)
      --print-config        print the resolved config as YAML and exit
  -h, --help                show this help`,
  async run(argv, io) {
    const { values: v, positionals } = parseCommandArgs(argv, {
      preset: { type: 'string' }, out: sharedOptions.out, base: { type: 'string' }, corpus: { type: 'string' },
      parallel: { type: 'string' }, instructions: { type: 'string' }, 'data-dir': { type: 'string' }, 'held-out': { type: 'string' },
      limit: { type: 'string' }, 'stop-after': { type: 'string' }, device: { type: 'string' }, threads: sharedOptions.threads, rpc: sharedOptions.rpc,
      'print-config': { type: 'boolean' },
    }, true);
    if (positionals.length > 1) throw new UsageError(`Expected one config file but received ${positionals.length}: ${positionals.join(', ')}`);
    const preset = choiceOption<PresetName>(v, 'preset', PRESETS);
    const file = positionals[0];
    if (file === undefined && preset === undefined) throw new UsageError('Expected a config file or --preset');
    const stopAfter = choiceOption(v, 'stop-after', STOP_STAGES);
    const threads = threadsOption(v);
    const limit = numberOption(stringOption(v, 'limit'), 'limit', { integer: true, min: 1 });
    const heldOutList = stringOption(v, 'held-out');
    const heldOut = heldOutList === undefined ? undefined : Object.fromEntries(heldOutList.split(',').map((entry) => {
      const m = /^([a-z]{2,3})=(.+)$/.exec(entry.trim());
      if (!m) throw new UsageError(`Expected language=file entries (fa=fa.txt,en=en.txt) for --held-out but received ${JSON.stringify(entry)}`);
      return [m[1]!, path.resolve(m[2]!)];
    }));

    await connectRpcOption(v, io.stderr);
    const out = stringOption(v, 'out') ?? (preset === 'demo' && file === undefined ? 'persian-lora-demo' : undefined);
    let defaults: unknown = preset === 'demo' ? await demoConfig(path.resolve(out!))
      : preset === 'paper' ? paperConfig(native().systemInfo().gpuOffload ? 'gpu' : 'cpu') : undefined;
    const abs = (p: unknown) => (typeof p === 'string' ? path.resolve(p) : undefined);
    const flags = {
      ...(v.base ? { base: abs(v.base) } : {}),
      ...(stopAfter ? { stopAfter } : {}),
      ...(threads !== undefined ? { threads } : {}),
      ...(v.device ? { device: v.device } : {}),
      stages: {
        ...(v.corpus ? { vocab: { corpus: abs(v.corpus) }, pretrain: { data: { kind: 'text', path: abs(v.corpus) } } } : {}),
        ...(v.parallel ? { align: { data: { kind: 'parallel', path: abs(v.parallel) } } } : {}),
        ...(v.instructions ? { instruct: { data: { kind: 'instructions', path: abs(v.instructions) } } } : {}),
      },
      eval: { ...(v['data-dir'] ? { dataDir: abs(v['data-dir']) } : {}), ...(heldOut ? { heldOut } : {}), ...(limit ? { limit } : {}) },
    };
    let config: PipelineConfig;
    if (file !== undefined) {
      config = loadPipelineConfig(file, defaults);
      config = parsePipelineConfig(mergeConfig(config, flags), process.cwd(), 'pipeline options');
    } else {
      defaults = mergeConfig(defaults, flags);
      config = parsePipelineConfig(defaults, process.cwd(), `preset ${preset as PresetName}`);
    }
    if (flagOption(v, 'print-config')) {
      io.stdout.write(stringify(config));
      return 0;
    }
    const progress = progressPrinter(io);
    const outcome = await runPipeline(config, { ...(out ? { out: path.resolve(out) } : {}), ...(file ? { configFile: file } : {}), signal: io.signal, onEvent: progress.onEvent });
    await progress.drawn();
    if (outcome.stopped === 'abort') {
      io.stderr.write(`interrupted; run the same command again to resume (run folder ${outcome.runDir})\n`);
      return INTERRUPTED;
    }
    const report = await writeReport(outcome.runDir);
    io.stdout.write(`${firstTable(readFileSync(report.markdown, 'utf8'))}\nreport: ${report.markdown}\n        ${report.html}\n`);
    return 0;
  },
};
