// `persian-lora compare a.json b.json …`: prints a table of the runs' metrics with deltas against the first run.
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { parseCommandArgs, UsageError, type Command } from '../command.js';
import { parseOptions } from '../../config/validate.js';
import { PersianLoraError } from '../../errors.js';
import { renderComparison, runLabel, uniqueLabels, type LabeledRun } from '../../eval/results/compare.js';
import { runResultsSchema } from '../../eval/results/schema.js';
import { stageOfResultsFile } from '../../pipeline/report/manifest-file.js';

/**
 * Read and validate one results file written by `persian-lora eval`; its label names the model and adapters, after
 * the pipeline stage when the file belongs to a pipeline run (a manifest beside it or one folder up lists it).
 */
export function readResultsFile(file: string): LabeledRun {
  if (!existsSync(file)) throw new PersianLoraError('ERR_FILE_NOT_FOUND', `Results file ${file} does not exist`);
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new PersianLoraError('ERR_BAD_FORMAT', `Results file ${file} is not valid JSON: ${(error as Error).message}`);
  }
  try {
    const results = parseOptions(runResultsSchema, data, 'results');
    return { label: runLabel(results, stageOfResultsFile(file)?.label), results };
  } catch (error) {
    throw new PersianLoraError('ERR_BAD_FORMAT', `Results file ${file}: ${(error as Error).message}`);
  }
}

export const compareCommand: Command = {
  name: 'compare',
  summary: 'Compare evaluation results: metrics side by side with deltas against the first run',
  usage: [
    'Usage: persian-lora compare <results.json> <results.json> [...]',
    '',
    'Prints a markdown table with one row per task and metric: each run\'s value with its 95 % bootstrap',
    'interval, and for every run after the first its difference from the first. A `*` marks differences',
    'whose intervals do not overlap. Columns are named by the model and adapter file names, after the',
    'pipeline stage when a file belongs to a pipeline run; runs with the same name get their file name',
    '(or path) added.',
  ].join('\n'),
  async run(argv, io) {
    const { positionals } = parseCommandArgs(argv, {}, true);
    if (positionals.length < 2) throw new UsageError(`Expected at least 2 results files but received ${positionals.length}`);
    const runs = positionals.map(readResultsFile);
    const labels = uniqueLabels(runs.map((r) => r.label), [positionals.map((p) => path.basename(p).replace(/\.json$/i, '')), positionals]);
    runs.forEach((r, i) => { r.label = labels[i]!; });
    io.stdout.write(renderComparison(runs));
    return 0;
  },
};
