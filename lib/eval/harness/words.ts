// lm-evaluation-harness's word count of a loglikelihood_rolling document, which its word_perplexity divides by.

/** What Python's `\s` matches in a str pattern (the characters whose `str.isspace()` is true). */
const PYTHON_WHITESPACE = /[\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/u;

/**
 * `len(re.split(r"\s+", text))` (lm_eval's `count_words`): an empty piece at either end counts, so a text with leading
 * or trailing whitespace (wikitext's pages) has one or two more words than its whitespace-separated words.
 */
export function harnessWordCount(text: string): number {
  return text.split(PYTHON_WHITESPACE).length;
}
