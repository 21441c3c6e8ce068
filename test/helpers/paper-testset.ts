// The study's test sets, read in place: PERSIAN_LORA_PAPER_TESTSET, else ../shared/data/paper-testset beside the repository.
import path from 'node:path';
import { packageRoot } from '../../lib/version.js';

export const PAPER_TESTSET = process.env['PERSIAN_LORA_PAPER_TESTSET'] ?? path.resolve(packageRoot, '..', 'shared', 'data', 'paper-testset');
