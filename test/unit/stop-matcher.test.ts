// Stop strings in streamed text, split across chunks at every position.
import test from 'ava';
import { StopMatcher, feedTokens } from '../../lib/stop-matcher.js';

function run(stops: string[], chunks: string[]): { text: string; done: boolean } {
  const m = new StopMatcher(stops);
  let text = '';
  for (const c of chunks) {
    const r = m.push(c);
    text += r.emit;
    if (r.done) return { text, done: true };
  }
  return { text: text + m.flush(), done: false };
}

test('no stop strings pass everything through', (t) => {
  t.deepEqual(run([], ['ab', 'c']), { text: 'abc', done: false });
});

test('a stop string split at every position is found', (t) => {
  const full = 'Answer: positive\n### Instruction';
  for (let i = 0; i <= full.length; i++) {
    t.deepEqual(run(['###'], [full.slice(0, i), full.slice(i)]), { text: 'Answer: positive\n', done: true }, `split at ${i}`);
  }
});

test('the earliest of several stops wins; a partial match at the end is released', (t) => {
  t.deepEqual(run(['\n', 'END'], ['a END b\n']), { text: 'a ', done: true });
  t.deepEqual(run(['###'], ['text #', '#']), { text: 'text ##', done: false });
  t.deepEqual(run(['پایان'], ['سلام پا', 'یان دنیا']), { text: 'سلام ', done: true });
});

test('feedTokens keeps the tokens up to the one that completes a stop string', (t) => {
  const pieces = ['ab', 'cd', 'ef', 'gh'].map((p) => new TextEncoder().encode(p));
  const piece = (tok: number) => pieces[tok]!;
  const tokens = Uint32Array.of(0, 1, 2, 3);
  const stopped = feedTokens(new StopMatcher(['de']), new TextDecoder(), piece, tokens);
  t.deepEqual([...stopped.taken], [0, 1, 2]);
  t.is(stopped.emit, 'abc');
  t.true(stopped.done);
  const free = feedTokens(new StopMatcher([]), new TextDecoder(), piece, tokens);
  t.deepEqual([...free.taken], [0, 1, 2, 3]);
  t.is(free.emit, 'abcdefgh');
  t.false(free.done);
});

test('feedTokens decodes a character split across tokens once it is whole', (t) => {
  const bytes = new TextEncoder().encode('سلام');  // 8 bytes, one token each
  const r = feedTokens(new StopMatcher(['لا']), new TextDecoder(), (tok) => bytes.subarray(tok, tok + 1), Uint32Array.from(bytes.keys()));
  t.deepEqual([...r.taken], [0, 1, 2, 3, 4, 5]);
  t.is(r.emit, 'س');
  t.true(r.done);
});
