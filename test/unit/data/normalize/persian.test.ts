import test from 'ava';
import { createNormalizer, normalizePersian, normalizeStream, type NormalizeOptions } from '../../../../lib/data/normalize/persian.js';

type Row = [input: string, expected: string, options?: NormalizeOptions];

const tables: Record<string, Row[]> = {
  'Arabic letter forms': [
    ['علي به كتابخانه رفت', 'علی به کتابخانه رفت'],
    ['مدرسة ما بزرگ است', 'مدرسه ما بزرگ است'],
    ['مصطفى و يحيى آمدند', 'مصطفی و یحیی آمدند'],
    ['ھمه چیز خوب است', 'همه چیز خوب است'],
    ['علي', 'علي', { arabicLetters: false }],
  ],
  'heh with yeh (ۀ)': [
    ['خانۀ ما در تهران است', 'خانه\u0654 ما در تهران است'],
    ['خانۀ ما', 'خانه\u200cی ما', { hehYeh: 'heh-zwnj-yeh' }],
    ['خانۀ ما', 'خانه ما', { hehYeh: 'heh' }],
    ['خانۀ ما', 'خانۀ ما', { hehYeh: 'keep' }],
    ['نامه\u0654 او رسید', 'نامه\u0654 او رسید'],
  ],
  'presentation forms': [
    ['\uFEB3\uFEFC\uFEE1 دوست من', 'سلام دوست من'],
    ['\uFEE3\uFEF4\uFEAE\uFEED\uFEE3', 'میروم'],
  ],
  digits: [
    ['سال ۱۴۰۲ و ٣٫۵ درصد', 'سال 1402 و 3.5 درصد'],
    ['قیمت ۱۲٬۰۰۰ تومان', 'قیمت 12,000 تومان'],
    ['سال 1402 و ٣ نفر', 'سال ۱۴۰۲ و ۳ نفر', { digits: 'persian' }],
    ['کلید F12 و نسخه 3 از COVID-19 در www.site2.com', 'کلید F12 و نسخه ۳ از COVID-19 در www.site2.com', { digits: 'persian' }],
    ['سال ۱۴۰۲ و ٣ نفر', 'سال ۱۴۰۲ و ٣ نفر', { digits: 'keep' }],
  ],
  'tatweel and diacritics': [
    ['كـــتـــاب خوبـی است', 'کتاب خوبی است'],
    ['مُحَمَّد به مدرسه رفت', 'محمد به مدرسه رفت'],
    ['حتماً می‌آیم', 'حتما می‌آیم'],
    ['موسیٰ آمد', 'موسی آمد'],
    ['مسئله و هیئت', 'مسئله و هیئت'],
    ['مُحَمَّد', 'مُحَمَّد', { diacritics: false }],
    ['كـتاب', 'کـتاب', { tatweel: false }],
  ],
  'control and bidi characters': [
    ['\u202Bمتن راست\u200Fچین\u202C', 'متن راستچین'],
    ['\u2067سلام\u2069 world\u200E!', 'سلام world!'],
    ['\uFEFFآغاز\u200Bمتن', 'آغازمتن'],
    ['a\u0007b\u0085c', 'abc'],
    ['\u200Eسلام', '\u200Eسلام', { controlChars: false }],
  ],
  'zero-width non-joiner': [
    ['کتاب\u200c\u200c\u200cها', 'کتاب‌ها'],
    ['می \u200c روم', 'می‌روم'],
    ['\u200cسلام دوست\u200c', 'سلام دوست'],
    ['نامه \u200cها رسید', 'نامه‌ها رسید'],
    ['خانه\u200c.', 'خانه.'],
    ['کتاب\u200c\u200cها', 'کتاب\u200c\u200cها', { zwnj: false, affixes: false }],
  ],
  affixes: [
    ['ما مي رويم و آنها نمي آيند', 'ما می‌رویم و آنها نمی‌آیند'],
    ['کتاب ها و دفتر های من', 'کتاب‌ها و دفتر‌های من'],
    ['این بزرگ ترین و بهتر است؛ آن بزرگ تر است', 'این بزرگ‌ترین و بهتر است؛ آن بزرگ‌تر است'],
    ['این خانه ای است که دیده ام', 'این خانه‌ای است که دیده‌ام'],
    ['آنها رفته اند و صندلی ای نیاوردند', 'آنها رفته‌اند و صندلی‌ای نیاوردند'],
    ['دوستان هایشان', 'دوستان‌هایشان'],
    ['میز و میوه', 'میز و میوه'],
    ['که ای کاش', 'که ای کاش'],
    ['هامون و ترانه', 'هامون و ترانه'],
    ['می روم', 'می روم', { affixes: false }],
  ],
  punctuation: [
    ['او گفت "سلام" و رفت', 'او گفت «سلام» و رفت'],
    ['کتاب “جنگ و صلح” را خواندم', 'کتاب «جنگ و صلح» را خواندم'],
    ['سلام, خوبی? من خوبم; تو چطور', 'سلام، خوبی؟ من خوبم؛ تو چطور'],
    ['He said "hello", then left?', 'He said "hello", then left?'],
    ['عدد 1,000 است', 'عدد 1,000 است'],
    ['سلام, خوبی', 'سلام, خوبی', { punctuation: false }],
  ],
  spacing: [
    ['علی به خانه رفت ، سپس خوابید .', 'علی به خانه رفت، سپس خوابید.'],
    ['رفت،بعد برگشت ؟', 'رفت، بعد برگشت؟'],
    ['او گفت«  نقل قول  »را', 'او گفت «نقل قول» را'],
    ['کتاب ( جلد دوم ) را خرید', 'کتاب (جلد دوم) را خرید'],
    ['تمام شد.شروع کن!بله', 'تمام شد. شروع کن! بله'],
    ['عدد 3.5 و نشانی example.com', 'عدد 3.5 و نشانی example.com'],
    ['از .NET استفاده کن', 'از .NET استفاده کن'],
    ['رفت ، بعد', 'رفت ، بعد', { spacing: false }],
  ],
  whitespace: [
    ['  سلام   دنیا\t\tو\u00A0دوستان  ', 'سلام دنیا و دوستان'],
    ['خط اول  \r\n  خط دوم\n\n\n\nخط سوم', 'خط اول\nخط دوم\n\nخط سوم'],
    ['  a  b  ', '  a  b  ', { whitespace: false }],
  ],
  'Unicode NFC': [
    ['ا\u0653ب و ي\u0654', 'آب و ئ'],
    ['ا\u0653ب', 'ا\u0653ب', { nfc: false }],
  ],
  'realistic sentences': [
    ['همه چي عالي مثل هميشه ، حرف نداريد ممنون !', 'همه چی عالی مثل همیشه، حرف ندارید ممنون!'],
    ['به گزارش خبرنگار بازار ، شاخص بورس تهران با صعود ۱٬۲۹۵ واحدي به ۱۵۰٫۵ هزار رسيد .', 'به گزارش خبرنگار بازار، شاخص بورس تهران با صعود 1,295 واحدی به 150.5 هزار رسید.'],
    ['دانشجويان مي خواهند کتاب هاي تازه اي بخوانند', 'دانشجویان می‌خواهند کتاب‌های تازه‌ای بخوانند'],
    ['اون مرده ، دكتر مراقبش فكر ميكنه', 'اون مرده، دکتر مراقبش فکر میکنه'],
  ],
};

