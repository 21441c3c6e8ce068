// One reader for the training data of every stage: Persian text (packed blocks), English–Persian pairs (bilingual
// documents and translation instructions) and instruction / chat records (loss on the responses), from a path or a spec.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { throwIfAborted } from '../abort.js';
import { parseOptions } from '../config/validate.js';
import { PersianLoraError, describeValue } from '../errors.js';
import { bilingualDocuments, translationInstructions, type TextPair } from '../data/formats/bilingual.js';
import { chatMessagesOf, chatSegments } from '../data/formats/chat.js';
import { fitExample, newFormatStats, tokenizeSegments, type Segment } from '../data/formats/examples.js';
import { renderAlpacaPrompt } from '../data/formats/instruction.js';
import { packDocuments } from '../data/formats/lm.js';
import { createRng, shuffleInPlace } from '../data/random.js';
import { globToRegExp } from '../data/loaders/glob.js';
import { downloadHubDataset } from '../data/loaders/hub.js';
import { badRecord, objectRecord, readLocatedRecords, stringField, type RecordFileFormat } from '../data/loaders/located.js';
import { readText } from '../data/loaders/text.js';
import type { ChatMessage, Tokenizer, TrainingExample } from '../data/tokenizer.js';

const FILE_FORMATS = ['text', 'jsonl', 'json', 'csv', 'tsv', 'parquet'] as const;
type FileFormat = (typeof FILE_FORMATS)[number];
const RECORD_FORMATS = ['jsonl', 'json', 'csv', 'tsv', 'parquet'] as const;

const EXTENSIONS: Record<FileFormat, string[]> = {
  text: ['.txt', '.text'],
  jsonl: ['.jsonl', '.ndjson'],
  json: ['.json'],
  csv: ['.csv'],
  tsv: ['.tsv'],
  parquet: ['.parquet'],
};

const hubSchema = z.strictObject({
  /** `owner/name` of a Hugging Face dataset repository. */
  repo: z.string().regex(/^[\w.-]+\/[\w.-]+$/, 'owner/name'),
  /** Branch, tag or commit. Default `main`. */
  revision: z.string().min(1).optional(),
  /** Glob patterns over the repository's paths (`data/train-*.parquet`); files without a data extension are ignored. Default every file. */
  files: z.array(z.string().min(1)).min(1).optional(),
  /** Download cache root (default `$PERSIAN_LORA_CACHE` or `~/.cache/persian-lora`). */
  cacheDir: z.string().min(1).optional(),
});

const source = {
  /** A file, a directory (its data files; a `fetch-parallel` output folder: the file its manifest names) or a glob (`corpus/**\/*.txt`). */
  path: z.string().min(1).optional(),
  /** A Hugging Face dataset, downloaded to the cache (instead of `path`). */
  hub: hubSchema.optional(),
};
const oneSource = (v: { path?: string; hub?: unknown }): boolean => (v.path === undefined) !== (v.hub === undefined);
const oneSourceError = { message: 'exactly one of "path" or "hub"', path: ['path'] };

const templatesSchema = z.strictObject({ forward: z.array(z.string().min(1)).min(1), backward: z.array(z.string().min(1)).min(1) });

export const textDataSchema = z
  .strictObject({
    kind: z.literal('text'),
    ...source,
    /** File format; default from each file's extension (unknown extensions are plain text). */
    format: z.enum(FILE_FORMATS).optional(),
    /** The text field of records (JSONL, JSON, CSV, TSV, Parquet). Default `text`. */
    field: z.string().min(1).default('text'),
  })
  .refine(oneSource, oneSourceError);

export const parallelDataSchema = z
  .strictObject({
    kind: z.literal('parallel'),
    ...source,
    /** File format; default from each file's extension. */
    format: z.enum(RECORD_FORMATS).optional(),
    /** Names of the English (source) and Persian (target) fields of each record. Default `en` / `fa` (as `data fetch-parallel` writes them). */
    fields: z.strictObject({ source: z.string().min(1).default('en'), target: z.string().min(1).default('fa') }).default({ source: 'en', target: 'fa' }),
    /** Share of pairs rendered as bilingual documents (packed); the rest become translation instructions in both directions. Default 0.5. */
    documents: z.number().min(0).max(1).default(0.5),
    /** Instruction wordings per direction (forward: source → target); default English and Persian wordings. */
    templates: templatesSchema.optional(),
  })
  .refine(oneSource, oneSourceError);

