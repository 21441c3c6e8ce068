#!/usr/bin/env node
// Thin launcher: runs the compiled CLI and turns Ctrl-C and SIGTERM into an AbortSignal the commands honour.
import { main } from '../dist/lib/cli/main.js';

const controller = new AbortController();
let interrupts = 0;
const interrupt = (signal) => {
  interrupts += 1;
  if (interrupts > 1) process.exit(130);
  process.stderr.write(`\n${signal === 'SIGTERM' ? 'Terminated' : 'Interrupted'}: finishing the current step (press Ctrl-C again to force quit)\n`);
  controller.abort(new Error('interrupted'));
};
process.on('SIGINT', () => interrupt('SIGINT'));
process.on('SIGTERM', () => interrupt('SIGTERM'));
const code = await main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, signal: controller.signal });
process.exitCode = code;
