// Reads the study's classification test sets from the shared path for tests, or reports why they are absent.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { PAPER_TESTSET } from '../../../helpers/paper-testset.js';
import type { EvalRecord } from '../../../../lib/eval/answers/parse.js';

export const PAPER_DIR = PAPER_TESTSET;

export const CLASSIFICATION_FILES = ['fa/sentiment', 'fa/entailment', 'fa/multiple_choice', 'en/sentiment', 'en/entailment', 'en/multiple_choice'] as const;

/** Records of `<lang>/<name>.json` with `output` as a string, or null when the file is not there. */
export function readPaperRecords(file: string): EvalRecord[] | null {
  const full = path.join(PAPER_DIR, `${file}.json`);
  if (!existsSync(full)) return null;
  const raw = JSON.parse(readFileSync(full, 'utf8')) as Array<{ instruction: string; input: string; output: string | number }>;
  return raw.map((r) => ({ instruction: r.instruction, input: r.input, output: String(r.output) }));
}