export const instructionDataSchema = z
  .strictObject({
    kind: z.literal('instructions'),
    ...source,
    /** Record format: `alpaca` (instruction/input/output or prompt/response), `sharegpt` (conversations), `messages`, or `auto` (per record). Default `auto`. */
    format: z.enum(['alpaca', 'sharegpt', 'messages', 'auto']).default('auto'),
    /** How chat records are rendered: `model` (the model's chat template) or `alpaca`. Default `model`. Alpaca records always use the Alpaca template. */
    template: z.enum(['alpaca', 'model']).default('model'),
  })
  .refine(oneSource, oneSourceError);

const specObjectSchema = z.discriminatedUnion('kind', [textDataSchema, parallelDataSchema, instructionDataSchema]);

/** The first issue of the object branch of a failed union, as one line. */
function unionMessage(issue: { code: string; input?: unknown; errors?: Array<Array<{ message: string; path: PropertyKey[] }>> }): string | undefined {
  if (issue.code !== 'invalid_union') return undefined;
  const inner = issue.errors?.[1]?.[0];
  const base = 'a data path string or a { kind: "text" | "parallel" | "instructions", ... } object';
  if (inner === undefined || typeof issue.input !== 'object' || issue.input === null) return base;
  return `${base} (${inner.path.length > 0 ? `at ${inner.path.map(String).join('.')}: ` : ''}${inner.message})`;
}

/**
 * Training data: a path (`.jsonl`/`.json`: instruction records; anything else: text packed into blocks), or an object
 * of kind `text`, `parallel` or `instructions`.
 */
export const trainDataSchema = z.union([z.string().min(1), specObjectSchema], { error: (issue) => unionMessage(issue as never) });
export type TrainDataSpec = z.input<typeof trainDataSchema>;
type ResolvedSpec = z.output<typeof specObjectSchema>;

export interface TrainDataStats {
  /** Input records read (text lines or records, pairs, instruction records). */
  records: number;
  /** Records dropped: longer than seqLen, empty text, or nothing to train on. */
  skipped: number;
  examples: number;
  /** Tokens over all examples. */
  tokens: number;
}

export interface TrainData {
  examples: TrainingExample[];
  /** Absolute paths of every input file read (for hashing). */
  files: string[];
  stats: TrainDataStats;
}

export interface ReadTrainDataOptions {
  tokenizer: Tokenizer;
  seqLen: number;
  seed: number;
  signal?: AbortSignal;
}

interface DataFile {
  abs: string;
  /** The path as the user wrote it (errors name it). */
  display: string;
  format: FileFormat;
}

/** The spec a bare path stands for: `.jsonl` / `.json` → instruction records, anything else → text. */
export function specOfPath(file: string): ResolvedSpec {
  if (/\.(jsonl|ndjson|json)$/i.test(file)) return { kind: 'instructions', path: file, format: 'auto', template: 'model' };
  return { kind: 'text', path: file, field: 'text' };
}

function formatOfExtension(file: string): FileFormat | undefined {
  const ext = path.extname(file).toLowerCase();
  return FILE_FORMATS.find((f) => EXTENSIONS[f].includes(ext));
}

const hasGlob = (p: string): boolean => /[*?]/.test(p);

function walk(dir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const child = rel === '' ? entry.name : `${rel}/${entry.name}`;
    if (entry.isDirectory()) out.push(...walk(dir, child));
    else if (entry.isFile()) out.push(child);
  }
  return out;
}

function expandGlob(pattern: string): string[] {
  const parts = pattern.split(/[\\/]/);
  const first = parts.findIndex(hasGlob);
  const baseParts = parts.slice(0, first);
  const base = baseParts.length === 0 ? '.' : baseParts.join('/') || '/';
  const re = globToRegExp(parts.slice(first).join('/'));
  let all: string[];
  try {
    all = walk(base);
  } catch {
    return [];
  }
  return all.filter((rel) => re.test(rel)).sort().map((rel) => (baseParts.length === 0 ? rel : path.join(base, rel)));
}

/** Files of a directory: the output its fetch-parallel manifest names, else its data files (top level, sorted). */
function directoryFiles(dir: string, accept: (file: string) => boolean): string[] {
  try {
    const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as { output?: unknown };
    if (typeof manifest.output === 'string' && statSync(path.join(dir, manifest.output), { throwIfNoEntry: false })?.isFile()) return [path.join(dir, manifest.output)];
  } catch {
    // no manifest: every data file
  }
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile() && accept(e.name))
    .map((e) => path.join(dir, e.name))
    .sort();
}

