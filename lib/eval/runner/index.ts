// Public surface of the evaluation runner: run tasks against a model, report progress, write the results.
export { runEvaluation } from './run.js';
export { prepareTasks, planTasks, type PreparedTask, type PreparedTasks } from './prepare.js';
export { evalRunSchema, prepareSchema, type EvalRunOptions, type PrepareOptions } from './options.js';
export { answerRequest, textLogLikelihood, generateOptions, promptInput } from './answer.js';
export { ProgressTracker, type EvalProgress } from './progress.js';
export { writeResults, resultsName, renderResultsReport } from './write.js';
export { sha256File, fileRef, type FileRef } from './hash.js';
export { runtimeVersions } from './versions.js';
