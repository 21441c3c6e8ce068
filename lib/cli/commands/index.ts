// Every CLI command, in the order `persian-lora --help` lists them.
import type { Command } from '../command.js';

export const commands: Command[] = [];
