// Versions recorded with every results file: the pinned llama.cpp (third_party/llama.cpp.lock), ggml and Node.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../../version.js';

interface LlamaLock {
  tag?: string;
  tree?: string;
  llamaVersion?: string;
  ggmlVersion?: string;
}

/** Path of the lock file that pins the vendored llama.cpp. */
export function llamaLockPath(): string {
  return path.join(packageRoot, 'third_party', 'llama.cpp.lock');
}

/** `llama.cpp` (tag), `llama.cpp.tree` (git tree hash), `ggml`, `node`; lock entries are left out when the file is absent. */
export function runtimeVersions(): Record<string, string> {
  const out: Record<string, string> = {};
  let lock: LlamaLock = {};
  try {
    lock = JSON.parse(readFileSync(llamaLockPath(), 'utf8')) as LlamaLock;
  } catch {
    // An installed package without the lock file: the versions below are then unknown and not recorded.
  }
  if (lock.tag) out['llama.cpp'] = lock.llamaVersion ? `${lock.tag} (${lock.llamaVersion})` : lock.tag;
  if (lock.tree) out['llama.cpp.tree'] = lock.tree;
  if (lock.ggmlVersion) out['ggml'] = lock.ggmlVersion;
  out['node'] = process.version;
  return out;
}
