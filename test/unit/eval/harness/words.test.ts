// Imported loglikelihood_rolling tasks count words as lm-evaluation-harness does (len(re.split(r"\s+", doc)), Python's
// whitespace): checked against Python itself (test/reference/eval/make_word_count_fixture.py).
import test from 'ava';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../../../../lib/version.js';
import { harnessWordCount } from '../../../../lib/eval/harness/words.js';
import { loadHarnessTask } from '../../../../lib/eval/harness/load.js';
import { loadTaskData } from '../../../../lib/eval/tasks/load.js';
import { buildRequests } from '../../../../lib/eval/tasks/requests.js';
import { scoreItem } from '../../../../lib/eval/tasks/score.js';
import { textUnits } from '../../../../lib/eval/metrics/perplexity.js';
import { tempDir } from '../../../helpers/temp-dir.js';

const fixture = JSON.parse(readFileSync(path.join(packageRoot, 'test/reference/eval/word-count-fixture.json'), 'utf8')) as { cases: { text: string; words: number; bytes: number }[] };

test('word counts equal Python\'s len(re.split(r"\\s+", text)), bytes its len(text.encode("utf-8"))', (t) => {
  t.true(fixture.cases.length >= 10);
  for (const c of fixture.cases) {
    t.is(harnessWordCount(c.text), c.words, JSON.stringify(c.text));
    t.is(textUnits(c.text).bytes, c.bytes, JSON.stringify(c.text));
  }
});

test('a wikitext-style page scored by an imported task records lm-evaluation-harness\'s word count, ours elsewhere', (t) => {
  const dir = tempDir('pl-harness-words-');
  const page = fixture.cases[1]!;
  writeFileSync(path.join(dir, 'wiki.jsonl'), `${JSON.stringify({ page: page.text })}\n`);
  writeFileSync(path.join(dir, 'wiki.yaml'), 'task: wiki\ndataset_path: wiki.jsonl\noutput_type: loglikelihood_rolling\ntest_split: test\ndoc_to_target: "{{page}}"\n');
  const task = loadHarnessTask(path.join(dir, 'wiki.yaml'));
  const built = buildRequests(task, loadTaskData(task, dir));
  const scored = scoreItem(task, built.items.get(0)!, { mode: 'perplexity', logLikelihood: -40, tokens: 30 });
  t.is(scored.scores['words'], page.words);
  t.is(textUnits(page.text).words, page.words - 2, 'our own count leaves out the empty pieces at either end');
  t.is(scored.scores['bytes'], page.bytes);
});
