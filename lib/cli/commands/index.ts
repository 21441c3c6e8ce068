// Every CLI command, in the order `persian-lora --help` lists them.
import type { Command } from '../command.js';
import { dataFetchParallel } from './data-fetch-parallel.js';

export const commands: Command[] = [dataFetchParallel];
