// Records of a data file together with where each one is (`file line 7`, `file row 3`), for error messages that point at the record.
import { createReadStream } from 'node:fs';
import { PersianLoraError, describeValue } from '../../errors.js';
import { CsvParser, type CsvRow } from './csv.js';
import { readJson } from './json.js';
import { readParquet } from './parquet.js';
import { readLines } from './text.js';

export type RecordFileFormat = 'jsonl' | 'json' | 'csv' | 'tsv' | 'parquet';

export interface LocatedRecord {
  record: unknown;
  /**
   * `<file> line N` (1-based line where the record starts: JSONL, CSV, TSV), `<file> record N` (0-based index in a
   * JSON array) or `<file> row N` (0-based Parquet row).
   */
  where: string;
}

/** A record problem: `<where>: <problem>`, code ERR_DATA. */
export function badRecord(where: string, problem: string): PersianLoraError {
  return new PersianLoraError('ERR_DATA', `${where}: ${problem}`);
}

/**
 * The string value of a field, or `<where>: expected a string for field "fa" but received number 42`. With `scalars`,
 * numbers and booleans are accepted as their text (the study's test-set answers are numbers).
 */
export function stringField(record: Record<string, unknown>, field: string, where: string, opts: { optional?: boolean; scalars?: boolean } = {}): string | undefined {
  const value = record[field];
  const optional = opts.optional ?? false;
  if (typeof value === 'string') return value;
  if (opts.scalars && (typeof value === 'number' || typeof value === 'boolean')) return String(value);
  if (optional && (value === undefined || value === null)) return undefined;
  throw badRecord(where, `expected a string for field "${field}" but received ${describeValue(value)}`);
}

/** The record as an object, or a bad-record error naming where it is. */
export function objectRecord(record: unknown, where: string): Record<string, unknown> {
  if (record === null || typeof record !== 'object' || Array.isArray(record)) throw badRecord(where, `expected an object but received ${describeValue(record)}`);
  return record as Record<string, unknown>;
}

async function firstCharacter(file: string): Promise<string | undefined> {
  for await (const chunk of createReadStream(file, { encoding: 'utf8', highWaterMark: 4096 })) {
    const text = (chunk as string).replace(/^\uFEFF/, '').trimStart();
    if (text.length > 0) return text[0];
  }
  return undefined;
}

async function* jsonLines(file: string, display: string): AsyncGenerator<LocatedRecord> {
  for await (const { text, line } of readLines(file)) {
    if (text.trim() === '') continue;
    const where = `${display} line ${line}`;
    let record: unknown;
    try {
      record = JSON.parse(text);
    } catch (error) {
      throw new PersianLoraError('ERR_BAD_FORMAT', `${where}: invalid JSON (${(error as Error).message})`);
    }
    yield { record, where };
  }
}

async function* csvRecords(file: string, display: string, delimiter: string): AsyncGenerator<LocatedRecord> {
  const parser = new CsvParser(delimiter, '"');
  let columns: string[] | undefined;
  let first = true;
  async function* rows(): AsyncGenerator<CsvRow> {
    for await (const chunk of createReadStream(file, { encoding: 'utf8' })) {
      let text = chunk as string;
      if (first && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      first = false;
      yield* parser.push(text);
    }
    yield* parser.end();
  }
  for await (const row of rows()) {
    const where = `${display} line ${row.line}`;
    if (row.error !== undefined) throw new PersianLoraError('ERR_BAD_FORMAT', `${where}: ${row.error}`);
    if (columns === undefined) {
      columns = row.fields;
      continue;
    }
    if (row.fields.length !== columns.length) throw new PersianLoraError('ERR_BAD_FORMAT', `${where}: expected ${columns.length} fields (${columns.join(', ')}) but found ${row.fields.length}`);
    const record: Record<string, string> = {};
    columns.forEach((name, i) => (record[name] = row.fields[i]!));
    yield { record, where };
  }
}

/**
 * Stream the records of a JSONL, JSON (array, or JSON Lines in a .json file), CSV/TSV (header row) or Parquet file,
 * each with its location. `display` is the file name used in the locations (the path as the user wrote it).
 */
export async function* readLocatedRecords(file: string, format: RecordFileFormat, display = file): AsyncGenerator<LocatedRecord> {
  switch (format) {
    case 'jsonl':
      yield* jsonLines(file, display);
      return;
    case 'json': {
      if ((await firstCharacter(file)) !== '[') {
        yield* jsonLines(file, display);
        return;
      }
      let index = 0;
      for await (const record of readJson(file, { format: 'array' })) yield { record, where: `${display} record ${index++}` };
      return;
    }
    case 'csv':
    case 'tsv':
      yield* csvRecords(file, display, format === 'csv' ? ',' : '\t');
      return;
    case 'parquet': {
      let row = 0;
      for await (const record of readParquet(file)) yield { record, where: `${display} row ${row++}` };
      return;
    }
  }
}
