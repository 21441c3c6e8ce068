// `persian-lora build [--gpu cuda|metal|vulkan|cpu]`: (re)builds the native addon against the vendored llama.cpp.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { choiceOption, noPositionals, parseCommandArgs, type Command } from '../command.js';
import { PersianLoraError } from '../../errors.js';
import { packageRoot } from '../../version.js';

export const buildCommand: Command = {
  name: 'build',
  summary: 'Rebuild the native addon (CPU, CUDA, Metal or Vulkan backend)',
  usage: `Usage: persian-lora build [--gpu cpu|cuda|metal|vulkan]

Fetches the pinned llama.cpp if needed and rebuilds the addon. The backend defaults to PERSIAN_LORA_GPU,
else Metal on Apple silicon, else CPU. For CUDA set CMAKE_CUDA_ARCHITECTURES (e.g. 90) to build for one GPU generation.

Options:
      --gpu <backend>  cpu, cuda, metal or vulkan
  -h, --help           show this help`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, { gpu: { type: 'string' } });
    noPositionals(positionals);
    const gpu = choiceOption(values, 'gpu', ['cpu', 'cuda', 'metal', 'vulkan'] as const);
    const load = (name: string) => import(pathToFileURL(path.join(packageRoot, 'scripts', name)).href);
    try {
      (await load('vendor-llama.mjs')).vendorLlama();
      const addon = (await load('build-native.mjs')).buildNative(gpu ? { gpu } : {});
      io.stdout.write(`built ${addon}\n`);
      return 0;
    } catch (error) {
      if ((error as { userFacing?: boolean }).userFacing) throw new PersianLoraError('ERR_NATIVE', (error as Error).message);
      throw error;
    }
  },
};
