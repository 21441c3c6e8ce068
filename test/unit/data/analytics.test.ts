import test from 'ava';
import { detectLanguage, tokenizerStats } from '../../../lib/data/analytics.js';
import type { Tokenizer } from '../../../lib/data/tokenizer.js';

// Whole ASCII words are one token each; any other character becomes its UTF-8 bytes (ids 3..258, byte fallback);
// the character '?' is the unknown token (id 0). Counts below are worked out by hand from that rule.
const tokenizer: Tokenizer = {
  bos: 1,
  eos: 2,
  tokenize(text) {
    const ids: number[] = [];
    for (const piece of text.match(/[A-Za-z]+|\S/g) ?? []) {
      if (/^[A-Za-z]+$/.test(piece)) ids.push(1000 + piece.length);
      else if (piece === '?') ids.push(0);
      else for (const byte of Buffer.from(piece, 'utf8')) ids.push(3 + byte);
    }
    return Uint32Array.from(ids);
  },
};
const opts = { isByteToken: (id: number) => id >= 3 && id < 259, isUnknown: (id: number) => id === 0 };

test('per-language fertility, characters per token, byte-fallback and unknown rates', async (t) => {
  const stats = await tokenizerStats(['hello big world', 'سلام دنیا', 'is it ?', 'کتاب'], tokenizer, opts);
  // en: 6 words; tokens 3 + 3 (is, it, ?) = 6; chars 15 + 7 = 22; 1 unknown.
  t.deepEqual(stats.en, { texts: 2, words: 6, chars: 22, tokens: 6, byteTokens: 0, unknownTokens: 1, fertility: 1, charsPerToken: 22 / 6, byteFallbackRate: 0, unknownRate: 1 / 6 });
  // fa: 3 words; 12 Persian letters → 24 byte tokens; chars 9 + 4 = 13.
  t.deepEqual(stats.fa, { texts: 2, words: 3, chars: 13, tokens: 24, byteTokens: 24, unknownTokens: 0, fertility: 8, charsPerToken: 13 / 24, byteFallbackRate: 1, unknownRate: 0 });
});

test('language given or decided by a function; no predicates means zero rates', async (t) => {
  const fixed = await tokenizerStats(['hello world', 'سلام'], tokenizer, { language: 'mixed' });
  t.deepEqual(Object.keys(fixed), ['mixed']);
  t.is(fixed.mixed!.byteFallbackRate, 0);
  const byLength = await tokenizerStats(['a', 'bb b'], tokenizer, { language: (text) => (text.length > 1 ? 'long' : 'short') });
  t.deepEqual(Object.keys(byLength).sort(), ['long', 'short']);
  t.is(byLength.long!.fertility, 1);
});

test('language detection by script ratio', (t) => {
  t.is(detectLanguage('این یک جمله فارسی با word است'), 'fa');
  t.is(detectLanguage('An English sentence with one واژه'), 'en');
  t.is(detectLanguage('Привет', { other: 'ru' }), 'ru');
});
