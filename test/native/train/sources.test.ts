// readTrainData with real tokenizers: Llama 2's SentencePiece vocabulary (no chat template) and Qwen2's (ChatML template).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { loadModel, type Model } from '../../../lib/model.js';
import { modelTokenizer } from '../../../lib/model-tokenizer.js';
import type { TrainingExample } from '../../../lib/data/tokenizer.js';
import { readTrainData } from '../../../lib/train/sources.js';
import { tinyModel } from '../helpers.js';
import { tempDir } from '../../helpers/temp-dir.js';

const models = new Map<string, Promise<Model>>();
function vocab(name: 'llama-spm' | 'qwen2'): Promise<Model> {
  let m = models.get(name);
  if (!m) {
    m = tinyModel({ vocab: name, layers: 1, dim: 32, heads: 2 }).then((file) => loadModel(file, { vocabOnly: true }));
    models.set(name, m);
  }
  return m;
}
test.after.always(async () => {
  for (const m of models.values()) (await m).dispose();
});

function file(name: string, content: string): string {
  const path = join(tempDir('pl-sources-native-'), name);
  writeFileSync(path, content);
  return path;
}
const jsonl = (records: unknown[]): string => records.map((r) => JSON.stringify(r)).join('\n') + '\n';
const trained = (m: Model, e: TrainingExample): string => m.detokenize(e.tokens.filter((_, i) => e.weights[i]! > 0), { special: true });
const context = (m: Model, e: TrainingExample): string => m.detokenize(e.tokens.filter((_, i) => e.weights[i] === 0), { special: true });

test('llama-spm: Persian text packed into blocks that hold every line, EOS between documents', async (t) => {
  const m = await vocab('llama-spm');
  const lines = ['زبان فارسی زیباست', 'کتاب‌ها روی میز هستند', 'او هر روز به مدرسه می‌رود'];
  const r = await readTrainData(file('fa.txt', lines.join('\n') + '\n'), { tokenizer: modelTokenizer(m), seqLen: 24, seed: 1 });
  t.true(r.examples.every((e) => e.tokens.length === 24 && e.weights[0] === 0));
  const all = Uint32Array.from(r.examples.flatMap((e) => [...e.tokens]));
  const docs: string[] = [];
  let start = 0;
  for (let i = 0; i < all.length; i++) {
    if (all[i] !== m.info.eos) continue;
    if (i === start) continue; // padding
    t.is(all[start], m.info.bos, 'each document starts with BOS');
    docs.push(m.detokenize(all.subarray(start + 1, i)));
    start = i + 1;
  }
  t.deepEqual(docs, lines);
  t.is(r.stats.records, 3);
  t.is(r.stats.tokens, 24 * r.examples.length);
});

test('llama-spm: parallel pairs become bilingual documents and translation instructions with the loss on the translation', async (t) => {
  const m = await vocab('llama-spm');
  const pairs = [
    { en: 'Good morning', fa: 'صبح بخیر' },
    { en: 'The book is on the table', fa: 'کتاب روی میز است' },
    { en: 'Thank you', fa: 'سپاسگزارم' },
    { en: 'Water is life', fa: 'آب زندگی است' },
  ];
  const r = await readTrainData({ kind: 'parallel', path: file('parallel.jsonl', jsonl(pairs)), documents: 0.5 }, { tokenizer: modelTokenizer(m), seqLen: 256, seed: 5 });
  const blocks = r.examples.filter((e) => e.docBoundaries !== undefined);
  const instructions = r.examples.filter((e) => e.docBoundaries === undefined);
  t.is(instructions.length, 4, 'two pairs, both directions');
  const text = blocks.map((e) => m.detokenize(e.tokens.filter((id) => id !== m.info.eos && id !== m.info.bos))).join('\n');
  const inDocs = pairs.filter((p) => text.includes(p.en) && text.includes(p.fa));
  t.is(inDocs.length, 2, text);
  const rest = pairs.filter((p) => !inDocs.includes(p));
  t.deepEqual(instructions.map((e) => trained(m, e)), rest.flatMap((p) => [`${p.fa}</s>`, `${p.en}</s>`]));
  for (const e of instructions) t.regex(context(m, e), /^<s> Below is an instruction that describes a task, paired with an input/);
});

test('llama-spm: Alpaca records mask the prompt; chat records need a chat template, or template alpaca', async (t) => {
  const m = await vocab('llama-spm');
  const tokenizer = modelTokenizer(m);
  const alpaca = file('sft.jsonl', jsonl([{ instruction: 'پایتخت ایران کجاست؟', output: 'تهران' }]));
  const [e] = (await readTrainData({ kind: 'instructions', path: alpaca }, { tokenizer, seqLen: 512, seed: 0 })).examples;
  t.is(trained(m, e!), 'تهران</s>');
  t.true(context(m, e!).endsWith('### Instruction:\nپایتخت ایران کجاست؟\n\n### Response:\n'));
  const chat = file('chat.jsonl', jsonl([{ messages: [{ role: 'user', content: 'سلام' }, { role: 'assistant', content: 'درود' }] }]));
  await t.throwsAsync(readTrainData({ kind: 'instructions', path: chat }, { tokenizer, seqLen: 512, seed: 0 }), { code: 'ERR_INVALID_OPTION', message: `${chat} line 1: this is a chat record, but the model has no chat template (no tokenizer.chat_template in its GGUF), so it cannot be rendered the way the model expects; set template: "alpaca" to render chat records with the Alpaca template, or train a model that has a chat template` });
  const [c] = (await readTrainData({ kind: 'instructions', path: chat, template: 'alpaca' }, { tokenizer, seqLen: 512, seed: 0 })).examples;
  t.is(trained(m, c!), 'درود</s>');
});

test('qwen2 (ChatML template): ShareGPT and messages records, only the assistant turns and their end-of-turn trained', async (t) => {
  const m = await vocab('qwen2');
  t.truthy(m.info.chatTemplate, 'the qwen2 vocabulary carries a chat template');
  const records = [
    { conversations: [{ from: 'human', value: 'سلام' }, { from: 'gpt', value: 'درود بر تو' }, { from: 'human', value: 'چطوری؟' }, { from: 'gpt', value: 'خوبم' }] },
    { messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello!' }] },
  ];
  const r = await readTrainData({ kind: 'instructions', path: file('chat.jsonl', jsonl(records)) }, { tokenizer: modelTokenizer(m), seqLen: 512, seed: 0 });
  t.is(r.examples.length, 2);
  t.is(trained(m, r.examples[0]!), 'درود بر تو<|im_end|>\nخوبم<|im_end|>\n');
  t.is(trained(m, r.examples[1]!), 'Hello!<|im_end|>\n');
  t.true(context(m, r.examples[1]!).startsWith('<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n'), context(m, r.examples[1]!));
  const imStart = m.tokenize('<|im_start|>', { addBos: false, special: true });
  t.is(imStart.length, 1, 'special tokens are parsed');
  t.true(r.examples[0]!.tokens.includes(imStart[0]!));
  t.true(r.examples.every((e) => e.tokens.every((id, i) => e.weights[i] === 0 || id !== imStart[0])), '<|im_start|> is never trained');
});
