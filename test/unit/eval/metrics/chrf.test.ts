// chrF against sacreBLEU 2.6.0 (char order 6, word order 0, beta 2), corpus and sentence level, 1e-9 absolute.
import test from 'ava';
import { chrfFromStats, chrfStats, corpusChrf } from '../../../../lib/eval/metrics/chrf.js';
import { fixture } from './fixture.js';

for (const [name, set] of Object.entries(fixture.sets)) {
  test(`corpus chrF equals sacreBLEU on the ${name} set`, (t) => {
    const got = corpusChrf(set.hyps, set.refs);
    t.true(Math.abs(got - set.chrf) < 1e-9, `${got} vs ${set.chrf}`);
  });
  test(`sentence chrF equals sacreBLEU on the ${name} set`, (t) => {
    set.hyps.forEach((h, i) => {
      const got = chrfFromStats(chrfStats(h, set.refs[i]!));
      t.true(Math.abs(got - set.sentence_chrf[i]!) < 1e-9, `item ${i}: ${got} vs ${set.sentence_chrf[i]}`);
    });
  });
}

test('chrF counts code points, so an astral character is one n-gram', (t) => {
  t.deepEqual(chrfStats('😀', '😀').slice(0, 3), [1, 1, 1]);
});
