// Builds small valid results objects for the table, compare and CLI tests.
import type { Aggregate, RunResults } from '../../../../lib/eval/results/schema.js';

export function aggregate(metric: Aggregate['metric'], value: number, ci: [number, number], higherIsBetter = true): Aggregate {
  return { metric, value, stderr: (ci[1] - ci[0]) / 3.92, ci, level: 0.95, n: 100, higherIsBetter };
}

export function run(tasks: Array<{ name: string; mode?: 'generate' | 'loglikelihood'; aggregates: Aggregate[]; failures?: Array<{ index: number; reason: string }> }>): RunResults {
  return {
    schema: 'persian-lora/eval-results@1',
    packageVersion: '0.1.0',
    createdAt: '2025-01-01T00:00:00.000Z',
    config: { tasks: 'paper-fa' },
    model: { path: 'model.gguf', sha256: null, bytes: null },
    adapters: [],
    versions: {},
    partial: false,
    tasks: tasks.map((t) => ({ name: t.name, version: 1, mode: t.mode ?? 'generate', fewshot: 0, n: 100, failures: t.failures ?? [], aggregates: t.aggregates, items: [] })),
  };
}
