// Loads the sacreBLEU / rouge-score / SQuAD reference numbers written by test/reference/eval/make_metric_fixture.py.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../../../../lib/version.js';

interface RougeRow { precision: number; recall: number; fmeasure: number }
export interface FixtureSet {
  hyps: string[];
  refs: string[];
  bleu: number;
  bleu_stats: { sys_len: number; ref_len: number; counts: number[]; totals: number[] };
  chrf: number;
  sentence_chrf: number[];
  rouge_unicode: Array<Record<'rouge1' | 'rouge2' | 'rougeL', RougeRow>>;
  rouge_default: Array<Record<'rouge1' | 'rouge2' | 'rougeL', RougeRow>>;
}
export interface MetricFixture {
  sets: Record<string, FixtureSet>;
  squad: { hyps: string[]; refs: string[]; exact_match: number[]; f1: number[] };
  tokenize_13a: Array<{ text: string; tokens: string[] }>;
  percentile: { values: number[]; q: number[]; result: number[] };
}

export const fixture: MetricFixture = JSON.parse(readFileSync(path.join(packageRoot, 'test/reference/eval/metrics-fixture.json'), 'utf8')) as MetricFixture;
