// Encodes rows into one complete, compressed Parquet row group (pages per column, in column
// order), on whichever thread calls it. The ParquetWriter writes such a group as it is: this is
// how row spans parsed on worker threads become part of a file without passing rows back.
import { gzipSync } from 'node:zlib';
import type { ColumnSchema, Row, RowBatch } from '../../engine/rows';
import { type ColumnBuffer, createColumnBuffer } from './columnBuffers';
import type { PageCodec } from './pageCompressor';
import { GZIP_LEVEL } from './pageCompressor';
import { RowSpanColumnParser, type SpanParse } from './rowSpanColumns';
import { snappyCompressOwned } from './snappyCompress';

export interface EncodedPage {
  numValues: number;
  uncompressedSize: number;
  /** The page's bytes after compression (as stored in the file); with `levels`, the values after them. */
  body: Uint8Array;
  /** Uncompressed pages only: the definition levels, which go before `body` (see RowGroupEncoder.handOver). */
  levels?: Uint8Array;
}

export interface EncodedColumnChunk {
  /** Values in the chunk, nulls included (= the group's rows). */
  numValues: number;
  pages: EncodedPage[];
}

export interface EncodedRowGroup {
  numRows: number;
  columns: EncodedColumnChunk[];
  /** false: the page bodies are not compressed yet (the writer compresses them, off its thread). */
  compressed: boolean;
  /** ArrayBuffers the pages are views of that no one else holds: the writer may move them to another thread. */
  movable?: ArrayBuffer[];
}

export class RowGroupEncoder {
  private readonly buffers: ColumnBuffer[];
  private readonly spanParser: RowSpanColumnParser;
  private rows = 0;

  /** acceptRow: see RowSpanColumnParser. */
  constructor(columns: readonly ColumnSchema[], private readonly codec: PageCodec, private readonly pageBytes: number, acceptRow?: (row: Row) => boolean) {
    this.buffers = columns.map(createColumnBuffer);
    this.spanParser = new RowSpanColumnParser(this.buffers, acceptRow);
  }

  /** The column buffers of the rows appended since the last reset (valid until the next append or reset). */
  get columnBuffers(): readonly ColumnBuffer[] {
    return this.buffers;
  }

  /** Rows appended since the last reset. */
  get rowCount(): number {
    return this.rows;
  }

  /** Appends the rows of a span of v2 row bytes (see rowSpanColumns.ts). */
  appendSpan(bytes: Buffer): SpanParse {
    return this.appendSpanParts([bytes], bytes.length).parse;
  }

  /** appendSpan of the concatenation of `parts`, without concatenating them first where it can (see RowSpanColumnParser.parseParts). */
  appendSpanParts(parts: readonly Buffer[], length: number, maxRows = Infinity): { parse: SpanParse; span: Buffer } {
    const result = this.spanParser.parseParts(parts, length, maxRows);
    this.rows += result.parse.rows;
    return result;
  }

  append(batch: RowBatch): void {
    for (let c = 0; c < this.buffers.length; c++) this.buffers[c].append(batch, c, 0, batch.length);
    this.rows += batch.length;
  }

  /**
   * The row group of every row appended; each page body owns its ArrayBuffer (transferable).
   * compress false: the pages as they are, for a writer that compresses them itself.
   */
  finish(compress = true): EncodedRowGroup {
    const columns = this.buffers.map((buffer) => ({
      numValues: buffer.rows,
      pages: buffer.pages(this.pageBytes).map((page) => ({ numValues: page.numValues, uncompressedSize: page.body.length, body: compress ? this.compress(page.body) : page.body })),
    }));
    return { numRows: this.rows, columns, compressed: compress };
  }

  /**
   * finish(false) without copying the pages: each page is its levels and a view of its values in
   * the column buffers' storage, which they give up (and replace) so the views stay valid.
   */
  handOver(): EncodedRowGroup {
    const movable: ArrayBuffer[] = [];
    const columns = this.buffers.map((buffer) => {
      const taken = buffer.takePages(this.pageBytes);
      movable.push(...taken.storage);
      return {
        numValues: buffer.rows,
        pages: taken.pages.map((page) => ({ numValues: page.numValues, uncompressedSize: (page.levels?.length ?? 0) + page.body.length, body: page.body, levels: page.levels })),
      };
    });
    return { numRows: this.rows, columns, compressed: false, movable };
  }

  /** Room in every column buffer for `rows` rows (see ColumnBuffer.reserveRows). */
  reserveRows(rows: number): void {
    for (const buffer of this.buffers) buffer.reserveRows(rows);
  }

  /** Empties the column buffers for the next row group; they keep their size (no regrowing). */
  reset(): void {
    for (const buffer of this.buffers) buffer.reset();
    this.rows = 0;
  }

  private compress(page: Buffer): Uint8Array {
    if (this.codec === 'snappy') return snappyCompressOwned(page);
    if (this.codec === 'gzip') return new Uint8Array(gzipSync(page, { level: GZIP_LEVEL }));
    // A copy of its own: `page` may be a slice of Node's shared small-buffer pool.
    return new Uint8Array(page);
  }
}

/** The ArrayBuffers of a group's pages, for postMessage's transfer list. */
export function transferablesOf(group: EncodedRowGroup): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  for (const column of group.columns) for (const page of column.pages) out.push(page.body.buffer as ArrayBuffer);
  return out;
}
