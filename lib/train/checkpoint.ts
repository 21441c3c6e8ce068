// Checkpoints: engine state + loop position, written to a temporary folder and renamed, so a crash never leaves a broken one.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { PersianLoraError } from '../errors.js';
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

export async function saveCheckpoint(runDir: string, engine: TrainEngine, state: LoopState, keep = 2): Promise<string> {
  const root = path.join(runDir, 'checkpoints');
  mkdirSync(root, { recursive: true });
  const name = `step-${String(state.step).padStart(7, '0')}`;
  const tmp = path.join(root, `.${name}.tmp-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp);
  await engine.saveState(tmp);
  writeFileSync(path.join(tmp, 'state.json'), JSON.stringify(state, null, 2));
  const final = path.join(root, name);
  rmSync(final, { recursive: true, force: true });
  renameSync(tmp, final);
  writeFileSync(path.join(root, `${LATEST}.tmp`), name);
  renameSync(path.join(root, `${LATEST}.tmp`), path.join(root, LATEST));
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
