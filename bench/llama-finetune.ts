// Side reference for bench/train.ts: llama.cpp's llama-finetune (full F32 fine-tune), timed from its per-batch progress lines.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadModel } from '../lib/model.js';

/** Training windows llama-finetune cuts from the text (stride = context / 2) and the share of them kept for validation. */
export const FINETUNE_WINDOWS = 7;
export const FINETUNE_VAL_SPLIT = 0.1;
/** Training batches of one epoch: llama-finetune keeps floor(windows · (1 − split)) for training (6 of 7). */
export const FINETUNE_TRAIN_BATCHES = Math.floor(FINETUNE_WINDOWS * (1 - FINETUNE_VAL_SPLIT));

export interface FinetuneRun {
  tokensPerSecond: number; meanStepMs: number; minStepMs: number;
  /** From the spawn to the first batch's progress line: model loading, optimizer set-up and the first (warm-up) batch. */
  warmupMs: number;
  peakRssMiB: number; rssSource: '/usr/bin/time %M' | '/proc VmHWM'; loss: number; batches: number;
}

/** Pseudo-random pronounceable ASCII words from a fixed seed (a 32-bit LCG), the same sequence on every run. */
function words(count: number): string[] {
  const syllables = ['ka', 'lo', 'mi', 'ren', 'tas', 'vo', 'ne', 'di', 'sul', 'por', 'an', 'be', 'gri', 'hu', 'fel', 'zo'];
  let state = 12345;
  const next = (): number => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) >>> 16;
  return Array.from({ length: count }, () => Array.from({ length: 1 + (next() % 3) }, () => syllables[next() % syllables.length]).join(''));
}

/**
 * Writes `out`, a text whose tokens (BOS included, as llama-finetune tokenizes it) give exactly FINETUNE_WINDOWS windows of
 * `seq` tokens at stride seq/2, i.e. between seq + 1 + windows·stride and one stride more. Returns the token count.
 */
export async function writeFinetuneText(modelFile: string, seq: number, out: string): Promise<number> {
  const stride = Math.floor(seq / 2);
  const low = seq + 1 + FINETUNE_WINDOWS * stride, target = low + Math.floor(stride / 2);
  const model = await loadModel(modelFile, { vocabOnly: true });
  try {
    let count = target, n = 0;
    for (let attempt = 0; attempt < 10; attempt++) {
      const text = words(count).join(' ');
      n = model.tokenize(text, { addBos: true }).length;
      if (n >= low && n < low + stride) {
        writeFileSync(out, text);
        return n;
      }
      count = Math.max(1, Math.round(count * target / n));
    }
    throw new Error(`could not size the llama-finetune text to ${low}–${low + stride - 1} tokens (last try: ${n})`);
  } finally {
    model.dispose();
  }
}

/**
 * Runs one epoch of llama-finetune on `modelFile` (F32, trained context = seq) over `textFile`, context = batch = ubatch = seq,
 * flash attention off (it has no backward pass). Each "train: [...] ... loss=" line on stderr marks one finished batch of seq
 * tokens; tokens/s comes from the lines' arrival times after the first (warm-up) batch. Peak RSS: /usr/bin/time's %M when present,
 * else the child's VmHWM polled from /proc. The fine-tuned model it saves is deleted.
 */
export async function runFinetune(bin: string, modelFile: string, textFile: string, seq: number, threads: number, outFile: string): Promise<FinetuneRun> {
  const args = ['-m', modelFile, '-f', textFile, '-c', String(seq), '-b', String(seq), '-ub', String(seq), '-t', String(threads),
    '-tb', String(threads), '-fa', 'off', '-epochs', '1', '-val-split', String(FINETUNE_VAL_SPLIT), '-o', outFile];
  const timeBin = '/usr/bin/time', rssFile = `${outFile}.rss`;
  const useTime = existsSync(timeBin);
  const t0 = performance.now();
  const child = useTime ? spawn(timeBin, ['-o', rssFile, '-f', '%M', bin, ...args], { stdio: ['ignore', 'ignore', 'pipe'] })
    : spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const batches: { t: number; loss: number }[] = [];
  let pending = '', tail = '', hwmKiB = 0;
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    const t = performance.now();
    tail = (tail + chunk).slice(-4000);
    const lines = (pending + chunk).split(/[\r\n]/);
    pending = lines.pop()!;
    for (const line of lines) {
      const m = /^train: \[.*\] data=\d+\/\d+ loss=([0-9.]+)/.exec(line);
      if (m) batches.push({ t, loss: Number(m[1]) });
    }
  });
  const poll = useTime ? undefined : setInterval(() => {
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      if (m) hwmKiB = Math.max(hwmKiB, Number(m[1]));
    } catch { /* the process has just exited */ }
  }, 50);
  const code = await new Promise<number | null>((resolve, reject) => { child.on('error', reject); child.on('close', resolve); });
  if (poll) clearInterval(poll);
  rmSync(outFile, { force: true });
  if (code !== 0) throw new Error(`llama-finetune exited with ${code}; stderr ends:\n${tail}`);
  if (useTime) {
    hwmKiB = Number(readFileSync(rssFile, 'utf8').trim().split('\n').pop());
    rmSync(rssFile, { force: true });
  }
  if (batches.length < 2) throw new Error(`llama-finetune printed ${batches.length} training progress lines, need 2 or more; stderr ends:\n${tail}`);
  const steps = batches.slice(1).map((b, i) => b.t - batches[i]!.t);
  const meanStepMs = steps.reduce((a, b) => a + b, 0) / steps.length;
  return {
    tokensPerSecond: seq / (meanStepMs / 1000), meanStepMs, minStepMs: Math.min(...steps), warmupMs: batches[0]!.t - t0,
    peakRssMiB: hwmKiB / 1024, rssSource: useTime ? '/usr/bin/time %M' : '/proc VmHWM', loss: batches.at(-1)!.loss, batches: batches.length,
  };
}
