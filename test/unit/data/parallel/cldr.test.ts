// Tests for pairing CLDR JSON values by path, on small fixtures shaped like the cldr-*-full packages.
import test from 'ava';
import { cldrPairs, pairJsonByPath } from '../../../../lib/data/parallel/cldr.js';
import { PersianLoraError } from '../../../../lib/errors.js';

const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));

const enLanguages = { main: { en: { identity: { language: 'en' }, localeDisplayNames: { languages: { de: 'German', fa: 'Persian', xx: 'Only English' }, codePatterns: { language: 'Language: {0}' } } } } };
const faLanguages = { main: { fa: { identity: { language: 'fa' }, localeDisplayNames: { languages: { de: 'آلمانی', fa: 'فارسی', yy: 'فقط فارسی' }, codePatterns: { language: 'زبان: {0}' } } } } };
const enUnits = { main: { en: { units: { long: { 'length-meter': { displayName: 'meters', 'unitPattern-count-one': '{0} meter', 'unitPattern-count-other': '{0} meters' } } } } } };
const faUnits = { main: { fa: { units: { long: { 'length-meter': { displayName: 'متر', 'unitPattern-count-one': '{0} متر', 'unitPattern-count-other': '{0} متر' } } } } } };
const enDates = { main: { en: { dates: { calendars: { gregorian: { months: { format: { wide: { 1: 'January' } } }, dateFormats: { short: 'M/d/yy' }, dateSkeletons: { short: 'yyMd' } } } } } } };
const faDates = { main: { fa: { dates: { calendars: { gregorian: { months: { format: { wide: { 1: 'ژانویه' } } }, dateFormats: { short: 'y/M/d' }, dateSkeletons: { short: 'yMd' } } } } } } };
const enAnnotations = { annotations: { identity: { language: 'en' }, annotations: { '😀': { default: ['face', 'grin'], tts: ['grinning face'] }, '🐱': { tts: ['cat face'] } } } };
const faAnnotations = { annotations: { identity: { language: 'fa' }, annotations: { '😀': { default: ['خنده', 'صورت', 'نیش'], tts: ['صورت خندان'] }, '🐱': { tts: ['صورت گربه'] } } } };

test('pairs values at the same path across en and fa locale roots, skipping identity, patterns and skeletons', (t) => {
  const files = new Map([
    ['main/en/languages.json', json(enLanguages)], ['main/fa/languages.json', json(faLanguages)],
    ['main/en/units.json', json(enUnits)], ['main/fa/units.json', json(faUnits)],
    ['main/en/ca-gregorian.json', json(enDates)], ['main/fa/ca-gregorian.json', json(faDates)],
    ['annotations/en/annotations.json', json(enAnnotations)], ['annotations/fa/annotations.json', json(faAnnotations)],
    ['main/en/only-english.json', json({ main: { en: { x: 'y' } } })],
  ]);
  t.deepEqual(cldrPairs(files, 'fixture.tgz'), [
    { en: 'grinning face', fa: 'صورت خندان', path: 'annotations/annotations.json#annotations/annotations/😀/tts/0' },
    { en: 'cat face', fa: 'صورت گربه', path: 'annotations/annotations.json#annotations/annotations/🐱/tts/0' },
    { en: 'January', fa: 'ژانویه', path: 'main/ca-gregorian.json#dates/calendars/gregorian/months/format/wide/1' },
    { en: 'German', fa: 'آلمانی', path: 'main/languages.json#localeDisplayNames/languages/de' },
    { en: 'Persian', fa: 'فارسی', path: 'main/languages.json#localeDisplayNames/languages/fa' },
    { en: 'Language: {0}', fa: 'زبان: {0}', path: 'main/languages.json#localeDisplayNames/codePatterns/language' },
    { en: 'meters', fa: 'متر', path: 'main/units.json#units/long/length-meter/displayName' },
    { en: '{0} meter', fa: '{0} متر', path: 'main/units.json#units/long/length-meter/unitPattern-count-one' },
    { en: '{0} meters', fa: '{0} متر', path: 'main/units.json#units/long/length-meter/unitPattern-count-other' },
  ]);
});

test('arrays pair only when both sides hold one value; mismatched shapes pair nothing', (t) => {
  t.deepEqual(pairJsonByPath({ a: ['x'], b: ['x', 'y'], c: 'z', d: { e: 'f' } }, { a: ['ایکس'], b: ['ایکس', 'وای'], c: { z: 'زد' }, d: 'دی' }),
    [{ en: 'x', fa: 'ایکس', path: 'a/0' }]);
});

test('invalid JSON names the archive and the file', (t) => {
  const files = new Map([['main/en/x.json', Buffer.from('{')], ['main/fa/x.json', json({})]]);
  const error = t.throws(() => cldrPairs(files, 'cldr.tgz'), { instanceOf: PersianLoraError });
  t.is(error?.code, 'ERR_BAD_FORMAT');
  t.regex(error!.message, /^Invalid JSON in cldr\.tgz:main\/en\/x\.json: /);
});
