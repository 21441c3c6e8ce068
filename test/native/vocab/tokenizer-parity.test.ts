// The TypeScript tokenizers (lib/vocab) against llama.cpp's own, through the addon: every vocabulary `vocab extend`
// handles, on hand-picked and seeded random text (Persian, digits, punctuation, whitespace runs), before and after an
// extension. The planner's fertility and reachability checks rest on this equality.
import test from 'ava';
import { createRng } from '../../../lib/data/random.js';
import { loadModel } from '../../../lib/model.js';
import { BpeTokenizer } from '../../../lib/vocab/bpe-tokenizer.js';
import { extendedVocab, planExtension } from '../../../lib/vocab/extend-plan.js';
import { writeExtendedGguf } from '../../../lib/vocab/extend-gguf.js';
import { SpmTokenizer } from '../../../lib/vocab/spm-tokenizer.js';
import { readVocab, type Vocab } from '../../../lib/vocab/vocab.js';
import { scratchPath } from '../helpers.js';
import { vocabFile } from '../../helpers/llama-vocab.js';
import { HELD_OUT_FA, TRAIN_FA } from './fixtures.js';

const HAND_PICKED = [
  ...TRAIN_FA, ...HELD_OUT_FA,
  'سال ۱۴۰۲، ساعت ۱۰:۳۰ — قیمت 12345678 ریال (۲۵٪ تخفیف)!',
  'کتاب‌ها و می‌خواهم؛ «نقل قول» و ؟ ، ٫ ٬',
  'عَرَبیّ مُشَکَّل با اعرابِ کامل ـــ کشیده',
  '  دو فاصله   سه فاصله\t\tتب\n\nدو خط\r\nپایان  ',
  "I'LL say it's 3.14159 and we're done... 2024-12-06T14:00Z",
  'Mixed: سلام world! 42 دنیا🚀 emoji 👍🏽 and URL https://example.org/a?b=1',
  '\n \n\n \t\u00a0\u2003\u3000 ideographic space, NBSP',
  '0000000000 ۰۰۰ ٠١٢٣ 1,234,567.89',
  '',
];

/** Seeded random strings from a pool that stresses the pre-tokenizers (letters, digits, marks, spaces, punctuation). */
function randomTexts(count: number, seed: number): string[] {
  const pool = [...'abcXYZ سلامدنیاکتابژپچگ', ...'0123456789۰۱۲۳۴۵۶۷۸۹', ...'  \t\n\r\u00a0\u200c\u200d', ...'.,!?;:\'"-()[]«»،؛؟٪', ...'َُِّْ', '🚀', '👍🏽', 'é', 'ß'];
  const rng = createRng(seed);
  return Array.from({ length: count }, () => Array.from({ length: 1 + rng.int(40) }, () => pool[rng.int(pool.length)]!).join(''));
}

type Tok = { tokenize(text: string, o?: { addSpecial?: boolean }): number[] };
const tokenizerOf = (v: Vocab): Tok => (v.model === 'llama' ? new SpmTokenizer(v) : new BpeTokenizer(v));

async function compare(t: import('ava').ExecutionContext, file: string, vocab: Vocab, texts: readonly string[]): Promise<void> {
  const model = await loadModel(file, { vocabOnly: true });
  try {
    const ts = tokenizerOf(vocab);
    let tokens = 0;
    for (const text of texts) {
      for (const addSpecial of [false, true]) {
        const want = Array.from(model.tokenize(text, { addBos: addSpecial, special: false }));
        const got = ts.tokenize(text, { addSpecial });
        tokens += want.length;
        if (JSON.stringify(got) !== JSON.stringify(want)) {
          t.deepEqual(got, want, `${JSON.stringify(text)} (addSpecial ${addSpecial})`);
          return;
        }
      }
    }
    t.log(`${texts.length} texts, ${tokens} tokens: identical`);
    t.pass();
  } finally {
    model.dispose();
  }
}

const TEXTS = [...HAND_PICKED, ...randomTexts(300, 16)];

for (const name of ['llama-spm', 'llama-bpe', 'qwen2', 'qwen35', 'phi-3']) {
  test(`${name}: the TypeScript tokenizer equals llama.cpp's on varied text`, async (t) => {
    const file = vocabFile(`ggml-vocab-${name}.gguf`);
    if (!file) return t.pass(`no ${name} vocabulary in the vendored tree`);
    await compare(t, file, readVocab(file), TEXTS);
  });
}

for (const [name, pieces] of [['llama-bpe', 60], ['qwen2', 60], ['qwen35', 60], ['llama-spm', 150]] as const) {
  test(`${name} extended by ${pieces} pieces: the TypeScript tokenizer of the extended vocabulary equals llama.cpp's on the written file`, async (t) => {
    const file = vocabFile(`ggml-vocab-${name}.gguf`);
    if (!file) return t.pass(`no ${name} vocabulary in the vendored tree`);
    const base = readVocab(file);
    const plan = await planExtension(base, TRAIN_FA, { newPieces: pieces, minCount: 1 });
    t.deepEqual(plan.unreachable, []);
    const out = scratchPath(`parity-ext-${name}.gguf`);
    await writeExtendedGguf(file, plan, out);
    await compare(t, out, extendedVocab(base, plan), TEXTS);
  });
}
