// Answer extraction: the gold written in many ways for every real record, and inline tables of tricky outputs.
import test from 'ava';
import { extractAnswer, type ExtractSettings } from '../../../../lib/eval/answers/extract.js';
import { parseItem, parseItems, type ParsedItem } from '../../../../lib/eval/answers/parse.js';
import { CLASSIFICATION_FILES, PAPER_DIR, readPaperRecords } from './paper-records.js';

for (const file of CLASSIFICATION_FILES) {
  test(`every label of every ${file} item is extracted back from typical outputs`, (t) => {
    const records = readPaperRecords(file);
    if (!records) {
      t.log(`skipped: ${PAPER_DIR}/${file}.json is absent`);
      t.pass();
      return;
    }
    for (const item of parseItems(records).items) {
      for (const label of item.labels) {
        const o = item.options?.find((x) => x.label === label);
        const outputs = [label, `Answer: ${label}`, `${label}\n\n### Instruction:\nA positive 0 negative`, ` **${label}**.`];
        if (o) outputs.push(`(${o.key}) ${o.text}`, `${o.key}) ${o.text}`, `The answer is ${o.key}.`, `گزینه ${o.key}`);
        const textIsUnique = o && item.options!.filter((p) => p.text === o.text).length === 1;
        if (o && textIsUnique && Array.from(o.text).length > 1) outputs.push(o.text);
        for (const output of outputs) {
          const got = extractAnswer(output, item);
          if (got.label !== label) t.fail(`${file} item ${item.index}: ${JSON.stringify(output)} gave ${got.label}, want ${label}`);
        }
      }
    }
    t.pass();
  });
}

const item = (instruction: string, input: string, gold: string): ParsedItem => {
  const r = parseItem(0, { instruction, input, output: gold });
  if (!r.ok) throw new Error(r.reason);
  return r;
};
const faMc = item('', 'پایتخت؟ <sep> (A) اوتاوا (B) تورانتو (C) بوستون (D) 2', 'A');
const enMc = item('', 'Fill.\\Question: Choose the right answer from options given a) nine b) six c) two d) four', 'c');
const optMc = item('', 'Q?\n\n Option A: 12500\n\n Option B: 18250\n\n Option C: 13250', 'Option C');
const faSent = item('اگر جمله نظر مثبتی بود عدد 0 واگر نظر منفی بود عدد 1 را در پاسخ بنویس.', 'x', '0');
const enSent = item('Sentiments can be Positive, Neutral and Negative.', 'x', 'Neutral');
const enEnt = item('Please answer with "Contradiction", "Neutral", or "Entailment".', 'x', 'Neutral');

const extracts = test.macro({
  exec(t, parsed: ParsedItem, output: string, expected: string | null, settings?: ExtractSettings) {
    t.is(extractAnswer(output, parsed, settings).label, expected);
  },
  title: (title, _p, output: string, expected: string | null) => title ?? `${JSON.stringify(output)} → ${expected}`,
});

test(extracts, faMc, 'A', 'A');
test(extracts, faMc, 'گزینه (B)', 'B');
test(extracts, faMc, 'پاسخ: ج', 'C');
test('Persian letter ب alone counts as the whole answer', extracts, faMc, 'ب', 'B');
test(extracts, faMc, 'پایتخت کانادا اوتاوا است.', 'A');
test(extracts, faMc, 'جواب گزینه ۴ نیست، بلکه (C) است', 'C');
test('an option whose text is a Persian digit', extracts, faMc, '۲', 'D');
test(extracts, faMc, 'نمی‌دانم', null);
test(extracts, enMc, 'c) two', 'c');
test(extracts, enMc, 'C', 'c');
test('the article "a" is not answer a', extracts, enMc, 'I think it is a hard question', null);
test(extracts, enMc, 'The answer is b', 'b');
test(extracts, enMc, 'two', 'c');
test(extracts, optMc, 'Option C: 13250', 'Option C');
test(extracts, optMc, 'option c', 'Option C');
test(extracts, optMc, 'The correct option is B.', 'Option B');
test(extracts, optMc, '18250', 'Option B');
test(extracts, optMc, 'C', 'Option C');
test(extracts, faSent, '0', '0');
test(extracts, faSent, '۱', '1');
test(extracts, faSent, '١', '1');
test(extracts, faSent, 'عدد 1', '1');
test(extracts, faSent, 'این نظر منفی است پس عدد ۱', '1');
test('aliases map words to numeric labels', extracts, faSent, 'نظر منفي', '1', { aliases: { منفی: '1', مثبت: '0' } });
test('aliases are matched in Arabic letter forms too', extracts, faSent, 'مثبت', '0', { aliases: { 'مثبت': '0' } });
test(extracts, faSent, 'مثبت', null);
test(extracts, enSent, 'NEGATIVE', 'Negative');
test(extracts, enSent, 'The sentiment is positive.', 'Positive');
test(extracts, enSent, 'Neutral. It has no clear positive view.', 'Neutral');
test(extracts, enEnt, '"Entailment"', 'Entailment');
test(extracts, enEnt, 'entailment\n### Response: Contradiction', 'Entailment');
test('firstLine scope ignores later lines', extracts, enEnt, '\nI am not sure.\nContradiction', null, { scope: 'firstLine' });
test('full scope finds a later line', extracts, enEnt, '\nI am not sure.\nContradiction', 'Contradiction');
test('task patterns win', extracts, enEnt, 'Neutral? no: FINAL=contradiction', 'Contradiction', { patterns: ['final=(\\w+)'] });
test('a pattern capturing a non-label falls through', extracts, enEnt, 'FINAL=maybe neutral', 'Neutral', { patterns: ['final=(\\w+)'] });

test('returns the method used', (t) => {
  t.deepEqual(extractAnswer('(B)', faMc), { label: 'B', method: 'whole' });
  t.deepEqual(extractAnswer('تورانتو', faMc), { label: 'B', method: 'option-text' });
  t.deepEqual(extractAnswer('it is Neutral', enSent), { label: 'Neutral', method: 'first-mention' });
});
