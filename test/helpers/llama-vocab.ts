// llama.cpp's vocabulary files and tokenizer test vectors (tests/test-tokenizer-0.cpp format), for any test tier.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** llama.cpp checkout holding models/ggml-vocab-*.gguf: $LLAMA_CPP_DIR or <repo>/third_party/llama.cpp. */
export const LLAMA_CPP_DIR = process.env['LLAMA_CPP_DIR'] ?? join(repoRoot, 'third_party', 'llama.cpp');

/** Path of models/<name> in the llama.cpp checkout, or undefined when absent. */
export function vocabFile(name: string): string | undefined {
  const p = join(LLAMA_CPP_DIR, 'models', name);
  return existsSync(p) ? p : undefined;
}

export const missingMessage = (name: string): string =>
  `${name} not found under ${LLAMA_CPP_DIR}/models (set LLAMA_CPP_DIR to a llama.cpp checkout); skipped`;

/** Test cases read the way tests/test-tokenizer-0.cpp reads <vocab>.inp / <vocab>.out. */
export function readVectors(gguf: string): Array<{ input: string; ids: number[] }> {
  const raw = readFileSync(`${gguf}.inp`, 'utf8');
  const outLines = readFileSync(`${gguf}.out`, 'utf8').split('\n');
  if (outLines.at(-1) === '') outLines.pop(); // std::getline yields no empty final line
  // the C++ loop: pieces between separators; a separator at the very end adds no empty input
  const inputs = raw.split('\n__ggml_vocab_test__\n');
  if (raw.endsWith('\n__ggml_vocab_test__\n')) inputs.pop();
  if (inputs.length !== outLines.length) throw new Error(`${gguf}: ${inputs.length} inputs but ${outLines.length} output lines`);
  return inputs.map((input, i) => {
    const o = outLines[i]!.trim();
    return { input, ids: o === '' ? [] : o.split(' ').map(Number) };
  });
}
