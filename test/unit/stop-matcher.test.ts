// Stop strings in streamed text, split across chunks at every position.
import test from 'ava';
import { StopMatcher } from '../../lib/stop-matcher.js';

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