const defaultNormalizer = createNormalizer();
for (const [rule, rows] of Object.entries(tables)) {
  rows.forEach(([input, expected, options], i) => {
    test(`${rule} #${i + 1}${options ? ` ${JSON.stringify(options)}` : ''}`, (t) => {
      const out = options ? normalizePersian(input, options) : defaultNormalizer(input);
      t.is(out, expected);
      if (!options || options.nfc !== false) t.is(out, out.normalize('NFC'), 'output is NFC');
      if (!options) t.is(defaultNormalizer(out), out, 'idempotent');
    });
  });
}

test('all rules off leaves text unchanged', (t) => {
  const off = { arabicLetters: false, hehYeh: 'keep', presentationForms: false, digits: 'keep', tatweel: false, diacritics: false, controlChars: false, zwnj: false, affixes: false, punctuation: false, spacing: false, whitespace: false, nfc: false } as const;
  const text = ' علي\u200c\u200c كـتاب ۱۲ ٣ \u202Bمُحَمَّد\u202C , "نقل" ۀ ﻡ\r\n';
  t.is(normalizePersian(text, off), text);
});

test('unknown or wrong options are named', (t) => {
  t.throws(() => createNormalizer({ digit: 'ascii' } as never), { message: 'Unknown option normalize options.digit' });
  t.throws(() => createNormalizer({ digits: 'arabic' as 'ascii' }), { message: 'Expected one of "ascii", "persian", "keep" for normalize options.digits but received "arabic"' });
});

test('streaming transform', async (t) => {
  async function* source() {
    yield 'كتاب ها';
    yield 'مي روم';
  }
  const out: string[] = [];
  for await (const text of normalizeStream(source(), { digits: 'persian' })) out.push(text);
  t.deepEqual(out, ['کتاب‌ها', 'می‌روم']);
});
