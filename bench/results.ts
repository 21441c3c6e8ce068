// Writes one named section of bench/RESULTS.md (machine, command, date, body), replacing the previous run's.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { packageRoot } from '../lib/version.js';

export function machineLine(): string {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  return `${cpu}, ${os.availableParallelism()} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.platform()} ${os.release()}, Node ${process.version}`;
}

export function writeResultsSection(title: string, command: string, body: string): void {
  const file = path.join(packageRoot, 'bench', 'RESULTS.md');
  const current = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmark results\n\nEach section is rewritten by the benchmark that owns it.\n';
  const section = `## ${title}\n\n- machine: ${machineLine()}\n- command: \`${command}\`\n- date: ${new Date().toISOString().slice(0, 10)}\n\n${body.trim()}\n`;
  const start = current.indexOf(`## ${title}\n`);
  let next: string;
  if (start < 0) next = current.trimEnd() + '\n\n' + section;
  else {
    const end = current.indexOf('\n## ', start + 1);
    next = current.slice(0, start) + section + (end < 0 ? '' : '\n' + current.slice(end + 1));
  }
  writeFileSync(file, next.trimEnd() + '\n');
}
