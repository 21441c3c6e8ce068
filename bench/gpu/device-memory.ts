// Memory the benchmark's process holds on its device, read the same way for the trainer and for PyTorch: the GPU's
// used memory from nvidia-smi (works inside containers, where nvidia-smi lists no processes). The GPU check runs one
// process at a time, so the difference between a reading at the end and one before the process touched the GPU is
// that process's memory, its CUDA context included. Without nvidia-smi (the CPU mode) it is undefined.
import { execFileSync } from 'node:child_process';

/** MiB in use on GPU `index`, or undefined where nvidia-smi is missing or fails. */
export function gpuUsedMiB(index = 0): number | undefined {
  try {
    const out = execFileSync('nvidia-smi', ['--query-gpu=memory.used', '--format=csv,noheader,nounits', '-i', String(index)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const mib = Number(out.trim().split('\n')[0]);
    return Number.isFinite(mib) ? mib : undefined;
  } catch {
    return undefined;
  }
}
