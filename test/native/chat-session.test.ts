// ChatSession on a tiny random-weight model with Qwen2's vocabulary and its chat template: history, the KV cache
// reused across turns with replies equal to a fresh context's, reset, and a reply stopped by its signal.
import test from 'ava';
import { ChatSession } from '../../lib/chat-session.js';
import { loadModel, type Model } from '../../lib/model.js';
import { tinyModel } from './helpers.js';

const GREEDY = { maxTokens: 12, temperature: 0 };
let model: Promise<Model> | undefined;
const qwenModel = async () => (model ??= loadModel(await tinyModel({ vocab: 'qwen2', layers: 1, dim: 32, heads: 2, seed: 7 })));
test.after(async () => (await model)?.dispose());

test('turns keep the history; the second turn reuses the first turn\'s tokens and replies as a fresh context does', async (t) => {
  const m = await qwenModel();
  const ctx = await m.createContext({ contextSize: 512, threads: 2 });
  const fresh = await m.createContext({ contextSize: 512, threads: 2 });
  try {
    const chat = new ChatSession(ctx, { systemPrompt: 'You answer in Persian.' });
    const first = await chat.ask('سلام', GREEDY);
    t.is(first.engine, 'jinja');
    t.is(first.reusedTokens, 0);
    t.true(first.generatedTokens > 0);
    const second = await chat.ask('How are you?', GREEDY);
    t.deepEqual(chat.messages.map((x) => x.role), ['system', 'user', 'assistant', 'user', 'assistant']);
    t.is(chat.messages[2]!.content, first.reply);
    t.is(chat.messages[4]!.content, second.reply);

    // the second prompt is the first one, its reply and the new turn: everything before the new turn is reused
    const prompt = chat.formatter.format(chat.messages.slice(0, 4)).text;
    t.true(prompt.startsWith(chat.formatter.format(chat.messages.slice(0, 2)).text + first.reply));
    t.true(second.reusedTokens >= first.promptTokens, `${second.reusedTokens} of ${second.promptTokens} reused, first prompt ${first.promptTokens}`);
    const newTurn = m.tokenize(prompt.slice(prompt.lastIndexOf('<|im_end|>\n<|im_start|>user')), { addBos: false, special: true }).length;
    t.true(second.promptTokens - second.reusedTokens <= newTurn + 1, `${second.promptTokens - second.reusedTokens} decoded, the new turn is ${newTurn}`);

    // the reference: the same prompt decoded from scratch in another context
    const reference = await fresh.complete(m.tokenize(prompt, { special: true }), GREEDY);
    t.is(second.reply, reference.text);
    t.is(second.generatedTokens, reference.tokens.length);

    chat.reset();
    t.deepEqual(chat.messages, [{ role: 'system', content: 'You answer in Persian.' }]);
    const again = await chat.ask('سلام', GREEDY);
    t.is(again.reply, first.reply);
  } finally {
    ctx.dispose();
    fresh.dispose();
  }
});

test('a reply stopped by its signal ends with what was said, and that stays in the history', async (t) => {
  const m = await qwenModel();
  const ctx = await m.createContext({ contextSize: 512, threads: 2 });
  try {
    const chat = new ChatSession(ctx);
    const stop = new AbortController();
    const stream = chat.send('Tell me a long story', { maxTokens: 400, signal: stop.signal });
    let shown = '';
    let r = await stream.next();
    while (!r.done) {
      shown += r.value.text;
      stop.abort(); // after the first chunk
      r = await stream.next();
    }
    t.is(r.value.stopReason, 'abort');
    t.true(r.value.generatedTokens < 400);
    t.is(r.value.reply, shown);
    t.deepEqual(chat.messages.map((x) => x.role), ['user', 'assistant']);
    t.is(chat.messages[1]!.content, shown);
  } finally {
    ctx.dispose();
  }
});

test('bad arguments are named', async (t) => {
  const m = await qwenModel();
  const ctx = await m.createContext({ contextSize: 64, threads: 2 });
  try {
    t.throws(() => new ChatSession(ctx, { systemPrompt: 3 as never }), { message: 'Expected a string for ChatSession systemPrompt but received number 3' });
    t.throws(() => new ChatSession(ctx, { template: '' }), { message: /Expected a template name, Jinja source or file for ChatSession template/ });
    const chat = new ChatSession(ctx);
    await t.throwsAsync(chat.ask('long '.repeat(100)), { code: 'ERR_CONTEXT_OVERFLOW' } as never);
    t.deepEqual(chat.messages, [], 'a prompt that does not fit leaves the history as it was');
  } finally {
    ctx.dispose();
  }
});
