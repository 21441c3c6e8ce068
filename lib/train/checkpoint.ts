// Checkpoints: engine state + loop position, written to a temporary folder and renamed, so a crash never leaves a broken
// one; a failed save removes its temporary folder, and the next save removes any a killed process left behind.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { PersianLoraError, ioError } from '../errors.js';
import { writeFileAtomicallySync, writeJsonAtomically } from '../atomic-file.js';
import type { TrainEngine } from './engine.js';

export const loopStateSchema = z.strictObject({
  version: z.literal(1),
  /** Optimizer steps done. */
  step: z.number().int().min(0),
  epoch: z.number().int().min(0),
  /** Micro-batches of `epoch` already consumed. */
  batchInEpoch: z.number().int().min(0),
  tokensSeen: z.number().min(0),
  /** Hash of the options that must not change across a resume (data, shapes, seed, schedule). */
  configHash: z.string(),
});
export type LoopState = z.infer<typeof loopStateSchema>;

const LATEST = 'latest';

/** Temporary checkpoint folders and files (`.step-….tmp-PID`, `latest.tmp-PID`). */
const isTemporary = (name: string) => /\.tmp(-\d+)?$/.test(name);

/** Saves a checkpoint; the caller holds the run folder's lock, so any temporary entry there is a dead process's. */
export async function saveCheckpoint(runDir: string, engine: TrainEngine, state: LoopState, keep = 2): Promise<string> {
  const root = path.join(runDir, 'checkpoints');
  const name = `step-${String(state.step).padStart(7, '0')}`;
  const tmp = path.join(root, `.${name}.tmp-${process.pid}`);
  const final = path.join(root, name);
  try {
    mkdirSync(root, { recursive: true });
    for (const n of readdirSync(root).filter(isTemporary)) rmSync(path.join(root, n), { recursive: true, force: true });
    mkdirSync(tmp);
    await engine.saveState(tmp);
    writeJsonAtomically(path.join(tmp, 'state.json'), state);
    rmSync(final, { recursive: true, force: true });
    renameSync(tmp, final);
  } catch (error) {
    rmSync(tmp, { recursive: true, force: true });
    throw ioError(error, tmp, 'write the checkpoint');
  }
  writeFileAtomicallySync(path.join(root, LATEST), name);
  const old = readdirSync(root).filter((n) => /^step-\d+$/.test(n) && n !== name).sort();
  for (const n of old.slice(0, Math.max(0, old.length - (keep - 1)))) rmSync(path.join(root, n), { recursive: true, force: true });
  return final;
}

/** The latest checkpoint of a run, validated; undefined when the run has none. */
export function latestCheckpoint(runDir: string): { dir: string; state: LoopState } | undefined {
  const pointer = path.join(runDir, 'checkpoints', LATEST);
  if (!existsSync(pointer)) return undefined;
  const dir = path.join(runDir, 'checkpoints', readFileSync(pointer, 'utf8').trim());
  const file = path.join(dir, 'state.json');
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new PersianLoraError('ERR_DATA', `Corrupt checkpoint ${file}: ${(error as Error).message}`);
  }
  const parsed = loopStateSchema.safeParse(raw);
  if (!parsed.success) throw new PersianLoraError('ERR_DATA', `Corrupt checkpoint ${file}: ${parsed.error.issues[0]!.path.join('.')} ${parsed.error.issues[0]!.message}`);
  return { dir, state: parsed.data };
}
