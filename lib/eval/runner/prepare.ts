// Settles each task's mode and generation length, loads its data and builds its requests, before any model work.
import { PersianLoraError } from '../../errors.js';
import { parseOptions } from '../../config/validate.js';
import { loadTaskData, withMode } from '../tasks/load.js';
import { buildRequests, type BuiltRequests } from '../tasks/requests.js';
import { KIND_RULES, type Task } from '../tasks/schema.js';
import { prepareSchema, type ParsedPrepareOptions, type PrepareOptions } from './options.js';

/** One task ready to run: the task as this run evaluates it, and its requests, items and parse failures. */
export interface PreparedTask {
  task: Task;
  built: BuiltRequests;
}

/** Tasks ready for `runEvaluation`, with the options they were prepared with (recorded in the results). */
export interface PreparedTasks {
  tasks: PreparedTask[];
  options: ParsedPrepareOptions;
}

/** The tasks as this run evaluates them: `mode` applied where the task's kind allows it (imported lm-evaluation-harness tasks keep theirs), `maxTokens` set. */
export function planTasks(tasks: readonly Task[], o: Pick<ParsedPrepareOptions, 'mode' | 'maxTokens'>): Task[] {
  if (tasks.length === 0) throw new PersianLoraError('ERR_INVALID_OPTION', 'Expected at least one task but received none');
  if (o.mode && !tasks.some((t) => KIND_RULES[t.kind].modes.includes(o.mode!))) {
    const allowed = [...new Set(tasks.flatMap((t) => KIND_RULES[t.kind].modes))].join(', ');
    throw new PersianLoraError('ERR_INVALID_OPTION', `Expected a mode one of the tasks allows (${allowed}) for mode but received ${JSON.stringify(o.mode)}`);
  }
  return tasks.map((task) => {
    const moded = o.mode && !task.harness && KIND_RULES[task.kind].modes.includes(o.mode) ? withMode(task, o.mode) : task;
    return o.maxTokens === undefined ? moded : { ...moded, generation: { ...moded.generation, maxTokens: o.maxTokens } };
  });
}

/**
 * Loads every task's data from `dataDir` and builds its requests, so a missing file, an empty split or a bad record
 * fails before a model is loaded. Items that do not parse are kept as failures (reported, never scored).
 */
export function prepareTasks(tasks: readonly Task[], options: PrepareOptions): PreparedTasks {
  const o = parseOptions(prepareSchema, options, 'prepareTasks options');
  const prepared = planTasks(tasks, o).map((task) => ({ task, built: buildRequests(task, loadTaskData(task, o.dataDir, o.limit)) }));
  return { tasks: prepared, options: o };
}
