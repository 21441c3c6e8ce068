// Label-set and option inference on every record of the study's classification sets, and on inline edge cases.
import test from 'ava';
import { parseItem, parseItems, type ParsedItem } from '../../../../lib/eval/answers/parse.js';
import { CLASSIFICATION_FILES, PAPER_DIR, readPaperRecords } from './paper-records.js';

/** What each real file must parse to: label sets (with counts) and the items that carry notes. */
const EXPECTED: Record<(typeof CLASSIFICATION_FILES)[number], { sets: Record<string, number>; noted: number[] }> = {
  'fa/sentiment': { sets: { '0|1': 100 }, noted: [] },
  'fa/entailment': { sets: { '0|1|2': 200 }, noted: [] },
  'fa/multiple_choice': { sets: { 'A|B|C|D': 195, 'A|B|C': 4, 'A|B': 1 }, noted: [44, 96, 100, 186, 193, 199] },
  'en/sentiment': { sets: { 'positive|negative': 76, 'Positive|Neutral|Negative': 124 }, noted: [] },
  'en/entailment': { sets: { 'Contradiction|Neutral|Entailment': 200 }, noted: [] },
  'en/multiple_choice': { sets: { 'a|b|c|d': 100, 'Option A|Option B|Option C|Option D|Option E': 100 }, noted: [113, 117] },
};

for (const file of CLASSIFICATION_FILES) {
  test(`every record of ${file} parses to its label set`, (t) => {
    const records = readPaperRecords(file);
    if (!records) {
      t.log(`skipped: ${PAPER_DIR}/${file}.json is absent`);
      t.pass();
      return;
    }
    const { items, failures } = parseItems(records);
    t.deepEqual(failures, []);
    const sets: Record<string, number> = {};
    for (const item of items) sets[item.labels.join('|')] = (sets[item.labels.join('|')] ?? 0) + 1;
    t.deepEqual(sets, EXPECTED[file].sets);
    t.deepEqual(items.filter((i) => i.notes.length > 0).map((i) => i.index), EXPECTED[file].noted);
    for (const item of items) {
      t.true(item.labels.includes(item.gold));
      // the gold is the record's own output, up to the `Option` prefix and digit/letter forms
      t.true(item.gold === records[item.index]!.output.trim() || item.gold.endsWith(records[item.index]!.output.trim()));
      if (item.options) t.is(item.options.length, item.labels.length);
    }
  });
}

const rec = (instruction: string, input: string, output: string) => ({ instruction, input, output });
const ok = test.macro((t, record: ReturnType<typeof rec>, labels: string[], gold: string, texts?: string[]) => {
  const r = parseItem(0, record);
  if (!r.ok) return t.fail(r.reason);
  t.deepEqual(r.labels, labels);
  t.is(r.gold, gold);
  if (texts) t.deepEqual((r as ParsedItem).options?.map((o) => o.text), texts);
});
const fails = test.macro((t, record: ReturnType<typeof rec>, reason: RegExp) => {
  const r = parseItem(3, record);
  t.false(r.ok);
  if (!r.ok) {
    t.is(r.index, 3);
    t.regex(r.reason, reason);
  }
});

test('(A) options after <sep>, (ع) inside text is no marker', ok, rec('', 'سوال؟ <sep> (A) ثامن‌الائمه (ع) (B) بیت‌المقدس', 'A'), ['A', 'B'], 'A', ['ثامن‌الائمه (ع)', 'بیت‌المقدس']);
test('a) options inline', ok, rec('', 'Fill ____.\\Question: Choose a) nine b) six c) two', 'c'), ['a', 'b', 'c'], 'c', ['nine', 'six', 'two']);
test('Option A: lines keep the Option prefix in labels', ok, rec('', 'Q?\n\n Option A: 12\n\n Option B: 18', 'Option B'), ['Option A', 'Option B'], 'Option B');
test('bare gold with Option-style options', ok, rec('', 'Q?\n Option A: 12\n Option B: 18', 'b'), ['A', 'B'], 'B');
test('A. lines', ok, rec('', 'Which?\nA. red\nB. blue\nC. green', 'C'), ['A', 'B', 'C'], 'C', ['red', 'blue', 'green']);
test('Persian option letters', ok, rec('', 'کدام؟ الف) تهران ب) شیراز ج) تبریز', 'ب'), ['الف', 'ب', 'ج'], 'ب');
test('(A) (B) (D): a letter left out between options', ok, rec('', 'Q? <sep> (A) one (B) two (D) four', 'D'), ['A', 'B', 'D'], 'D', ['one', 'two', 'four']);
test('a) b) d) lines with a gap, Option-style gold', ok, rec('', 'Q?\n Option A: 12\n Option B: 18\n Option D: 30', 'Option D'), ['Option A', 'Option B', 'Option D'], 'Option D');
test('a gap is noted; two letters left out end the options', (t) => {
  const r = parseItem(0, rec('', 'Q? <sep> (A) one (B) two (D) four (G) seven', 'B'));
  if (!r.ok) return t.fail(r.reason);
  t.deepEqual(r.labels, ['A', 'B', 'D']);
  t.deepEqual(r.options?.map((o) => o.text), ['one', 'two', 'four (G) seven']);
  t.deepEqual(r.notes, ['no option C between the others']);
});
test('quoted labels', ok, rec('Answer with "Yes" or "No".', 'text', 'no'), ['Yes', 'No'], 'No');
test('guillemet-quoted Persian labels', ok, rec('پاسخ را با «مثبت»، «منفی» یا «خنثی» بنویس.', 'متن', 'منفی'), ['مثبت', 'منفی', 'خنثی'], 'منفی');
test('numbered cues with Persian digits', ok, rec('اگر مثبت بود عدد ۰ و اگر منفی بود عدد ۱ را بنویس', 'متن', '1'), ['0', '1'], '1');
test('word enumeration with glosses', ok, rec('Classify as positive (happy) or negative (sad).', 'x', 'negative'), ['positive', 'negative'], 'negative');
test('task labels override inference', (t) => {
  const r = parseItem(0, rec('no labels here', 'x', 'spam'), ['ham', 'spam']);
  t.true(r.ok && r.gold === 'spam' && r.source === 'task');
});

test('empty gold fails', fails, rec('"a" or "b"', 'x', ' '), /empty/);
test('gold outside the options fails', fails, rec('', '<sep> (A) x (B) y', 'C'), /names no option/);
test('gold naming a blank option fails', fails, rec('', '<sep> (A) x (B) y (C) ', 'C'), /blank/);
test('gold that is not a key fails with options present', fails, rec('', '<sep> (A) x (B) y', 'xyz'), /not an option key/);
test('gold missing from the instruction labels fails', fails, rec('Answer "Yes" or "No".', 'x', 'Maybe'), /no options in the input and no label list/);
test('no labels at all fails', fails, rec('Summarise the text.', 'x', 'A summary'), /no label list/);
