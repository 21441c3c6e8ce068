// CSV / TSV loader: a streaming RFC 4180 parser (quoted fields, "" escapes, line breaks inside quotes), header row, field mapping.
// Kept over csv-parse (exactness): located.ts pushes chunks synchronously and takes rows back (CsvParser.push/end), and errors say `file:line: what (field n)` with skip mode resuming at the next record, as the tests specify.
import { createReadStream } from 'node:fs';
import { z } from 'zod';
import { parseOptions } from '../../config/validate.js';
import { ErrorPolicy, fieldMapSchema, mapFields, malformedRecord, newStats, onErrorSchema, recordStream, type DataRecord, type RecordStream } from './records.js';

export const csvLoaderOptionsSchema = z.strictObject({
  /** Field separator: `,` for CSV, `\t` for TSV. */
  delimiter: z.string().length(1).default(','),
  /** Quote character, or null for files without quoting (plain TSV). */
  quote: z.string().length(1).nullable().default('"'),
  /** The first record names the columns; without it columns are named by `columns`, or "0", "1", .... */
  header: z.boolean().default(true),
  columns: z.array(z.string()).optional(),
  fields: fieldMapSchema.optional(),
  onError: onErrorSchema,
});
export type CsvLoaderOptions = z.input<typeof csvLoaderOptionsSchema>;

/** One parsed record: its fields, the line it starts on, and the first syntax problem found in it. */
export interface CsvRow {
  fields: string[];
  line: number;
  error?: string;
}

const enum State { FieldStart, Unquoted, Quoted, QuoteInQuoted, AfterClosingCr }

/** Incremental parser: push text chunks, collect complete rows; `end()` flushes the last one. */
export class CsvParser {
  private state = State.FieldStart;
  private field = '';
  private fields: string[] = [];
  private line = 1;
  private rowLine = 1;
  private error: string | undefined;
  private readonly delim: string;
  private readonly quote: string | null;

  constructor(delimiter = ',', quote: string | null = '"') {
    this.delim = delimiter;
    this.quote = quote;
  }

  push(chunk: string): CsvRow[] {
    const rows: CsvRow[] = [];
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i]!;
      if (c === '\n') this.line++;
      switch (this.state) {
        case State.FieldStart:
        case State.Unquoted:
          if (c === this.delim) this.endField();
          else if (c === '\n') this.endRow(rows, true);
          else if (c === this.quote) {
            if (this.state === State.FieldStart) this.state = State.Quoted;
            else {
              this.fail(`quote character inside an unquoted field (field ${this.fields.length + 1})`);
              this.field += c;
            }
          } else {
            this.field += c;
            this.state = State.Unquoted;
          }
          break;
        case State.Quoted:
          if (c === this.quote) this.state = State.QuoteInQuoted;
          else this.field += c;
          break;
        case State.QuoteInQuoted:
          if (c === this.quote) {
            this.field += c;
            this.state = State.Quoted;
          } else if (c === this.delim) this.endField();
          else if (c === '\n') this.endRow(rows, false);
          else if (c === '\r') this.state = State.AfterClosingCr;
          else {
            this.fail(`unexpected character ${JSON.stringify(c)} after a closing quote (field ${this.fields.length + 1})`);
            this.field += c;
            this.state = State.Unquoted;
          }
          break;
        case State.AfterClosingCr:
          if (c === '\n') this.endRow(rows, false);
          else {
            this.fail(`carriage return after a closing quote not followed by a line feed (field ${this.fields.length + 1})`);
            this.field += '\r' + c;
            this.state = c === this.delim ? State.FieldStart : State.Unquoted;
            if (c === this.delim) this.endField();
          }
          break;
      }
    }
    return rows;
  }

  end(): CsvRow[] {
    const rows: CsvRow[] = [];
    if (this.state === State.Quoted) this.fail(`unterminated quoted field (field ${this.fields.length + 1})`);
    if (this.state !== State.FieldStart || this.fields.length > 0) this.endRow(rows, this.state === State.Unquoted);
    return rows;
  }

  private fail(problem: string): void {
    this.error ??= problem;
  }

  private endField(): void {
    this.fields.push(this.field);
    this.field = '';
    this.state = State.FieldStart;
  }

  private endRow(rows: CsvRow[], stripCr: boolean): void {
    if (stripCr && this.field.endsWith('\r')) this.field = this.field.slice(0, -1);
    const wasBlank = this.fields.length === 0 && this.field === '' && this.state === State.FieldStart;
    this.endField();
    if (!wasBlank || this.error !== undefined) {
      rows.push(this.error === undefined ? { fields: this.fields, line: this.rowLine } : { fields: this.fields, line: this.rowLine, error: this.error });
    }
    this.fields = [];
    this.error = undefined;
    this.rowLine = this.line;
  }
}

/** Stream records from a CSV or TSV file; each record is an object keyed by column name. */
export function readCsv(file: string, options: CsvLoaderOptions = {}): RecordStream<DataRecord> {
  const opts = parseOptions(csvLoaderOptionsSchema, options, 'readCsv options');
  const stats = newStats();
  const policy = new ErrorPolicy(opts.onError, stats);
  return recordStream(stats, async function* () {
    const parser = new CsvParser(opts.delimiter, opts.quote);
    let columns: string[] | undefined = opts.header ? undefined : opts.columns;
    let first = true;
    const toRecord = (row: CsvRow): DataRecord => {
      const loc = { file, line: row.line };
      if (row.error !== undefined) throw malformedRecord(loc, row.error);
      const names = columns ?? row.fields.map((_, i) => String(i));
      if (row.fields.length !== names.length) throw malformedRecord(loc, `expected ${names.length} fields but found ${row.fields.length}`);
      const raw: DataRecord = {};
      names.forEach((name, i) => (raw[name] = row.fields[i]));
      return mapFields(raw, opts.fields, loc);
    };
    async function* rows(): AsyncGenerator<CsvRow> {
      for await (const chunk of createReadStream(file, { encoding: 'utf8' })) {
        let text = chunk as string;
        if (first) {
          if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
          first = false;
        }
        yield* parser.push(text);
      }
      yield* parser.end();
    }
    for await (const row of rows()) {
      if (columns === undefined && opts.header) {
        if (row.error !== undefined) throw malformedRecord({ file, line: row.line }, `header row: ${row.error}`);
        columns = row.fields;
        continue;
      }
      const record = policy.apply(() => toRecord(row));
      if (record !== undefined) yield record;
    }
  });
}
