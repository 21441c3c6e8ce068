// Learning-rate schedules (constant, linear, cosine) with warmup, as in Hugging Face transformers' get_*_schedule_with_warmup.
import { z } from 'zod';
import { trainDefaults } from '../config/train.js';

export const scheduleKinds = ['constant', 'linear', 'cosine'] as const;

export const scheduleSchema = z.strictObject({
  /** Shape after warmup. Default cosine. */
  kind: z.enum(scheduleKinds).default(trainDefaults.schedule),
  /** Warmup length: a fraction of the total steps (< 1) or a number of steps (>= 1). Default 0.05. */
  warmup: z.number().min(0).default(trainDefaults.warmup),
  /** Peak learning rate. Default 2e-4. */
  lr: z.number().positive().default(trainDefaults.lr),
});
export type ScheduleOptions = z.input<typeof scheduleSchema>;

/** Number of warmup steps for `warmup` (a ratio below 1, else a count), as HF rounds it: ceil(ratio × total). */
export function warmupSteps(warmup: number, totalSteps: number): number {
  return warmup < 1 ? Math.ceil(warmup * totalSteps) : Math.floor(warmup);
}

/** Learning rate for optimizer step `step` (0-based) of `totalSteps`. */
export function learningRate(o: z.output<typeof scheduleSchema>, step: number, totalSteps: number): number {
  const warm = warmupSteps(o.warmup, totalSteps);
  if (step < warm) return (o.lr * step) / Math.max(1, warm);
  if (o.kind === 'constant') return o.lr;
  const progress = (step - warm) / Math.max(1, totalSteps - warm);
  if (o.kind === 'linear') return o.lr * Math.max(0, 1 - progress);
  return o.lr * Math.max(0, 0.5 * (1 + Math.cos(Math.PI * progress)));
}
