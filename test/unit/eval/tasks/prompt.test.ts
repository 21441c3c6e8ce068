// Prompt text for the Alpaca, custom and chat templates, with few-shot examples, and the scored continuations.
import test from 'ava';
import { parseItem, type ParsedItem } from '../../../../lib/eval/answers/parse.js';
import { parseTask, withMode } from '../../../../lib/eval/tasks/load.js';
import { buildPrompt, continuations, renderTemplate } from '../../../../lib/eval/tasks/prompt.js';

const rec = (index: number, instruction: string, input: string, output: string, extra: Record<string, unknown> = {}) => ({ index, record: { instruction, input, output }, raw: { instruction, input, output, ...extra } });
const task = (prompt?: unknown, extra: Record<string, unknown> = {}) => parseTask({ name: 'x/y', kind: 'classification', dataset: { splits: { test: 'd.json' } }, ...(prompt ? { prompt } : {}), ...extra });

test('Alpaca prompt is the study template, byte for byte', (t) => {
  const p = buildPrompt(task(), rec(0, 'Classify.', 'Great food', '0'));
  t.deepEqual(p, {
    kind: 'text',
    text: 'Below is an instruction that describes a task, paired with an input that provides further context. Write a response that appropriately completes the request.\n\n### Instruction:\nClassify.\n\n### Input:\nGreat food\n\n### Response:\n',
  });
});

test('Alpaca without input uses the no-input variant', (t) => {
  const p = buildPrompt(task(), rec(0, 'Say hi.', '  ', 'hi'));
  t.is(p.kind === 'text' && p.text, 'Below is an instruction that describes a task. Write a response that appropriately completes the request.\n\n### Instruction:\nSay hi.\n\n### Response:\n');
});

test('Alpaca few-shot: full blocks with answers, then the item; braces in data stay literal', (t) => {
  const p = buildPrompt(task(), rec(2, 'Q {x}', 'c', '?'), [rec(0, 'Q', 'a', 'A1')]);
  if (p.kind !== 'text') return t.fail();
  const blocks = p.text.split('\n\n### Response:\n');
  t.is(blocks.length, 3);
  t.true(blocks[1]!.startsWith('A1\n\nBelow is an instruction'));
  t.true(p.text.includes('### Instruction:\nQ {x}\n'));
});

test('custom template with placeholders from raw fields, examples joined by the separator', (t) => {
  const tk = task({ template: 'custom', text: 'Review: {input} ({stars}★)\nLabel:', answer: ' {output}', separator: '\n---\n' });
  const p = buildPrompt(tk, rec(1, 'i', 'bad', '1', { stars: 1 }), [rec(0, 'i', 'good', '0', { stars: 5 })]);
  t.deepEqual(p, { kind: 'text', text: 'Review: good (5★)\nLabel: 0\n---\nReview: bad (1★)\nLabel:' });
});

test('unknown placeholder names the template and the fields', (t) => {
  t.throws(() => renderTemplate('{nope} {{literal}}', { a: 1 }, 'the prompt of task x/y'), { message: 'Template placeholder {nope} in the prompt of task x/y names no field of the record (fields: a)' });
  t.is(renderTemplate('{{a}} {a}', { a: 1 }, 'w'), '{a} 1');
});

test('chat template carries messages for the runner', (t) => {
  const p = buildPrompt(task({ template: 'chat', system: 'Be brief.' }), rec(1, 'Classify.', 'bad', '1'), [rec(0, 'Classify.', 'good', '0')]);
  t.deepEqual(p, {
    kind: 'chat',
    messages: [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Classify.\n\ngood' },
      { role: 'assistant', content: '0' },
      { role: 'user', content: 'Classify.\n\nbad' },
    ],
  });
});

test('unknown field inside a prompt variant is named', (t) => {
  t.throws(() => task({ template: 'alpaca', system: 'x' }), { message: 'task: Unknown option task.prompt.system' });
});

const mc = parseItem(0, { instruction: '', input: 'Q <sep> (A) red (B) blue', output: 'B' }) as ParsedItem;
const words = parseItem(0, { instruction: 'Answer "Yes" or "No".', input: 'x', output: 'No' }) as ParsedItem;

test('continuations: labels after the Alpaca prompt get no delimiter', (t) => {
  const tk = withMode(task(), 'loglikelihood');
  t.deepEqual(continuations(tk, mc, { kind: 'text', text: '### Response:\n' }), ['A', 'B']);
  t.deepEqual(continuations(tk, words, { kind: 'chat', messages: [] }), ['Yes', 'No']);
});

test('continuations: a space after a prompt ending in a word; option text when asked', (t) => {
  const tk = withMode(task({ template: 'custom', text: 'Q: {input}\nAnswer:' }, { loglikelihood: { continuation: 'option' } }), 'loglikelihood');
  t.deepEqual(continuations(tk, mc, { kind: 'text', text: 'Answer:' }), [' red', ' blue']);
  t.deepEqual(continuations(tk, words, { kind: 'text', text: 'Answer:' }), [' Yes', ' No']);
  const fixed = withMode(task(undefined, { loglikelihood: { delimiter: '→' } }), 'loglikelihood');
  t.deepEqual(continuations(fixed, mc, { kind: 'text', text: 'x' }), ['→A', '→B']);
});
