// What every loader shares: record streams with counters, field mapping, and the malformed-record policy.
import { z } from 'zod';
import { PersianLoraError, describeValue } from '../../errors.js';

/** Counters a loader fills while it is iterated. */
export interface LoadStats {
  /** Records yielded. */
  records: number;
  /** Malformed records skipped (only with `onError: 'skip'`). */
  skipped: number;
  /** Messages of the first skipped records (at most 20), each naming file, line and field. */
  errors: string[];
}

/** An async iterable of records whose `stats` fill in as it is consumed. */
export interface RecordStream<T> extends AsyncIterable<T> {
  readonly stats: LoadStats;
}

export type DataRecord = Record<string, unknown>;

/**
 * Output field name → path in the source record. A path is a field name, or dotted (`a.b`) for nested objects;
 * a trailing `?` makes the field optional (a missing optional field is left out of the output record).
 */
export const fieldMapSchema = z.record(z.string().min(1), z.string().min(1));
export type FieldMap = z.infer<typeof fieldMapSchema>;

export const onErrorSchema = z.enum(['throw', 'skip']).default('throw');
export type OnError = z.infer<typeof onErrorSchema>;

/** Where a record came from, for error messages: `file:line` (or `file row N` for tabular formats). */
export interface RecordLocation {
  file: string;
  line?: number;
  row?: number;
}

export function formatLocation(loc: RecordLocation): string {
  if (loc.line !== undefined) return `${loc.file}:${loc.line}`;
  if (loc.row !== undefined) return `${loc.file} row ${loc.row}`;
  return loc.file;
}

/** A malformed record: the message names the file, line and (when known) field. */
export function malformedRecord(loc: RecordLocation, problem: string, field?: string): PersianLoraError {
  return new PersianLoraError('ERR_BAD_FORMAT', `${formatLocation(loc)}${field === undefined ? '' : ` field "${field}"`}: ${problem}`);
}

function valueAtPath(record: unknown, path: string): unknown {
  let cur: unknown = record;
  for (const key of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

/**
 * Apply a field map. Scalars (string, number, boolean) come out as they are; arrays and objects pass through
 * (chat conversations are arrays). A required field that is missing or null is a malformed record.
 */
export function mapFields(record: unknown, fields: FieldMap | undefined, loc: RecordLocation): DataRecord {
  if (record === null || typeof record !== 'object' || Array.isArray(record)) {
    throw malformedRecord(loc, `expected an object but received ${describeValue(record)}`);
  }
  if (fields === undefined) return record as DataRecord;
  const out: DataRecord = {};
  for (const [name, spec] of Object.entries(fields)) {
    const optional = spec.endsWith('?');
    const path = optional ? spec.slice(0, -1) : spec;
    const value = valueAtPath(record, path);
    if (value === undefined || value === null) {
      if (optional) continue;
      throw malformedRecord(loc, `missing required value (mapped to "${name}")`, path);
    }
    out[name] = value;
  }
  return out;
}

/** Runs `produce` for each raw record under the onError policy, counting into `stats`. */
export class ErrorPolicy {
  constructor(
    private readonly onError: OnError,
    readonly stats: LoadStats,
  ) {}

  /** Returns the mapped record, or undefined when it was malformed and skipped. */
  apply<T>(produce: () => T): T | undefined {
    try {
      const value = produce();
      this.stats.records++;
      return value;
    } catch (error) {
      if (this.onError === 'throw' || !(error instanceof PersianLoraError) || error.code !== 'ERR_BAD_FORMAT') throw error;
      this.stats.skipped++;
      if (this.stats.errors.length < 20) this.stats.errors.push(error.message);
      return undefined;
    }
  }
}

export function newStats(): LoadStats {
  return { records: 0, skipped: 0, errors: [] };
}

/** Wrap an async generator factory as a RecordStream that shares one stats object. */
export function recordStream<T>(stats: LoadStats, generate: () => AsyncGenerator<T>): RecordStream<T> {
  return { stats, [Symbol.asyncIterator]: generate };
}

/** Pull one field out of each record as a string (for feeding text into normalisation and cleaning). */
export async function* textsOf(records: AsyncIterable<DataRecord>, field = 'text'): AsyncGenerator<string> {
  for await (const record of records) {
    const value = record[field];
    if (typeof value === 'string') yield value;
    else if (typeof value === 'number' || typeof value === 'boolean') yield String(value);
    else throw new PersianLoraError('ERR_DATA', `Expected a string for record field "${field}" but received ${describeValue(value)}`);
  }
}
