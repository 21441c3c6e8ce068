// Parquet loader (the format Hugging Face datasets publish): rows read one row group at a time with hyparquet.
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects, parquetSchema } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { z } from 'zod';
import { parseOptions } from '../../config/validate.js';
import { PersianLoraError } from '../../errors.js';
import { ErrorPolicy, fieldMapSchema, mapFields, newStats, onErrorSchema, recordStream, type DataRecord, type RecordStream } from './records.js';

export const parquetLoaderOptionsSchema = z.strictObject({
  fields: fieldMapSchema.optional(),
  onError: onErrorSchema,
  /** Largest number of rows decoded at once; a row group bigger than this is read in slices. */
  batchRows: z.number().int().positive().default(8192),
});
export type ParquetLoaderOptions = z.input<typeof parquetLoaderOptionsSchema>;

/** Top-level column names the field map needs (all columns when there is no map). */
function neededColumns(fields: Record<string, string> | undefined): string[] | undefined {
  if (fields === undefined) return undefined;
  return [...new Set(Object.values(fields).map((spec) => spec.replace(/\?$/, '').split('.')[0]!))];
}

/** Stream records from a Parquet file; only one slice of one row group is decoded at a time. */
export function readParquet(file: string, options: ParquetLoaderOptions = {}): RecordStream<DataRecord> {
  const opts = parseOptions(parquetLoaderOptionsSchema, options, 'readParquet options');
  const stats = newStats();
  const policy = new ErrorPolicy(opts.onError, stats);
  return recordStream(stats, async function* () {
    let buffer;
    let metadata;
    try {
      buffer = await asyncBufferFromFile(file);
      metadata = await parquetMetadataAsync(buffer);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new PersianLoraError('ERR_FILE_NOT_FOUND', `Parquet file not found: ${file}`, { cause: error });
      throw new PersianLoraError('ERR_BAD_FORMAT', `${file}: not a readable Parquet file (${(error as Error).message})`, { cause: error });
    }
    const columns = neededColumns(opts.fields);
    const present = new Set(parquetSchema(metadata).children.map((child) => child.element.name));
    for (const column of columns ?? []) {
      if (!present.has(column)) throw new PersianLoraError('ERR_BAD_FORMAT', `${file}: no column "${column}" (columns: ${[...present].join(', ')})`);
    }
    let rowStart = 0;
    for (const group of metadata.row_groups) {
      const groupEnd = rowStart + Number(group.num_rows);
      for (let sliceStart = rowStart; sliceStart < groupEnd; sliceStart += opts.batchRows) {
        const sliceEnd = Math.min(groupEnd, sliceStart + opts.batchRows);
        const rows = await parquetReadObjects({ file: buffer, metadata, columns, rowStart: sliceStart, rowEnd: sliceEnd, compressors });
        for (let i = 0; i < rows.length; i++) {
          const loc = { file, row: sliceStart + i };
          const record = policy.apply(() => mapFields(rows[i], opts.fields, loc));
          if (record !== undefined) yield record;
        }
      }
      rowStart = groupEnd;
    }
  });
}
