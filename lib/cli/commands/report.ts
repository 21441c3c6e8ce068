// `persian-lora report <run-dir>`: rebuilds a pipeline run's report.md and report.html from its folder.
import path from 'node:path';
import { parseCommandArgs, UsageError, type Command } from '../command.js';
import { writeReport } from '../../pipeline/report/index.js';

export const reportCommand: Command = {
  name: 'report',
  summary: 'Rebuild a pipeline run\'s report (report.md, report.html, loss curves) from its run folder',
  usage: [
    'Usage: persian-lora report <run-dir>',
    '',
    'Reads <run-dir>/manifest.json, each stage\'s evaluation results and training metrics.jsonl, and writes',
    'report.md, report.html (one self-contained page) and loss-<stage>.svg into the run folder, then prints',
    'their paths.',
  ].join('\n'),
  async run(argv, io) {
    const { positionals } = parseCommandArgs(argv, {}, true);
    if (positionals.length !== 1) throw new UsageError(`Expected 1 run folder but received ${positionals.length}`);
    const written = await writeReport(path.resolve(positionals[0]!));
    io.stdout.write(`${written.markdown}\n${written.html}\n${written.figures.map((f) => `${f}\n`).join('')}`);
    return 0;
  },
};
