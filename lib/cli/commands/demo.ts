// `persian-lora demo`: the built-in default job, the same as `persian-lora pipeline --preset demo`.
import { noPositionals, parseCommandArgs, sharedOptions, type Command } from '../command.js';
import { pipelineCommand } from './pipeline.js';

export const demoCommand: Command = {
  name: 'demo',
  summary: 'Run the built-in default job: the staged pipeline in miniature (pipeline --preset demo)',
  usage: `Usage: persian-lora demo [--out <dir>] [--threads <n>] [--parallel <dir>]

The same as \`persian-lora pipeline --preset demo\`: a tiny random-weight llama model with Llama 2's real vocabulary
(Q8_0) goes through the four stages (vocabulary extension, Persian pretraining, English–Persian alignment,
instruction tuning) on the English/Persian sample the package ships, evaluated on the base and after every stage,
and ends with report.md and report.html in the run folder. No network, no files needed; a few minutes on 2 cores.
Running it again reuses the finished stages.

Options:
  -o, --out <dir>      run folder (default ./persian-lora-demo)
  -t, --threads <n>    CPU threads (default: all cores)
      --parallel <dir>  a larger English–Persian set for stage 2 (a \`data fetch-parallel\` output folder)
  -h, --help           show this help`,
  async run(argv, io) {
    const { positionals } = parseCommandArgs(argv, { out: sharedOptions.out, threads: sharedOptions.threads, parallel: { type: 'string' } }, true);
    noPositionals(positionals);
    return pipelineCommand.run(['--preset', 'demo', ...argv], io);
  },
};
