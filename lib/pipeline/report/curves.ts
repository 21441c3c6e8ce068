// A training run's curves from its metrics.jsonl: training loss and learning rate per step, validation loss.
import { readFile } from 'node:fs/promises';
import { PersianLoraError } from '../../errors.js';

export interface StepPoint { step: number; loss: number; lr: number; tokensPerSecond: number | null }
export interface EvalPoint { step: number; loss: number; perplexity: number }
export interface TrainingCurves { file: string; steps: StepPoint[]; evals: EvalPoint[] }

const finite = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);

/**
 * Parses metrics.jsonl (lib/train/loop.ts). A `resume` record drops the points logged after the step it resumed
 * from (they are logged again); a truncated last line (an interrupted write) is ignored; any other bad line is an
 * error naming the file and line; points whose loss is not a number (NaN is logged as null) are left out. Null when the file does not exist.
 */
export async function readTrainingCurves(file: string): Promise<TrainingCurves | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new PersianLoraError('ERR_FILE_NOT_FOUND', `Training metrics ${file} cannot be read: ${(error as Error).message}`);
  }
  const lines = text.split('\n');
  let steps: StepPoint[] = [];
  let evals: EvalPoint[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    let record: Record<string, unknown>;
    try {
      record = JSON.parse(line) as Record<string, unknown>;
    } catch (error) {
      if (i === lines.length - 1) return; // no newline after it: the write was cut short
      throw new PersianLoraError('ERR_BAD_FORMAT', `Training metrics ${file}, line ${i + 1}: not valid JSON (${(error as Error).message})`);
    }
    const bad = (what: string) => new PersianLoraError('ERR_BAD_FORMAT', `Training metrics ${file}, line ${i + 1}: ${what}`);
    if (record === null || typeof record !== 'object') throw bad('not an object');
    const step = record.step;
    if (record.type === 'resume') {
      if (!finite(step)) throw bad('resume record without a step');
      steps = steps.filter((p) => p.step <= step);
      evals = evals.filter((p) => p.step <= step);
    } else if (record.type === 'step') {
      if (!finite(step)) throw bad('step record without a numeric step');
      if (!finite(record.loss) || !finite(record.lr)) return; // a NaN loss is logged as null: no point to draw
      steps.push({ step, loss: record.loss, lr: record.lr, tokensPerSecond: finite(record.tokensPerSecond) ? record.tokensPerSecond : null });
    } else if (record.type === 'eval') {
      if (!finite(step)) throw bad('eval record without a numeric step');
      if (!finite(record.loss)) return;
      evals.push({ step, loss: record.loss, perplexity: finite(record.perplexity) ? record.perplexity : Math.exp(record.loss) });
    }
  });
  return { file, steps, evals };
}
