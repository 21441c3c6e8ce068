// Built-in suites `paper-fa` and `paper-en`: the study's test sets, run its way (Alpaca, greedy, penalty 1.1, 512 tokens).
import { parseTask } from '../tasks/load.js';
import type { Task, TaskInput } from '../tasks/schema.js';

/**
 * Every task reads `<data-dir>/<lang>/<file>.json` (the study's `data/testset` layout, e.g. shared/data/paper-testset);
 * nothing is copied into the package. Generation settings are the schema defaults, which are the study's: greedy,
 * repetition penalty 1.1, at most 512 new tokens, no stop strings. Classification tasks also run by log-likelihood
 * over each item's label set (`withMode(task, 'loglikelihood')`).
 */
function task(lang: 'fa' | 'en', file: string, rest: Omit<TaskInput, 'name' | 'dataset' | 'language' | 'version'>): TaskInput {
  return { name: `paper-${lang}/${file}`, version: 1, language: lang, dataset: { splits: { test: `${lang}/${file}.json` } }, ...rest };
}

const PAPER_FA: TaskInput[] = [
  task('fa', 'sentiment', {
    kind: 'classification',
    description: 'SnappFood reviews; 0 = positive, 1 = negative',
    answer: { aliases: { مثبت: '0', منفی: '1', positive: '0', negative: '1' } },
  }),
  task('fa', 'entailment', {
    kind: 'classification',
    description: 'ParsiNLU entailment; 0 = contradiction, 1 = entailment, 2 = neutral',
    answer: { aliases: { تضاد: '0', متضاد: '0', contradiction: '0', 'هم راستا': '1', همراستا: '1', entailment: '1', 'بی ربط': '2', خنثی: '2', neutral: '2' } },
  }),
  task('fa', 'multiple_choice', { kind: 'classification', description: 'ParsiNLU multiple choice; options (A)–(D) after <sep>' }),
  task('fa', 'summary', { kind: 'generation', description: 'Persian news summaries', metrics: ['rouge1', 'rouge2', 'rougeL', 'token_f1'] }),
  task('fa', 'translation_fa_en', { kind: 'generation', description: 'Persian → English (subtitles, Bible, Quran, questions)', metrics: ['bleu', 'chrf', 'rougeL'] }),
];

const PAPER_EN: TaskInput[] = [
  task('en', 'sentiment', { kind: 'classification', description: 'Super-NaturalInstructions sentiment; two label sets by instruction' }),
  task('en', 'entailment', { kind: 'classification', description: 'Contradiction / Neutral / Entailment' }),
  task('en', 'multiple_choice', { kind: 'classification', description: 'a–d fill-in and Option A–E math problems' }),
  task('en', 'summarization', { kind: 'generation', description: 'paper abstracts → short summaries', metrics: ['rouge1', 'rouge2', 'rougeL', 'token_f1'] }),
  task('en', 'translation_en_fa', { kind: 'generation', description: 'English → Persian', metrics: ['bleu', 'chrf', 'rougeL'] }),
];

/** Built-in suites by name, each a list of validated tasks. */
export const SUITES: Readonly<Record<string, readonly Task[]>> = {
  'paper-fa': PAPER_FA.map((t) => parseTask(t, `built-in task ${String(t.name)}`)),
  'paper-en': PAPER_EN.map((t) => parseTask(t, `built-in task ${String(t.name)}`)),
};
