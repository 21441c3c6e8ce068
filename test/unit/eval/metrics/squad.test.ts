// Exact match and token F1 against the official SQuAD v1.1 functions (English), plus the Persian extensions.
import test from 'ava';
import { exactMatch, normalizeAnswer, tokenF1 } from '../../../../lib/eval/metrics/squad.js';
import { fixture } from './fixture.js';

test('EM and F1 equal the SQuAD reference on the fixture', (t) => {
  const { hyps, refs, exact_match, f1 } = fixture.squad;
  hyps.forEach((h, i) => {
    t.is(exactMatch(h, refs[i]!), exact_match[i]!, `EM item ${i}`);
    t.true(Math.abs(tokenF1(h, refs[i]!) - f1[i]!) < 1e-12, `F1 item ${i}`);
  });
});

const norm = test.macro((t, input: string, expected: string) => {
  t.is(normalizeAnswer(input), expected);
});
test('Arabic letter forms and digits unify', norm, 'كيفيت ٤٢ ۴۲', 'کیفیت 42 42');
test('Persian punctuation is removed', norm, 'سلام، دنیا؟', 'سلام دنیا');
test('articles are removed only as whole words', norm, 'The theme of an anthem', 'theme of anthem');

test('Persian token F1 counts shared words', (t) => {
  t.is(tokenF1('کیفیت غذا بد بود', 'کیفیت غذا افتضاح بود.'), 0.75);
});
