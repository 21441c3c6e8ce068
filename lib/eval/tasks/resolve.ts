// Resolves a `--tasks` list (suite names, `suite/task` names, task file paths) into validated tasks.
import { PersianLoraError, describeValue } from '../../errors.js';
import { SUITES } from '../suites/paper.js';
import { loadTaskFile } from './load.js';
import type { Task } from './schema.js';

/**
 * Each comma-separated entry is a built-in suite (`paper-fa`), one task of a suite (`paper-fa/sentiment`), or a path
 * to a task file (`.yaml`, `.yml`, `.json`). Duplicates are dropped, first occurrence kept.
 */
export function resolveTasks(spec: string): Task[] {
  const out: Task[] = [];
  const seen = new Set<string>();
  const add = (task: Task) => {
    if (!seen.has(task.name)) {
      seen.add(task.name);
      out.push(task);
    }
  };
  for (const entry of spec.split(',').map((s) => s.trim()).filter((s) => s.length > 0)) {
    if (/\.(ya?ml|json)$/i.test(entry)) {
      add(loadTaskFile(entry));
      continue;
    }
    const suite = SUITES[entry];
    if (suite) {
      suite.forEach(add);
      continue;
    }
    const single = Object.values(SUITES).flat().find((t) => t.name === entry);
    if (!single) {
      const known = Object.entries(SUITES).flatMap(([name, tasks]) => [name, ...tasks.map((t) => t.name)]);
      throw new PersianLoraError('ERR_INVALID_OPTION', `Expected a suite, a task name or a task file (${known.join(', ')}) for --tasks but received ${describeValue(entry)}`);
    }
    add(single);
  }
  if (out.length === 0) throw new PersianLoraError('ERR_INVALID_OPTION', `Expected at least one task for --tasks but received ${describeValue(spec)}`);
  return out;
}
