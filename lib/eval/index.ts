// Public surface of the evaluation harness: tasks, metrics, answers, results, and the runner that drives a model.
export { parseItem, parseItems, type EvalRecord, type ParsedItem, type ParseFailure, type ParseResult } from './answers/parse.js';
export { extractAnswer, type ExtractSettings, type Extraction } from './answers/extract.js';
export { normalizeText, normalizeDigits, normalizeLetters } from './answers/normalize.js';
export { taskSchema, KIND_RULES, MODE_METRICS, type Task, type TaskInput, type Mode, type MetricName, type GenerationSettings } from './tasks/schema.js';
export { parseTask, loadTaskFile, loadSplit, loadTaskData, withMode, activeMetrics, type LoadedRecord, type TaskData } from './tasks/load.js';
export { buildPrompt, continuations, renderTemplate, ALPACA_TEMPLATE, ALPACA_TEMPLATE_NO_INPUT, type Prompt, type ChatMessage } from './tasks/prompt.js';
export { buildRequests, selectShots, type ModelRequest, type PreparedItem, type BuiltRequests } from './tasks/requests.js';
export { scoreItem, aggregateItems, taskResult, type ModelAnswer } from './tasks/score.js';
export { resolveTasks } from './tasks/resolve.js';
export { loadHarnessTask, isHarnessTask } from './harness/load.js';
export { SUITES } from './suites/paper.js';
export { runResultsSchema, RESULTS_SCHEMA_ID, type RunResults, type TaskResult, type ItemRecord, type Aggregate } from './results/schema.js';
export { renderResultsTable } from './results/table.js';
export { compare, renderComparison, type LabeledRun } from './results/compare.js';
export { rollingWindows } from './metrics/perplexity.js';
export { bootstrap } from './metrics/bootstrap.js';
export * from './runner/index.js';
