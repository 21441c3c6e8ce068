// Every CLI command, in the order `persian-lora --help` lists them.
import type { Command } from '../command.js';
import { compareCommand } from './compare.js';

export const commands: Command[] = [compareCommand];
