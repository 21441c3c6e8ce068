// Bilingual alignment data from translation pairs: bilingual documents, and translation instructions in both directions.
import { z } from 'zod';
import { parseOptions } from '../../config/validate.js';
import { createRng } from '../random.js';
import type { InstructionRecord } from './instruction.js';

/** One translation pair; for the English–Persian defaults `source` is English and `target` Persian. */
export interface TextPair {
  source: string;
  target: string;
}

export const bilingualDocumentOptionsSchema = z.strictObject({
  /**
   * Order of the two sides inside each pair: `random` (seeded), `alternate`, `source-first`, `target-first`, or
   * `both` (every pair twice, once in each order, in separate documents).
   */
  order: z.enum(['random', 'alternate', 'source-first', 'target-first', 'both']).default('random'),
  /** Pairs per document. */
  pairsPerDocument: z.number().int().positive().default(1),
  /** Between the two sides of a pair, and between pairs in a document. */
  sideSeparator: z.string().default('\n'),
  pairSeparator: z.string().default('\n\n'),
  seed: z.number().int().default(0),
});
export type BilingualDocumentOptions = z.input<typeof bilingualDocumentOptionsSchema>;

/** Documents with both languages side by side, for packing with packDocuments. */
export async function* bilingualDocuments(pairs: AsyncIterable<TextPair> | Iterable<TextPair>, options: BilingualDocumentOptions = {}): AsyncGenerator<string> {
  const o = parseOptions(bilingualDocumentOptionsSchema, options, 'bilingualDocuments options');
  const rng = createRng(o.seed);
  const render = (pair: TextPair, sourceFirst: boolean): string => (sourceFirst ? pair.source + o.sideSeparator + pair.target : pair.target + o.sideSeparator + pair.source);
  const orders = o.order === 'both' ? [true, false] : [true];
  const groups = orders.map(() => [] as string[]);
  let index = 0;
  for await (const pair of pairs) {
    const sourceFirst = o.order === 'random' ? rng.next() < 0.5 : o.order === 'alternate' ? index % 2 === 0 : o.order !== 'target-first';
    orders.forEach((first, k) => groups[k]!.push(render(pair, o.order === 'both' ? first : sourceFirst)));
    index++;
    if (groups[0]!.length === o.pairsPerDocument) {
      for (const group of groups) yield group.splice(0).join(o.pairSeparator);
    }
  }
  if (groups[0]!.length > 0) for (const group of groups) yield group.join(o.pairSeparator);
}

export const DEFAULT_TRANSLATION_TEMPLATES = {
  forward: ['Translate the following English text into Persian.', 'متن انگلیسی زیر را به فارسی ترجمه کن.'],
  backward: ['Translate the following Persian text into English.', 'متن فارسی زیر را به انگلیسی ترجمه کن.'],
} as const;

export const translationInstructionOptionsSchema = z.strictObject({
  /** `forward`: source → target; `backward`: target → source; `both`: one record of each per pair. */
  directions: z.enum(['both', 'forward', 'backward']).default('both'),
  /** Instruction wordings per direction; one is drawn per record (seeded). Defaults: English → Persian, in English and in Persian. */
  templates: z
    .strictObject({ forward: z.array(z.string().min(1)).min(1), backward: z.array(z.string().min(1)).min(1) })
    .default({ forward: [...DEFAULT_TRANSLATION_TEMPLATES.forward], backward: [...DEFAULT_TRANSLATION_TEMPLATES.backward] }),
  seed: z.number().int().default(0),
});
export type TranslationInstructionOptions = z.input<typeof translationInstructionOptionsSchema>;

/** Translation instructions (Alpaca records: the text to translate is the input, its translation the output). */
export async function* translationInstructions(pairs: AsyncIterable<TextPair> | Iterable<TextPair>, options: TranslationInstructionOptions = {}): AsyncGenerator<InstructionRecord> {
  const o = parseOptions(translationInstructionOptionsSchema, options, 'translationInstructions options');
  const rng = createRng(o.seed);
  const pick = (list: string[]): string => list[rng.int(list.length)]!;
  for await (const pair of pairs) {
    if (o.directions !== 'backward') yield { instruction: pick(o.templates.forward), input: pair.source, output: pair.target };
    if (o.directions !== 'forward') yield { instruction: pick(o.templates.backward), input: pair.target, output: pair.source };
  }
}
