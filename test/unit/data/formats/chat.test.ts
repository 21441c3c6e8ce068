import test from 'ava';
import { chatExample, chatExamples, chatMessagesOf } from '../../../../lib/data/formats/chat.js';
import type { ChatMessage } from '../../../../lib/data/tokenizer.js';
import { decode, FakeTokenizer, trainedText } from './fake-tokenizer.js';

const sharegpt = {
  conversations: [
    { from: 'system', value: 'تو دستیار هستی.' },
    { from: 'human', value: 'سلام' },
    { from: 'gpt', value: 'سلام! چطور کمک کنم؟' },
    { from: 'human', value: 'یک واژه بگو' },
    { from: 'gpt', value: 'کتاب' },
    { from: 'human', value: 'ممنون' },
  ],
};

test('ShareGPT roles are mapped and both message shapes accepted', (t) => {
  t.deepEqual(chatMessagesOf(sharegpt).map((m) => m.role), ['system', 'user', 'assistant', 'user', 'assistant', 'user']);
  t.deepEqual(chatMessagesOf({ messages: [{ role: 'user', content: 'x' }] }), [{ role: 'user', content: 'x' }]);
  t.throws(() => chatMessagesOf({ conversations: [{ from: 'human' }] }), { message: 'chat record: message 0 has no string "value"/"content" (received undefined)' });
  t.throws(() => chatMessagesOf({ text: 'x' }), { message: /expected a non-empty "conversations" or "messages" array/ });
});

test('only assistant turns (with the template\'s end of turn) are trained; the trailing user turn is dropped', (t) => {
  const ex = chatExample(sharegpt, new FakeTokenizer())!;
  t.is(decode(ex.tokens), '<s><|im_start|>system\nتو دستیار هستی.<|im_end|>\n<|im_start|>user\nسلام<|im_end|>\n<|im_start|>assistant\nسلام! چطور کمک کنم؟<|im_end|>\n<|im_start|>user\nیک واژه بگو<|im_end|>\n<|im_start|>assistant\nکتاب<|im_end|>\n');
  t.is(trainedText(ex.tokens, ex.weights), 'سلام! چطور کمک کنم؟<|im_end|>\nکتاب<|im_end|>\n');
  t.is(ex.tokens.filter((id) => id === 3).length, 5, 'special tokens parsed');
});

test('refusals: no template, no assistant turn, a template that is not prefix-stable', async (t) => {
  const plain = new FakeTokenizer() as FakeTokenizer & { applyChatTemplate?: unknown };
  const noTemplate = Object.assign(Object.create(Object.getPrototypeOf(plain)), plain, { applyChatTemplate: undefined });
  t.throws(() => chatExample(sharegpt, noTemplate), { message: /needs a tokenizer with applyChatTemplate/ });
  t.throws(() => chatExample({ messages: [{ role: 'user', content: 'x' }] }, new FakeTokenizer()), { message: 'chat record: no assistant message to train on' });
  const unstable = new FakeTokenizer();
  unstable.applyChatTemplate = (messages: ChatMessage[], prefix: boolean) => `${messages.length} turns\n` + messages.map((m) => `${m.role}: ${m.content}\n`).join('') + (prefix ? 'assistant: ' : '');
  t.throws(() => chatExample(sharegpt, unstable), { message: /the chat template is not prefix-stable at message 2/ });
  const stream = chatExamples([sharegpt, { messages: [{ role: 'user', content: 'x' }] }], new FakeTokenizer(), { onError: 'skip' });
  const out = [];
  for await (const ex of stream) out.push(ex);
  t.is(out.length, 1);
  t.like(stream.stats, { records: 2, examples: 1, skipped: 1 });
});
