// What a streamed query yields (streamingQueryReader.ts makes the request, responseReader.ts
// reads the body): the parser's events, plus the primary table's rows as Parquet row groups when
// asked for with ParquetSpanOptions.
import type { ColumnBuffer } from '../formats/parquet/columnBuffers';
import type { PageCodec } from '../formats/parquet/pageCompressor';
import type { EncodedRowGroup } from '../formats/parquet/rowGroupEncoder';
import type { TextSpanFormat } from '../formats/rowSpanText';
import type { V2Event } from './v2ResponseParser';

/**
 * Parse the primary table's rows from the response's bytes straight into Parquet row groups: on
 * the reading thread as chunks arrive, or on worker threads (the reading thread then only cuts the
 * bytes into spans and passes on what comes back). See responseReader.ts.
 */
export interface ParquetSpanOptions {
  codec: PageCodec;
  pageBytes: number;
  /** Bytes of response per span, i.e. per row group (default DEFAULT_SPAN_BYTES). */
  spanBytes?: number;
  /** Worker threads (at most one per core); 0 (the default): spans are parsed on the reading thread. */
  workers?: number;
  /**
   * The output starts a new file every this many rows: no row group crosses that boundary (rows
   * are parsed on the reading thread then, whatever `workers` says).
   */
  maxRowsPerFile?: number;
  /**
   * The output is partitioned by these columns: rows are handed on as parsed column buffers
   * (`parsedColumns` events) for the output to route to partition files, on the reading thread
   * (whatever `workers` says), and only when every partition column's type allows it
   * (partitionedSpans.ts; other tables go through the text parser). maxRowsPerFile is then the
   * output's business (per partition) and ignored here.
   */
  partitionBy?: readonly string[];
  /**
   * On the reading thread, rows are parsed once this many bytes have come (default
   * DEFAULT_INLINE_PARSE_BYTES), not chunk by chunk; 0: each chunk as it comes (tests of where
   * chunks end use it). Bytes that wait longer than a moment are parsed anyway (responseReader.ts).
   */
  parseBatchBytes?: number;
}

/** Parse the primary table's rows from the response's bytes straight into CSV or JSON lines text (on the reading thread). */
export interface TextSpanOptions {
  format: TextSpanFormat;
}

/** Rows of the primary table already written as CSV (no header) or JSON lines bytes, in order with `rows` events. */
export interface EncodedTextEvent {
  kind: 'encodedText';
  tableId: number;
  rows: number;
  /** Of `rows`, those announced before by `rowsParsed` events. */
  announced: number;
  text: Buffer;
  /** Called once `text` is no longer needed (written out): its buffer may then be filled again. Optional to call. */
  release?: () => void;
}

/** Rows of the primary table already encoded as one Parquet row group, in order with `rows` events. */
export interface EncodedRowsEvent {
  kind: 'encodedRows';
  tableId: number;
  rows: number;
  /** Of `rows`, those announced before by `rowsParsed` events (progress counts them once). */
  announced: number;
  group: EncodedRowGroup;
}

/**
 * Rows of the primary table parsed into column buffers (one per column, in order with `rows`
 * events), for an output that routes them to partition files: valid only until the next event is
 * asked for (the buffers are then reused).
 */
export interface ParsedColumnsEvent {
  kind: 'parsedColumns';
  tableId: number;
  rows: number;
  /** Of `rows`, those announced before by `rowsParsed` events. */
  announced: number;
  columns: readonly ColumnBuffer[];
}

/** Progress only: rows parsed into a row group still being filled (an `encodedRows` event brings them). */
export interface RowsParsedEvent {
  kind: 'rowsParsed';
  tableId: number;
  rows: number;
}

export type QueryEvent = V2Event | EncodedRowsEvent | EncodedTextEvent | ParsedColumnsEvent | RowsParsedEvent;