async function inputFiles(spec: ResolvedSpec, signal: AbortSignal | undefined): Promise<{ files: DataFile[]; what: string }> {
  const explicit: FileFormat | undefined = spec.kind === 'instructions' ? undefined : spec.format;
  // files picked from a listing (directory, Hub repository) by extension: the explicit format's, else every data format
  const listable = (name: string): boolean => {
    const f = formatOfExtension(name);
    return f !== undefined && (explicit !== undefined ? f === explicit : spec.kind === 'text' || f !== 'text');
  };
  let names: string[];
  let what: string;
  if (spec.hub !== undefined) {
    const h = spec.hub;
    what = `Hugging Face dataset ${h.repo}${h.revision ? `@${h.revision}` : ''}`;
    const downloaded = await downloadHubDataset({ repo: h.repo, revision: h.revision, patterns: h.files, cacheDir: h.cacheDir, signal });
    names = downloaded.map((d) => d.localPath).filter(listable);
  } else {
    const p = spec.path!;
    what = p;
    const st = hasGlob(p) ? undefined : statSync(p, { throwIfNoEntry: false });
    if (hasGlob(p)) names = expandGlob(p).filter((f) => explicit !== undefined || formatOfExtension(f) !== undefined);
    else if (st === undefined) throw new PersianLoraError('ERR_FILE_NOT_FOUND', `Training data not found: ${p}`);
    else names = st.isDirectory() ? directoryFiles(p, listable) : [p];
  }
  if (names.length === 0) {
    const formats = explicit !== undefined ? [explicit] : FILE_FORMATS.filter((f) => spec.kind === 'text' || f !== 'text');
    throw new PersianLoraError('ERR_DATA', `${what}: no data files found (looked for ${formats.flatMap((f) => EXTENSIONS[f]).join(', ')})`);
  }
  const files = names.map((name): DataFile => {
    // a single named file of unknown extension is plain text for the text kind (as `train --data` always read it)
    const format = explicit ?? formatOfExtension(name) ?? (spec.kind === 'text' ? 'text' : undefined);
    if (format === undefined) throw new PersianLoraError('ERR_DATA', `${name}: cannot tell the file format from its extension (.jsonl, .json, .csv, .tsv, .parquet)`);
    if (format === 'text' && spec.kind !== 'text') throw new PersianLoraError('ERR_DATA', `${name}: ${spec.kind} data needs records (JSONL, JSON, CSV, TSV or Parquet), not plain text`);
    return { abs: path.resolve(name), display: name, format };
  });
  return { files, what };
}

/** A line of a binary file read as text: a NUL byte, or more than 1 % of its characters undecodable (U+FFFD). */
function looksBinary(line: string): boolean {
  if (line.includes('\u0000')) return true;
  let bad = 0;
  for (const c of line) if (c === '\ufffd') bad++;
  return bad > 4 && bad > line.length / 100;
}

/** `{ text }` documents of the files: lines of text files, the `field` of records. Empty ones are counted as skipped. */
async function* documentsOf(files: DataFile[], field: string, stats: TrainDataStats, signal: AbortSignal | undefined): AsyncGenerator<string> {
  for (const file of files) {
    if (file.format === 'text') {
      let line = 0;
      for await (const { text } of readText(file.abs, { unit: 'line' })) {
        throwIfAborted(signal);
        stats.records++;
        line++;
        if (looksBinary(text)) throw new PersianLoraError('ERR_DATA', `${file.display}: line ${line} holds binary data (NUL bytes or invalid UTF-8), not plain text; give text, or records with a format (--data x.jsonl, .csv, .parquet)`);
        yield text;
      }
      continue;
    }
    for await (const { record, where } of readLocatedRecords(file.abs, file.format, file.display)) {
      throwIfAborted(signal);
      stats.records++;
      const text = stringField(objectRecord(record, where), field, where)!;
      if (text.trim() === '') stats.skipped++;
      else yield text;
    }
  }
}

async function* recordsOf(files: DataFile[], stats: TrainDataStats, signal: AbortSignal | undefined): AsyncGenerator<{ record: Record<string, unknown>; where: string }> {
  for (const file of files) {
    for await (const { record, where } of readLocatedRecords(file.abs, file.format as RecordFileFormat, file.display)) {
      throwIfAborted(signal);
      stats.records++;
      yield { record: objectRecord(record, where), where };
    }
  }
}

