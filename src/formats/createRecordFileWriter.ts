// The one place that picks a writer for a format and compression.
import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import { CsvWriter } from './csvWriter';
import { JsonLinesWriter } from './jsonLinesWriter';
import { ParquetWriter } from './parquet/parquetWriter';
import { type RecordFileWriter, type RecordFileWriterOptions, checkCompression } from './recordFileWriter';

export function createRecordFileWriter(output: Writable, options: RecordFileWriterOptions): RecordFileWriter {
  const compression = checkCompression(options.format, options.compression);
  switch (options.format) {
    case 'parquet':
      return new ParquetWriter(output, options.columns, compression, options.parquet);
    case 'csv':
      return new CsvWriter(output, options.columns, compression === 'gzip' ? 'gzip' : 'none');
    case 'json':
      return new JsonLinesWriter(output, options.columns, compression === 'gzip' ? 'gzip' : 'none');
  }
}

/** A writer into a new file at `path` (created or truncated); callers choose a temporary name. */
export function createRecordFileWriterAt(path: string, options: RecordFileWriterOptions): RecordFileWriter {
  checkCompression(options.format, options.compression);
  return createRecordFileWriter(createWriteStream(path, { highWaterMark: 1 << 20 }), options);
}
