#!/usr/bin/env node
// Thin launcher: runs the compiled CLI and turns Ctrl-C into an AbortSignal the commands honour.
import { main } from '../dist/lib/cli/main.js';

const controller = new AbortController();
let interrupts = 0;
process.on('SIGINT', () => {
  interrupts += 1;
  if (interrupts > 1) process.exit(130);
  process.stderr.write('\nInterrupted: finishing the current step (press Ctrl-C again to force quit)\n');
  controller.abort(new Error('interrupted'));
});
const code = await main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, signal: controller.signal });
process.exitCode = code;