/** Collects examples of one spec, counting what it skips, and refusing an empty result. */
class Collector {
  readonly examples: TrainingExample[] = [];
  tooLong = 0;
  private readonly fitStats = newFormatStats();
  constructor(
    readonly stats: TrainDataStats,
    readonly seqLen: number,
  ) {}

  add(example: TrainingExample): void {
    this.examples.push(example);
    this.stats.examples++;
    this.stats.tokens += example.tokens.length;
  }

  /** An instruction-like example: skipped when longer than seqLen or with nothing to train on. */
  fit(example: TrainingExample): void {
    if (example.tokens.length > this.seqLen) {
      this.tooLong++;
      this.stats.skipped++;
      return;
    }
    const fitted = fitExample(example, { addBos: true, overflow: 'skip' }, this.fitStats);
    if (fitted === null) this.stats.skipped++;
    else this.add(fitted);
  }

  async pack(texts: AsyncIterable<string>, tokenizer: Tokenizer, seed: number): Promise<void> {
    for await (const block of packDocuments(texts, tokenizer, { blockSize: this.seqLen, remainder: 'pad', seed })) this.add(block);
  }

  finish(what: string): TrainingExample[] {
    if (this.examples.length === 0) {
      if (this.tooLong > 0) throw new PersianLoraError('ERR_DATA', `${what}: every record is longer than the sequence length of ${this.seqLen} tokens (${this.tooLong} skipped); raise seqLen or shorten the records`);
      throw new PersianLoraError('ERR_DATA', `${what} holds no training examples (empty file?)`);
    }
    return this.examples;
  }
}

function alpacaSegments(record: Record<string, unknown>, where: string): Segment[] {
  if ('prompt' in record && !('instruction' in record)) {
    return [{ text: stringField(record, 'prompt', where)!, train: false }, { text: stringField(record, 'response', where)!, train: true }];
  }
  const instruction = stringField(record, 'instruction', where)!;
  const input = stringField(record, 'input', where, { optional: true, scalars: true });
  return [{ text: renderAlpacaPrompt({ instruction, input }), train: false }, { text: stringField(record, 'output', where, { scalars: true })!, train: true }];
}

/**
 * A conversation in the Alpaca template: each run of non-assistant messages (system and user, joined by a blank line)
 * is the instruction of one exchange, the assistant message its response; exchanges follow each other after a blank
 * line. Messages after the last assistant message are dropped.
 */
function alpacaChatSegments(messages: ChatMessage[], where: string): Segment[] {
  const segments: Segment[] = [];
  let pending: string[] = [];
  for (const m of messages) {
    if (m.role !== 'assistant') {
      pending.push(m.content);
      continue;
    }
    const prompt = (segments.length > 0 ? '\n\n' : '') + renderAlpacaPrompt({ instruction: pending.join('\n\n') });
    segments.push({ text: prompt, train: false }, { text: m.content, train: true });
    pending = [];
  }
  if (segments.length === 0) throw badRecord(where, 'no assistant message to train on');
  return segments;
}

type RecordShape = 'alpaca' | 'sharegpt' | 'messages';

function shapeOf(record: Record<string, unknown>, format: 'alpaca' | 'sharegpt' | 'messages' | 'auto', where: string): RecordShape {
  if (format !== 'auto') return format;
  if ('conversations' in record) return 'sharegpt';
  if ('messages' in record) return 'messages';
  if ('instruction' in record || 'prompt' in record) return 'alpaca';
  const keys = Object.keys(record);
  throw badRecord(where, `cannot tell the record's format: expected the fields instruction/output, prompt/response, conversations or messages but found ${keys.length > 0 ? keys.map((k) => `"${k}"`).join(', ') : 'no field'}`);
}

function noTemplateError(where: string): PersianLoraError {
  return new PersianLoraError(
    'ERR_INVALID_OPTION',
    `${where}: this is a chat record, but the model has no chat template (no tokenizer.chat_template in its GGUF), so it cannot be rendered the way the model expects; set template: "alpaca" to render chat records with the Alpaca template, or train a model that has a chat template`,
  );
}

