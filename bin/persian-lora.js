#!/usr/bin/env node
// Thin launcher: runs the compiled CLI with Ctrl-C and SIGTERM turned into an AbortSignal the commands honour.
import { main } from '../dist/lib/cli/main.js';
import { Interrupts } from '../dist/lib/cli/interrupts.js';

const interrupts = new Interrupts(process.stderr).listen();
process.exitCode = await main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, signal: interrupts.signal, interrupts });
