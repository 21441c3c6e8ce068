// Chat templates: @huggingface/jinja renders llama.cpp's test templates (tests/test-chat-template.cpp) and the model
// templates of models/templates as llama.cpp's Jinja route expects; llama.cpp's built-ins are the fallback.
import test from 'ava';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ChatFormatter, JinjaChatTemplate } from '../../lib/chat-template.js';
import { loadModel, type Model } from '../../lib/model.js';
import { packageRoot } from '../../lib/version.js';
import { llamaConversation, readLlamaChatCases, type LlamaChatCase } from './chat-llama-cases.js';

const cases = readLlamaChatCases();
const byName = (name: string): LlamaChatCase => {
  const c = cases.find((x) => x.name === name);
  if (!c) throw new Error(`no case ${name} in test-chat-template.cpp`);
  return c;
};
const jinjaExpected = (c: LlamaChatCase) => c.expectedJinja || c.expected;
const templatesDir = path.join(packageRoot, 'third_party', 'llama.cpp', 'models', 'templates');
const vocabFile = (name: string) => path.join(packageRoot, 'third_party', 'llama.cpp', 'models', `ggml-vocab-${name}.gguf`);

// The families the chat is tested on, by their cases in llama.cpp's test data.
const FAMILIES: Record<string, string[]> = {
  'Llama 2 ([INST], with and without <<SYS>>)': ['mistralai/Mistral-7B-Instruct-v0.2 (NOTE: Old pre-v1 without a system prompt)', 'TheBloke/FusionNet_34Bx2_MoE-AWQ', 'bofenghuang/vigogne-2-70b-chat'],
  'Llama 3': ['Llama-3'],
  'Qwen2 (ChatML)': ['teknium/OpenHermes-2.5-Mistral-7B'],
  'Gemma (no system role: merged into the first user turn)': ['google/gemma-7b-it'],
};

test('the test data parses: llama.cpp\'s conversation, templates and expected outputs', (t) => {
  t.true(cases.length >= 30, `${cases.length} cases`);
  t.is(byName('Llama-3').expected.split('<|eot_id|>').length, 7); // six messages, then the assistant's header
});

for (const [family, names] of Object.entries(FAMILIES)) {
  test(`${family}: the Jinja rendering equals llama.cpp's expected output`, (t) => {
    for (const c of names.map(byName)) {
      t.is(new JinjaChatTemplate(c.template).render({ messages: llamaConversation, bosToken: c.bos, eosToken: c.eos }), jinjaExpected(c), c.name);
    }
  });
}

test('every other plain-chat case of llama.cpp\'s test data renders as llama.cpp expects', (t) => {
  // the granite cases add tool-call roles (assistant_tool_call, tool_response), which llama.cpp's Jinja route
  // rewrites before rendering: outside a chat of system, user and assistant messages
  const plain = cases.filter((c) => c.supportedWithJinja && c.extra.length === 0);
  t.true(plain.length >= 30);
  for (const c of plain) {
    t.is(new JinjaChatTemplate(c.template).render({ messages: llamaConversation, bosToken: c.bos, eosToken: c.eos }), jinjaExpected(c), c.name);
  }
});

test('the real templates of Qwen2.5 and Gemma 2 (models/templates) and the Qwen2 vocabulary\'s GGUF template render the same conversation', (t) => {
  const chatml = jinjaExpected(byName('teknium/OpenHermes-2.5-Mistral-7B'));
  const gemma = jinjaExpected(byName('google/gemma-7b-it'));
  const file = (name: string) => new JinjaChatTemplate(readFileSync(path.join(templatesDir, name), 'utf8'));
  t.is(file('Qwen-Qwen2.5-7B-Instruct.jinja').render({ messages: llamaConversation }), chatml);
  t.false(file('google-gemma-2-2b-it.jinja').supportsSystemRole);
  t.is(file('google-gemma-2-2b-it.jinja').render({ messages: llamaConversation }), gemma);
});

let qwen: Promise<Model> | undefined;
const qwenVocab = () => (qwen ??= loadModel(vocabFile('qwen2'), { vocabOnly: true }));

test('a model\'s GGUF template goes through Jinja; llama.cpp\'s built-in chatml gives the same prompt', async (t) => {
  const model = await qwenVocab();
  const formatter = new ChatFormatter(model);
  const prompt = formatter.format(llamaConversation);
  t.is(prompt.engine, 'jinja');
  t.is(prompt.text, jinjaExpected(byName('teknium/OpenHermes-2.5-Mistral-7B')));
  t.is(formatter.fallbackReason, undefined);
  t.deepEqual(new ChatFormatter(model, { template: 'chatml' }).format(llamaConversation), { text: prompt.text, engine: 'llama.cpp' });
  // without a system message the Qwen2 template adds its own
  t.true(formatter.format([{ role: 'user', content: 'سلام' }]).text.startsWith('<|im_start|>system\nYou are a helpful assistant<|im_end|>\n<|im_start|>user\nسلام'));
});

test('a Jinja template that fails to render falls back to llama.cpp\'s built-in of the same family, saying why', async (t) => {
  const model = await qwenVocab();
  const broken = "{% for m in messages %}{{ '<|im_start|>' + m.role + '\\n' + m.content | no_such_filter }}{% endfor %}";
  const formatter = new ChatFormatter(model, { template: broken });
  const prompt = formatter.format(llamaConversation);
  t.is(prompt.engine, 'llama.cpp');
  t.is(prompt.text, jinjaExpected(byName('teknium/OpenHermes-2.5-Mistral-7B')));
  t.regex(formatter.fallbackReason ?? '', /failed to render.*no_such_filter/);
});

test('a template neither engine knows is refused by name', async (t) => {
  const model = await qwenVocab();
  t.throws(() => new ChatFormatter(model, { template: 'no-such-template' }), { code: 'ERR_INVALID_OPTION', message: /"no-such-template".*expected a llama\.cpp built-in name/ } as never);
  t.throws(() => new ChatFormatter(model, { template: '/no/such/file.jinja' }), { code: 'ERR_FILE_NOT_FOUND', message: /\/no\/such\/file\.jinja/ } as never);
});

test('a BOS the tokenizer adds itself is not rendered twice', async (t) => {
  const model = await loadModel(vocabFile('llama-spm'), { vocabOnly: true });
  try {
    const c = byName('bofenghuang/vigogne-2-70b-chat');
    const prompt = new ChatFormatter(model, { template: c.template }).format(llamaConversation);
    t.true(model.info.addBos);
    t.is(prompt.text, jinjaExpected(c));
    t.is(model.tokenize(prompt.text, { special: true }).filter((id) => id === model.info.bos).length, 1);
  } finally {
    model.dispose();
  }
});

test.after(async () => (await qwen)?.dispose());
