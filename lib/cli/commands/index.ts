// Every CLI command, in the order `persian-lora --help` lists them.
import type { Command } from '../command.js';
import { buildCommand } from './build.js';
import { chatCommand } from './chat.js';
import { compareCommand } from './compare.js';
import { dataFetchParallelCommand } from './data-fetch-parallel.js';
import { demoCommand } from './demo.js';
import { evalCommand } from './eval.js';
import { exportCommand } from './export.js';
import { generateCommand } from './generate.js';
import { inspectCommand } from './inspect.js';
import { mergeCommand } from './merge.js';
import { reportCommand } from './report.js';
import { pipelineCommand } from './pipeline.js';
import { tinyModelCommand } from './tiny-model.js';
import { trainCommand } from './train.js';
import { vocabExtendCommand } from './vocab-extend.js';
import { vocabStatsCommand } from './vocab-stats.js';

export const commands: Command[] = [
  pipelineCommand, demoCommand, inspectCommand, generateCommand, chatCommand, trainCommand, exportCommand, mergeCommand, evalCommand, compareCommand, dataFetchParallelCommand,
  reportCommand, vocabStatsCommand, vocabExtendCommand, tinyModelCommand, buildCommand,
];
