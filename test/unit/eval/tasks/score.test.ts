// Scoring items in each mode and aggregating with bootstrap intervals; aggregates equal the metric functions.
import test from 'ava';
import { parseTask, withMode } from '../../../../lib/eval/tasks/load.js';
import { buildRequests } from '../../../../lib/eval/tasks/requests.js';
import { aggregateItems, scoreItem, taskResult } from '../../../../lib/eval/tasks/score.js';
import { corpusBleu } from '../../../../lib/eval/metrics/bleu.js';
import { corpusChrf } from '../../../../lib/eval/metrics/chrf.js';
import { bitsPerByte, bitsPerChar } from '../../../../lib/eval/metrics/perplexity.js';
import { taskResultSchema } from '../../../../lib/eval/results/schema.js';
import { fixture } from '../metrics/fixture.js';

const lr = (index: number, instruction: string, input: string, output: string) => ({ index, record: { instruction, input, output }, raw: {} });
const data = (records: ReturnType<typeof lr>[]) => ({ records, fewshotPool: [], fewshotFromSameSplit: false });
const cls = parseTask({ name: 'c/t', kind: 'classification', dataset: { splits: { test: 'x.json' } } });
const records = [
  lr(0, 'Answer "Yes" or "No".', 'a', 'Yes'),
  lr(1, 'Answer "Yes" or "No".', 'b', 'No'),
  lr(2, 'Answer "Yes" or "No".', 'c', 'Maybe'),
  lr(3, '', 'Q <sep> (A) long answer text (B) x', 'A'),
];

test('generate mode: extraction, correctness and parse failures kept apart', (t) => {
  const built = buildRequests(cls, data(records));
  t.deepEqual(built.failures.map((f) => f.index), [2]);
  const outputs: Record<number, string> = { 0: 'Yes.', 1: 'I think yes', 3: '(A)' };
  const items = built.requests.map((r) => scoreItem(cls, built.items.get(r.itemIndex)!, { mode: 'generate', text: outputs[r.itemIndex]! }));
  t.deepEqual(items.map((i) => [i.extracted, i.scores['acc']]), [['Yes', 1], ['Yes', 0], ['A', 1]]);
  const result = taskResult(cls, built, items, { samples: 200 });
  t.notThrows(() => taskResultSchema.parse(result));
  t.deepEqual(result.aggregates.map((a) => a.metric), ['acc', 'macro_f1', 'extracted']);
  t.is(result.aggregates[0]!.value, 2 / 3);
  t.is(result.n, 3);
  t.is(result.failures[0]!.reason.includes('Maybe'), true);
});

test('loglikelihood mode: acc vs acc_norm from the continuations', (t) => {
  const task = withMode(cls, 'loglikelihood');
  const built = buildRequests(task, data([records[3]!]));
  const item = built.items.get(3)!;
  t.deepEqual(item.continuations, ['A', 'B']);
  const scored = scoreItem(task, item, { mode: 'loglikelihood', logLikelihoods: [-3, -2], greedy: [false, true] });
  t.deepEqual(scored.scores, { acc: 0, acc_norm: 0 });
  t.is(scored.extracted, 'B');
  t.throws(() => scoreItem(task, item, { mode: 'loglikelihood', logLikelihoods: [-1], greedy: [true] }), { message: /Expected 2 log-likelihoods but received 1 for item 3/ });
  t.throws(() => scoreItem(task, item, { mode: 'generate', text: 'A' }), { message: /Expected a loglikelihood answer but received a generate one/ });
});

test('generation aggregates equal corpus BLEU / chrF of the fixture (1e-9)', (t) => {
  const gen = parseTask({ name: 'g/t', kind: 'generation', dataset: { splits: { test: 'x.json' } } });
  const set = fixture.sets['fa']!;
  const built = buildRequests(gen, data(set.refs.map((r, i) => lr(i, 'Translate', 'x', r))));
  const items = built.requests.map((r, i) => scoreItem(gen, built.items.get(r.itemIndex)!, { mode: 'generate', text: `  ${set.hyps[i]}\n` }));
  const aggs = Object.fromEntries(aggregateItems(gen, items, { samples: 100 }).map((a) => [a.metric, a]));
  t.true(Math.abs(aggs['bleu']!.value! - corpusBleu(set.hyps, set.refs)) < 1e-9);
  t.true(Math.abs(aggs['bleu']!.value! - set.bleu) < 1e-9);
  t.true(Math.abs(aggs['chrf']!.value! - set.chrf) < 1e-9);
  t.true(Math.abs(aggs['chrf']!.value! - corpusChrf(set.hyps, set.refs)) < 1e-9);
  const meanR1 = set.rouge_unicode.reduce((a, r) => a + r.rouge1.fmeasure, 0) / set.hyps.length;
  t.true(Math.abs(aggs['rouge1']!.value! - meanR1) < 1e-12);
  for (const a of Object.values(aggs)) t.true(a.ci[0]! <= a.value! + 1e-9 && a.value! <= a.ci[1]! + 1e-9, a.metric);
});

test('a task with rouge.tokenizer default scores ROUGE as rouge-score\'s default tokenizer (1e-12)', (t) => {
  for (const [name, set] of Object.entries(fixture.sets)) {
    const gen = parseTask({ name: 'g/t', kind: 'generation', dataset: { splits: { test: 'x.json' } }, metrics: ['rouge1', 'rouge2', 'rougeL'], rouge: { tokenizer: 'default' } });
    const built = buildRequests(gen, data(set.refs.map((r, i) => lr(i, 'Summarize', 'x', r))));
    const items = built.requests.map((r, i) => scoreItem(gen, built.items.get(r.itemIndex)!, { mode: 'generate', text: set.hyps[i]! }));
    items.forEach((item, i) => {
      for (const key of ['rouge1', 'rouge2', 'rougeL'] as const) {
        t.true(Math.abs(item.scores[key]! - set.rouge_default[i]![key].fmeasure) < 1e-12, `${name} item ${i} ${key}`);
      }
    });
  }
});

test('perplexity mode: bits per byte and per character from the summed log-likelihoods', (t) => {
  const ppl = parseTask({ name: 'p/t', kind: 'perplexity', dataset: { splits: { test: 'x.json' } } });
  const built = buildRequests(ppl, data([lr(0, '', '', 'سلام'), lr(1, '', '', 'hello world')]));
  t.deepEqual(built.requests, [{ itemIndex: 0, mode: 'perplexity', text: 'سلام' }, { itemIndex: 1, mode: 'perplexity', text: 'hello world' }]);
  const items = built.requests.map((r) => scoreItem(ppl, built.items.get(r.itemIndex)!, { mode: 'perplexity', logLikelihood: -10, tokens: 4 }));
  const bpb = aggregateItems(ppl, items).find((a) => a.metric === 'bits_per_byte')!;
  t.true(Math.abs(bpb.value! - bitsPerByte([{ logLikelihood: -20, tokens: 8, bytes: 19, words: 3, chars: 15 }])) < 1e-12);
  t.false(bpb.higherIsBetter);
  t.deepEqual(items.map((i) => i.scores['chars']), [4, 11]);
  const bpc = aggregateItems(ppl, items).find((a) => a.metric === 'bits_per_char')!;
  // 20 nats over 4 + 11 characters: 20 / (15 ln 2)
  t.true(Math.abs(bpc.value! - 1.9235933878519513) < 1e-12);
  t.true(Math.abs(bpc.value! - bitsPerChar([{ logLikelihood: -20, tokens: 8, bytes: 19, words: 3, chars: 15 }])) < 1e-12);
  t.false(bpc.higherIsBetter);
});
