// The staged pipeline on a tiny model: a full run, reruns that do nothing, interruption at every stage boundary and
// inside a stage (resumed to the same adapter bit for bit), changed inputs, ablations, and the run-folder lock.
import test from 'ava';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { runPipeline, type PipelineEvent } from '../../../lib/pipeline/run.js';
import { manifestSchema, type Manifest, type StageId } from '../../../lib/pipeline/manifest.js';
import type { PipelineConfigInput } from '../../../lib/pipeline/config.js';
import { demoDataDir, demoTaskFiles } from '../../../lib/pipeline/presets.js';
import { lockRunDir } from '../../../lib/run-lock.js';
import { PersianLoraError } from '../../../lib/errors.js';
import { scratchPath, tinyModel } from '../helpers.js';

const data = demoDataDir();
const TRAIN = { rank: 4, alpha: 8, dropout: 0.05, lr: 2e-3, seqLen: 64, gradAccum: 2, valFraction: 0.1, threads: undefined };

async function config(overrides: Partial<PipelineConfigInput> = {}): Promise<PipelineConfigInput> {
  const base = await tinyModel({ vocab: 'llama-spm', layers: 1, dim: 32, heads: 2, quant: 'q8_0' });
  const train = { ...TRAIN };
  delete train.threads;
  return {
    base, threads: 2,
    stages: {
      vocab: { corpus: path.join(data, 'fa-train.txt'), newPieces: 200 },
      pretrain: { data: { kind: 'text', path: path.join(data, 'fa-train.txt') }, train: { ...train, trainRows: 'new', maxSteps: 3 } },
      align: { data: { kind: 'parallel', path: path.join(data, 'parallel.jsonl') }, train: { ...train, maxSteps: 2 } },
      instruct: { data: { kind: 'instructions', path: path.join(data, 'instructions.jsonl') }, train: { ...train, seqLen: 128, maxSteps: 2 } },
    },
    eval: {
      tasks: demoTaskFiles().filter((f) => /language-name|translation-en-fa/.test(f)), dataDir: data, limit: 2, maxTokens: 4,
      heldOut: { fa: path.join(data, 'fa-heldout.txt') }, contextSize: 512, sequences: 2, bootstrapSamples: 20,
    },
    ...overrides,
  };
}

