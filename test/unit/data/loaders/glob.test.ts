import test from 'ava';
import { globToRegExp } from '../../../../lib/data/loaders/glob.js';

const cases: Array<[string, string, boolean]> = [
  ['*.parquet', 'train.parquet', true],
  ['*.parquet', 'data/train.parquet', false],
  ['data/*.parquet', 'data/train-00000-of-00002.parquet', true],
  ['**/*.parquet', 'train.parquet', true],
  ['**/*.parquet', 'a/b/c/train.parquet', true],
  ['data/**', 'data/a/b.json', true],
  ['data/**', 'other/a.json', false],
  ['fa/train-0000?.jsonl', 'fa/train-00003.jsonl', true],
  ['fa/train-0000?.jsonl', 'fa/train-000033.jsonl', false],
  ['a+b (1).txt', 'a+b (1).txt', true],
  ['**', 'README.md', true],
];
for (const [pattern, path, match] of cases) {
  test(`${pattern} ${match ? 'matches' : 'does not match'} ${path}`, (t) => {
    t.is(globToRegExp(pattern).test(path), match);
  });
}
