import { existsSync, readFileSync } from 'node:fs';
import test from 'ava';
import { ALPACA_PROMPT, instructionExample, instructionExamples, renderAlpacaPrompt } from '../../../../lib/data/formats/instruction.js';
import type { TrainingExample } from '../../../../lib/data/tokenizer.js';
import { decode, FakeTokenizer, trainedText } from './fake-tokenizer.js';
import path from 'node:path';
import { PAPER_TESTSET } from '../../../helpers/paper-testset.js';

test('the study template, with and without input', (t) => {
  t.is(
    renderAlpacaPrompt({ instruction: 'جمله را ترجمه کن', input: 'Hello' }),
    'Below is an instruction that describes a task, paired with an input that provides further context. Write a response that appropriately completes the request.\n\n### Instruction:\nجمله را ترجمه کن\n\n### Input:\nHello\n\n### Response:\n',
  );
  t.is(
    renderAlpacaPrompt({ instruction: 'یک شعر بگو', input: '  ' }),
    'Below is an instruction that describes a task. Write a response that appropriately completes the request.\n\n### Instruction:\nیک شعر بگو\n\n### Response:\n',
  );
  t.is(renderAlpacaPrompt({ instruction: 'price $1', input: "$& and $'" }), ALPACA_PROMPT.replace('{instruction}', 'price $1').replace('{input}', () => "$& and $'"));
});

test('Alpaca example: loss only on the response and EOS', (t) => {
  const ex = instructionExample({ instruction: 'ترجمه کن', input: 'book', output: 'کتاب' }, new FakeTokenizer())!;
  t.is(decode(ex.tokens), '<s>' + renderAlpacaPrompt({ instruction: 'ترجمه کن', input: 'book' }) + 'کتاب</s>');
  t.is(trainedText(ex.tokens, ex.weights), 'کتاب</s>');
  t.is(ex.weights.length, ex.tokens.length);
  t.is(ex.docBoundaries, undefined);
});

test('test-set records (numeric labels) and prompt/response records', (t) => {
  const label = instructionExample({ instruction: 'اگر جمله نظر مثبتی بود عدد 0 بنویس', input: 'عالی بود', output: 0 }, new FakeTokenizer())!;
  t.is(trainedText(label.tokens, label.weights), '0</s>');
  const pr = instructionExample({ prompt: 'Q: پایتخت ایران؟\nA:', response: ' تهران' }, new FakeTokenizer(), { addBos: false, appendEos: false })!;
  t.is(decode(pr.tokens), 'Q: پایتخت ایران؟\nA: تهران');
  t.is(trainedText(pr.tokens, pr.weights), ' تهران');
});

test('stream: malformed records throw with their index or are skipped and counted', async (t) => {
  const records = [{ instruction: 'a', output: 'b' }, { instruction: 'c' }, { instruction: 'x'.repeat(300), output: 'y' }, { instruction: 'd', input: 'e', output: 'f' }];
  const collect = async (it: AsyncIterable<TrainingExample>) => {
    const out = [];
    for await (const x of it) out.push(x);
    return out;
  };
  await t.throwsAsync(collect(instructionExamples(records, new FakeTokenizer())), { code: 'ERR_DATA', message: 'record 2: expected a string for field "output" but received undefined' });
  const stream = instructionExamples(records, new FakeTokenizer(), { onError: 'skip', maxLength: 256, overflow: 'skip' });
  const examples = await collect(stream);
  t.deepEqual(examples.map((e) => trainedText(e.tokens, e.weights)), ['b</s>', 'f</s>']);
  t.like(stream.stats, { records: 4, examples: 2, skipped: 2, truncated: 0 });
});

const testSet = path.join(PAPER_TESTSET, 'fa', 'sentiment.json');
test('the study\'s Persian test-set records format (read-only, when present)', (t) => {
  if (!existsSync(testSet)) {
    t.log(`skipped: ${testSet} is absent`);
    t.pass();
    return;
  }
  const records = JSON.parse(readFileSync(testSet, 'utf8')) as Array<{ instruction: string; input: string; output: string | number }>;
  for (const record of records.slice(0, 20)) {
    const ex = instructionExample(record, new FakeTokenizer())!;
    t.is(trainedText(ex.tokens, ex.weights), `${record.output}</s>`);
    t.is(decode(ex.tokens), `<s>${renderAlpacaPrompt(record)}${record.output}</s>`);
  }
});
