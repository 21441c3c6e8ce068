// Wave planning of batched generation: sequences and KV cells per wave, prompts kept in order.
import test from 'ava';
import { checkPromptFits, planWaves } from '../../lib/batch-generation.js';

const p = (...tokens: number[]) => Uint32Array.from(tokens);

const cases: [string, Uint32Array[], number[], number, number, number[][]][] = [
  ['at most `sequences` per wave', [p(1, 2), p(1, 3), p(1, 4), p(1, 5), p(1, 6)], [4, 4, 4, 4, 4], 2, 1000, [[0, 1], [2, 3], [4]]],
  // shared prefix 1 + 3 × (1 + 9) = 31 ≤ 31; a fourth would need 41
  ['cells: prefix once, each rest plus maxTokens − 1', [p(1, 2), p(1, 3), p(1, 4), p(1, 5)], [10, 10, 10, 10], 8, 31, [[0, 1, 2], [3]]],
  // no common prefix: 3 + 3 + 5 + 5 = 16 > 15
  ['without a common prefix every prompt counts whole', [p(1, 2, 3), p(4, 5, 6)], [6, 6], 8, 15, [[0], [1]]],
  // the shared prefix never covers a whole prompt: p(7,8) keeps its last token
  ['the prefix leaves each prompt a token of its own', [p(7, 8, 9), p(7, 8)], [1, 1], 8, 4, [[0, 1]]],
  ['an item too big alone forms its own wave', [p(1, 2), p(1, 2, 3, 4, 5, 6, 7, 8, 9), p(1, 3)], [2, 50, 2], 8, 20, [[0], [1], [2]]],
];

for (const [name, prompts, maxTokens, sequences, contextSize, waves] of cases) {
  test(`planWaves: ${name}`, (t) => {
    t.deepEqual(planWaves(prompts, maxTokens, sequences, contextSize), waves);
  });
}

test('checkPromptFits names the prompt and both sizes', (t) => {
  t.notThrows(() => checkPromptFits(p(1, 2, 3), 4, 'x'));
  t.throws(() => checkPromptFits(p(1, 2, 3, 4), 4, 'prompts[2]'), { message: 'prompts[2] plus one generated token needs 5 tokens but the context holds 4' });
});