async function readInstructions(spec: Extract<ResolvedSpec, { kind: 'instructions' }>, files: DataFile[], c: Collector, o: ReadTrainDataOptions): Promise<void> {
  for await (const { record, where } of recordsOf(files, c.stats, o.signal)) {
    const shape = shapeOf(record, spec.format, where);
    if (shape === 'alpaca') {
      c.fit(tokenizeSegments(alpacaSegments(record, where), o.tokenizer, { addBos: true, parseSpecial: false, appendEos: true }));
      continue;
    }
    const field = shape === 'sharegpt' ? 'conversations' : 'messages';
    const list = record[field];
    if (!Array.isArray(list)) throw badRecord(where, `expected an array of messages for field "${field}" but received ${describeValue(list)}`);
    const messages = chatMessagesOf(list, `${where} field "${field}"`);
    if (spec.template === 'alpaca') {
      c.fit(tokenizeSegments(alpacaChatSegments(messages, where), o.tokenizer, { addBos: true, parseSpecial: false, appendEos: true }));
      continue;
    }
    if (o.tokenizer.applyChatTemplate === undefined) throw noTemplateError(where);
    c.fit(tokenizeSegments(chatSegments(messages, o.tokenizer, where), o.tokenizer, { addBos: true, parseSpecial: true, appendEos: false }));
  }
}

async function readParallel(spec: Extract<ResolvedSpec, { kind: 'parallel' }>, files: DataFile[], c: Collector, o: ReadTrainDataOptions): Promise<void> {
  const pairs: TextPair[] = [];
  for await (const { record, where } of recordsOf(files, c.stats, o.signal)) {
    const pair = { source: stringField(record, spec.fields.source, where)!, target: stringField(record, spec.fields.target, where)! };
    if (pair.source.trim() === '' || pair.target.trim() === '') c.stats.skipped++;
    else pairs.push(pair);
  }
  // exactly round(documents × pairs) pairs, drawn with the seed, become documents (in corpus order)
  // (the seed salted, so that the split does not mirror the other seeded choices)
  const order = shuffleInPlace(pairs.map((_, i) => i), createRng((o.seed ^ 0x5bd1e995) >>> 0));
  const asDocument = new Uint8Array(pairs.length);
  for (const i of order.slice(0, Math.round(spec.documents * pairs.length))) asDocument[i] = 1;
  const docPairs = pairs.filter((_, i) => asDocument[i] === 1);
  const instructionPairs = pairs.filter((_, i) => asDocument[i] === 0);
  if (docPairs.length > 0) await c.pack(bilingualDocuments(docPairs, { order: 'random', seed: o.seed }), o.tokenizer, o.seed);
  const instructions = translationInstructions(instructionPairs, { directions: 'both', seed: o.seed, ...(spec.templates ? { templates: spec.templates } : {}) });
  for await (const r of instructions) {
    throwIfAborted(o.signal);
    c.fit(tokenizeSegments([{ text: renderAlpacaPrompt(r), train: false }, { text: String(r.output), train: true }], o.tokenizer, { addBos: true, parseSpecial: false, appendEos: true }));
  }
}

/**
 * Read training data into examples. Text: documents packed into `seqLen`-token blocks (the last one padded).
 * Parallel: a seeded share of the pairs as bilingual documents (packed), the rest as translation instructions in both
 * directions. Instructions: one example per record, loss on the responses / assistant turns; records longer than
 * `seqLen` are skipped. Deterministic for a seed.
 */
export async function readTrainData(spec: TrainDataSpec, o: ReadTrainDataOptions): Promise<TrainData> {
  const parsed = parseOptions(trainDataSchema, spec, 'train data');
  if (!Number.isInteger(o.seqLen) || o.seqLen < 2) throw new PersianLoraError('ERR_INVALID_OPTION', `Expected an integer >= 2 for seqLen but received ${describeValue(o.seqLen)}`);
  if (!Number.isInteger(o.seed)) throw new PersianLoraError('ERR_INVALID_OPTION', `Expected an integer for seed but received ${describeValue(o.seed)}`);
  const resolved: ResolvedSpec = typeof parsed === 'string' ? specOfPath(parsed) : parsed;
  throwIfAborted(o.signal);
  const { files, what } = await inputFiles(resolved, o.signal);
  const stats: TrainDataStats = { records: 0, skipped: 0, examples: 0, tokens: 0 };
  const c = new Collector(stats, o.seqLen);
  if (resolved.kind === 'text') await c.pack(documentsOf(files, resolved.field, stats, o.signal), o.tokenizer, o.seed);
  else if (resolved.kind === 'parallel') await readParallel(resolved, files, c, o);
  else await readInstructions(resolved, files, c, o);
  const examples = c.finish(files.length === 1 ? files[0]!.display : what);
  return { examples, files: [...new Set(files.map((f) => f.abs))], stats };
}