const manifestOf = (dir: string): Manifest => manifestSchema.parse(JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')));
const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
const ALL: StageId[] = ['base', 'vocab', 'pretrain', 'align', 'instruct'];

/** Runs the pipeline, recording its events; `abortWhen` aborts the run on the first event it accepts. */
async function run(dir: string, cfg: PipelineConfigInput, abortWhen?: (e: PipelineEvent) => boolean) {
  const controller = new AbortController();
  const events: PipelineEvent[] = [];
  const outcome = await runPipeline(cfg, {
    out: dir, signal: controller.signal,
    onEvent: (e) => {
      events.push(e);
      if (abortWhen?.(e)) controller.abort(new Error('test interrupt'));
    },
  });
  return { outcome, events, ran: events.flatMap((e) => (e.type === 'stage-done' && !e.reused ? [e.stage] : [])) };
}

let reference: { dir: string; adapter: string };

test.serial('a full run: every stage done and evaluated, adapters chained, manifest hashes the files', async (t) => {
  const dir = scratchPath('pipeline-full');
  rmSync(dir, { recursive: true, force: true });
  const { outcome, ran, events } = await run(dir, await config());
  t.is(outcome.stopped, 'done');
  t.deepEqual(ran, ALL);
  const m = manifestOf(dir);
  t.deepEqual(m.stages.map((s) => s.status), ['done', 'done', 'done', 'done', 'done']);
  for (const s of m.stages) {
    t.truthy(s.eval, `${s.id} evaluated`);
    t.true(existsSync(path.join(dir, s.eval!.results)));
  }
  const [, vocab, pretrain, align, instruct] = m.stages;
  t.true(vocab!.vocab!.newTokens > 0);
  t.true(vocab!.vocab!.after!.tokensPerWord < vocab!.vocab!.before!.tokensPerWord);
  // stage 1 trains the new rows, so the later stages run on its base with those rows, continuing its adapter
  t.is(pretrain!.model!.base, 'stages/1-pretrain/train/base.gguf');
  t.is(align!.model!.base, pretrain!.model!.base);
  t.is(instruct!.model!.adapter, 'stages/3-instruct/train/adapter.gguf');
  const starts = events.flatMap((e) => (e.type === 'train' && e.event.type === 'start' ? [[e.stage, e.event.init?.mode ?? null, e.event.init ? path.relative(dir, e.event.init.adapter) : null]] : []));
  t.deepEqual(starts, [
    ['pretrain', null, null],
    ['align', 'continue', 'stages/1-pretrain/train/adapter.gguf'],
    ['instruct', 'continue', 'stages/2-align/train/adapter.gguf'],
  ]);
  for (const s of [pretrain!, align!, instruct!]) {
    const adapter = s.outputs.find((f) => f.role === 'adapter')!;
    t.is(adapter.sha256, sha(path.join(dir, adapter.path)));
    t.is(s.train!.steps, s.id === 'pretrain' ? 3 : 2);
  }
  reference = { dir, adapter: sha(path.join(dir, instruct!.model!.adapter!)) };
});

test.serial('running it again runs no stage; a changed evaluation re-runs the evaluations only', async (t) => {
  const before = manifestOf(reference.dir);
  const again = await run(reference.dir, await config());
  t.is(again.outcome.stopped, 'done');
  t.deepEqual(again.ran, []);
  t.deepEqual(manifestOf(reference.dir).stages.map((s) => s.finishedAt), before.stages.map((s) => s.finishedAt));

  const cfg = await config();
  const fewer = await run(reference.dir, { ...cfg, eval: { ...cfg.eval, limit: 1 } });
  t.deepEqual(fewer.ran, ALL);
  t.false(fewer.events.some((e) => e.type === 'train'), 'nothing trains again');
  t.is(sha(path.join(reference.dir, manifestOf(reference.dir).stages[4]!.model!.adapter!)), reference.adapter);
});

for (const stage of ['vocab', 'pretrain', 'align', 'instruct'] as const) {
  test.serial(`interrupted at the start of ${stage}: the rerun goes on from there`, async (t) => {
    const dir = scratchPath(`pipeline-boundary-${stage}`);
    rmSync(dir, { recursive: true, force: true });
    const first = await run(dir, await config(), (e) => e.type === 'stage-start' && e.stage === stage);
    t.is(first.outcome.stopped, 'abort');
    const done = ALL.slice(0, ALL.indexOf(stage));
    t.deepEqual(first.ran, done);
    const second = await run(dir, await config());
    t.is(second.outcome.stopped, 'done');
    t.deepEqual(second.ran, ALL.slice(ALL.indexOf(stage)));
    t.is(sha(path.join(dir, manifestOf(dir).stages[4]!.model!.adapter!)), reference.adapter, 'the same adapter as the uninterrupted run');
  });
}

test.serial('interrupted inside a training stage and inside an evaluation: resumed from the checkpoint, same adapter', async (t) => {
  const dir = scratchPath('pipeline-inside');
  rmSync(dir, { recursive: true, force: true });
  const first = await run(dir, await config(), (e) => e.type === 'train' && e.stage === 'pretrain' && e.event.type === 'step' && e.event.step === 2);
  t.is(first.outcome.stopped, 'abort');
  t.is(manifestOf(dir).stages[2]!.status, 'interrupted');
  const second = await run(dir, await config(), (e) => e.type === 'eval' && e.stage === 'align' && e.progress.done === 1);
  t.is(second.outcome.stopped, 'abort');
  t.true(second.events.some((e) => e.type === 'train' && e.stage === 'pretrain' && e.event.type === 'resume' && e.event.step === 2));
  t.is(manifestOf(dir).stages[3]!.status, 'interrupted');
  const third = await run(dir, await config());
  t.deepEqual(third.ran, ['align', 'instruct']);
  t.false(third.events.some((e) => e.type === 'train' && e.stage === 'align'), 'the trained alignment adapter is kept; only its evaluation runs again');
  t.is(sha(path.join(dir, manifestOf(dir).stages[4]!.model!.adapter!)), reference.adapter);
});

test.serial('a changed stage runs again with every stage after it; stopAfter and skip leave stages out', async (t) => {
  const dir = scratchPath('pipeline-change');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const cfg = await config({ stopAfter: 'align' });
  const first = await run(dir, cfg);
  t.deepEqual(first.ran, ['base', 'vocab', 'pretrain', 'align']);
  t.deepEqual(manifestOf(dir).stages.map((s) => s.status), ['done', 'done', 'done', 'done', 'skipped']);
  type Editable = PipelineConfigInput & { stages: { vocab: { skip?: boolean }; pretrain: { train: { maxSteps?: number; trainRows?: string } } } };
  const changed = structuredClone(cfg) as Editable;
  changed.stages.pretrain.train.maxSteps = 4;
  const second = await run(dir, changed);
  t.deepEqual(second.ran, ['pretrain', 'align']);
  t.is(manifestOf(dir).stages[2]!.train!.steps, 4);
  const skipVocab = structuredClone(changed) as Editable;
  skipVocab.stages.vocab.skip = true;
  skipVocab.stages.pretrain.train.trainRows = 'none';
  const third = await run(dir, skipVocab);
  t.deepEqual(third.ran, ['pretrain', 'align']);
  t.deepEqual(manifestOf(dir).stages.map((s) => s.status), ['done', 'skipped', 'done', 'done', 'skipped']);
});

test.serial('adapter: merge folds the previous adapter into the base and trains a new one; new drops it', async (t) => {
  const dir = scratchPath('pipeline-adapter-modes');
  rmSync(dir, { recursive: true, force: true });
  const cfg = await config() as PipelineConfigInput & { stages: { align: { adapter?: string }; instruct: { adapter?: string } } };
  cfg.stages.align.adapter = 'merge';
  cfg.stages.instruct.adapter = 'new';
  const { outcome, events } = await run(dir, cfg);
  t.is(outcome.stopped, 'done');
  const m = manifestOf(dir);
  t.is(m.stages[3]!.model!.base, 'stages/2-align/train/init-base.gguf');
  t.deepEqual(m.stages[3]!.outputs.map((f) => f.role), ['adapter', 'base with the previous adapter merged']);
  t.is(m.stages[4]!.model!.base, m.stages[3]!.model!.base, 'a new adapter on the merged base');
  const starts = events.flatMap((e) => (e.type === 'train' && e.event.type === 'start' ? [[e.stage, e.event.init?.mode ?? null]] : []));
  t.deepEqual(starts, [['pretrain', null], ['align', 'merge'], ['instruct', null]]);
});

test.serial('a run folder in use by a live process is refused', async (t) => {
  const dir = scratchPath('pipeline-locked');
  mkdirSync(dir, { recursive: true });
  const release = lockRunDir(dir);
  try {
    const error = await t.throwsAsync(runPipeline(await config(), { out: dir }), { instanceOf: PersianLoraError });
    t.is(error!.code, 'ERR_LOCKED');
    t.regex(error!.message, new RegExp(`process ${process.pid}`));
  } finally {
    release();
  }
});
