// The contract between the engine and every file format: rows in (batches of the row model in
// src/engine/rows.ts), bytes out to a Node Writable, with backpressure. One writer writes one file.
import type { Writable } from 'node:stream';
import type { ColumnSchema, RowBatch } from '../engine/rows';
import type { GatheredColumn, PickedRows } from './parquet/columnBuffers';
import type { EncodedRowGroup } from './parquet/rowGroupEncoder';

export interface WriteSummary {
  rows: number;
  /** Bytes that reached the destination (after compression). */
  bytes: number;
}

export interface RecordFileWriter {
  /** Resolves when the batch is encoded and the destination accepted it (awaits 'drain' if needed). */
  write(batch: RowBatch): Promise<void>;
  /** Parquet only: a row group encoded elsewhere with this file's columns and codec, after the rows before it. */
  writeRowGroup?(group: EncodedRowGroup): Promise<void>;
  /** Parquet only: rows picked from column buffers parsed elsewhere, with this file's columns (see ParquetWriter.writePicked), after the rows before them. */
  writePicked?(source: PickedRows, from: number, to: number): Promise<void>;
  /** Parquet only: writePicked of rows already put in order (rows [from, to) of each column; see ParquetWriter.writeGathered). */
  writeGathered?(source: readonly GatheredColumn[], from: number, to: number): Promise<void>;
  /** CSV and JSON lines: rows already written as this format's bytes (rowSpanText.ts; CSV without its header), after the rows before them. */
  writeText?(text: Uint8Array, rows: number, onWritten?: () => void): Promise<void>;
  /** Writes what is buffered (and the Parquet footer), ends the destination and waits until it is flushed. */
  close(): Promise<WriteSummary>;
  /** Stops without finishing the file and destroys the destination; never throws. */
  abort(): Promise<void>;
}

export type FileFormat = 'parquet' | 'csv' | 'json';
/** Parquet compresses pages (none/snappy/gzip); CSV and JSON lines compress the whole stream (none/gzip). */
export type FileCompression = 'none' | 'snappy' | 'gzip';

export interface ParquetWriterOptions {
  /** A row group is flushed when it holds this many rows (default 1,048,576). */
  rowGroupRows?: number;
  /** ... or when its buffered values reach about this many bytes (default 64 MiB). */
  rowGroupBytes?: number;
  /** Target uncompressed size of one data page (default 1 MiB). */
  pageBytes?: number;
  /**
   * Whether the calling thread compresses about half of the file's last row group at close (true
   * by default: a lone file's close has nothing else to do meanwhile). False when several files
   * are open (partitions): their closes come together, and the calling thread has the others'
   * pages to cut and write.
   */
  closeHelps?: boolean;
}

export interface RecordFileWriterOptions {
  format: FileFormat;
  columns: readonly ColumnSchema[];
  compression?: FileCompression;
  parquet?: ParquetWriterOptions;
}

export class UnsupportedCompressionError extends Error {
  constructor(format: FileFormat, compression: string) {
    super(`${format} output does not support compression "${compression}" (supported: ${supportedCompressions(format).join(', ')})`);
    this.name = 'UnsupportedCompressionError';
  }
}

export function supportedCompressions(format: FileFormat): FileCompression[] {
  return format === 'parquet' ? ['none', 'snappy', 'gzip'] : ['none', 'gzip'];
}

/** Throws a clear error for a format/compression pair no writer supports (e.g. zstd, or snappy CSV). */
export function checkCompression(format: FileFormat, compression: string | undefined): FileCompression {
  const value = compression ?? defaultCompression(format);
  if (!(supportedCompressions(format) as string[]).includes(value)) throw new UnsupportedCompressionError(format, value);
  return value as FileCompression;
}

/** Spark's defaults: Parquet is snappy-compressed, text formats are not compressed. */
export function defaultCompression(format: FileFormat): FileCompression {
  return format === 'parquet' ? 'snappy' : 'none';
}

/** The file name suffix Spark uses for a format and codec: ".snappy.parquet", ".gz.parquet", ".csv.gz", ".json". */
export function fileExtension(format: FileFormat, compression: FileCompression): string {
  if (format === 'parquet') {
    if (compression === 'snappy') return '.snappy.parquet';
    if (compression === 'gzip') return '.gz.parquet';
    return '.parquet';
  }
  return `.${format}${compression === 'gzip' ? '.gz' : ''}`;
}

export type { Writable };
