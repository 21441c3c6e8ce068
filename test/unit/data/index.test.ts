import test from 'ava';
import * as data from '../../../lib/data/index.js';

test('the barrel exposes one entry point per stage', (t) => {
  for (const name of ['readText', 'readJson', 'readCsv', 'readParquet', 'downloadHubDataset', 'createNormalizer', 'cleanTexts', 'NearDuplicateIndex', 'packDocuments', 'bilingualDocuments', 'translationInstructions', 'instructionExamples', 'chatExamples', 'tokenizerStats']) {
    t.is(typeof (data as Record<string, unknown>)[name], 'function', name);
  }
});
