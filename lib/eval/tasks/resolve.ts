// Resolves a `--tasks` list (suite names, `suite/task` names, task file paths) into validated tasks.
import { PersianLoraError, describeValue } from '../../errors.js';
import { SUITES } from '../suites/paper.js';
import { harnessFromSource, isHarnessTask, loadHarnessTask } from '../harness/load.js';
import { taskFromSource } from './load.js';
import { readTaskSource } from './source.js';
import type { Task } from './schema.js';

/**
 * Each comma-separated entry is a built-in suite (`paper-fa`), one task of a suite (`paper-fa/sentiment`), a path
 * to a task file (`.yaml`, `.yml`, `.json`; an lm-evaluation-harness task YAML is recognised by its `task` key), or
 * `harness:<file>` for an lm-evaluation-harness task file whatever its name. Duplicates are dropped, first occurrence kept.
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
    if (entry.startsWith('harness:')) {
      add(loadHarnessTask(entry.slice('harness:'.length)));
      continue;
    }
    if (/\.(ya?ml|json)$/i.test(entry)) {
      const source = readTaskSource(entry);
      add(isHarnessTask(source.data) ? harnessFromSource(source) : taskFromSource(source));
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
