// A streaming Parquet writer: rows are buffered per column for one row group at a time (flushed
// every N rows or about M bytes, so memory is bounded), each column chunk is written as data
// pages v1 (PLAIN values, RLE definition levels), and the footer goes last. A full row group's
// pages are compressed off this thread (pageCompressor) while the next row group fills; at most
// one row group is in flight, so memory stays at about two row groups.
import { endianness } from 'node:os';
import type { Writable } from 'node:stream';
import type { ColumnSchema, RowBatch } from '../../engine/rows';
import { OutputSink } from '../outputSink';
import type { ParquetWriterOptions, RecordFileWriter, WriteSummary } from '../recordFileWriter';
import { type ColumnBuffer, type PageBody, createColumnBuffer } from './columnBuffers';
import { type PageCodec, compressPages } from './pageCompressor';
import type { ColumnDescriptor } from './parquetFormat';
import { type ColumnChunkInfo, CompressionCodec, type RowGroupInfo, serializeFileMetaData, serializePageHeader } from './parquetFormat';

// Typed arrays are copied to the file as they are: PLAIN encoding is little-endian.
if (endianness() !== 'LE') throw new Error('the Parquet writer needs a little-endian machine');

export type ParquetCompression = PageCodec;

const MAGIC = Buffer.from('PAR1', 'ascii');
const DEFAULT_ROW_GROUP_ROWS = 1 << 20;
// Small enough that a result of a few hundred MB has several row groups to pipeline (one is
// compressed while the next fills), large enough for efficient column scans in Spark.
export const DEFAULT_ROW_GROUP_BYTES = 16 << 20;
const DEFAULT_PAGE_BYTES = 1 << 20;
/** Rows appended between two checks of the row group's size. */
const SLICE_ROWS = 8192;
export const PARQUET_CREATED_BY = 'kusto-data-mover version 0.1.0';
/** Key of the footer metadata holding the Kusto column types, for a faithful way back into Kusto. */
export const KUSTO_SCHEMA_METADATA_KEY = 'kusto-data-mover.kusto.schema';

/** One row group's pages, cut from the column buffers (which are then free for the next group). */
interface CutRowGroup {
  numRows: number;
  columns: Array<{ descriptor: ColumnDescriptor; numValues: number; pages: PageBody[] }>;
}

export class ParquetWriter implements RecordFileWriter {
  private readonly sink: OutputSink;
  private readonly columns: ColumnBuffer[];
  private readonly compression: ParquetCompression;
  private readonly codec: CompressionCodec;
  private readonly rowGroupRows: number;
  private readonly rowGroupBytes: number;
  private readonly pageBytes: number;
  private readonly rowGroups: RowGroupInfo[] = [];
  private readonly schema: readonly ColumnSchema[];
  private position = 0;
  private groupRows = 0;
  private totalRows = 0;
  /** The row group being compressed and written, if any. */
  private inFlight: Promise<void> | undefined;

  constructor(output: Writable, columns: readonly ColumnSchema[], compression: ParquetCompression = 'snappy', options: ParquetWriterOptions = {}) {
    this.sink = new OutputSink(output, 'none');
    this.schema = columns;
    this.columns = columns.map(createColumnBuffer);
    this.compression = compression;
    this.codec = compression === 'snappy' ? CompressionCodec.SNAPPY : compression === 'gzip' ? CompressionCodec.GZIP : CompressionCodec.UNCOMPRESSED;
    this.rowGroupRows = Math.max(1, options.rowGroupRows ?? DEFAULT_ROW_GROUP_ROWS);
    this.rowGroupBytes = Math.max(1024, options.rowGroupBytes ?? DEFAULT_ROW_GROUP_BYTES);
    this.pageBytes = Math.max(1024, options.pageBytes ?? DEFAULT_PAGE_BYTES);
  }

  async write(batch: RowBatch): Promise<void> {
    if (this.position === 0) await this.emit(MAGIC);
    let from = 0;
    while (from < batch.length) {
      const to = Math.min(batch.length, from + SLICE_ROWS, from + (this.rowGroupRows - this.groupRows));
      for (let c = 0; c < this.columns.length; c++) this.columns[c].append(batch, c, from, to);
      this.groupRows += to - from;
      this.totalRows += to - from;
      from = to;
      if (this.groupRows >= this.rowGroupRows || this.bufferedBytes() >= this.rowGroupBytes) await this.startRowGroupWrite();
    }
  }

  async close(): Promise<WriteSummary> {
    if (this.position === 0) await this.emit(MAGIC);
    if (this.groupRows > 0) await this.startRowGroupWrite(true);
    await this.inFlight;
    const footer = serializeFileMetaData({
      columns: this.columns.map((c) => c.descriptor),
      numRows: this.totalRows,
      rowGroups: this.rowGroups,
      keyValueMetadata: [[KUSTO_SCHEMA_METADATA_KEY, JSON.stringify(this.schema.map(({ name, type }) => ({ name, type })))]],
      createdBy: PARQUET_CREATED_BY,
    });
    const tail = Buffer.allocUnsafe(8);
    tail.writeUInt32LE(footer.length, 0);
    MAGIC.copy(tail, 4);
    await this.emit(footer);
    await this.emit(tail);
    const bytes = await this.sink.finish();
    return { rows: this.totalRows, bytes };
  }

  async abort(): Promise<void> {
    await this.inFlight?.catch(() => undefined);
    await this.sink.destroy();
  }

  private bufferedBytes(): number {
    let total = 0;
    for (const c of this.columns) total += c.byteSize();
    return total;
  }

  /**
   * Cuts the buffered rows into a row group and starts compressing and writing it, after the
   * previous one is written (which keeps the file's order and bounds memory to two row groups).
   */
  private async startRowGroupWrite(last = false): Promise<void> {
    await this.inFlight;
    const cut: CutRowGroup = { numRows: this.groupRows, columns: [] };
    for (const column of this.columns) {
      cut.columns.push({ descriptor: column.descriptor, numValues: column.rows, pages: column.pages(this.pageBytes) });
      column.reset();
    }
    this.groupRows = 0;
    const writing = this.writeRowGroup(cut, last);
    // Handled here so a failure is not "unhandled" while rows are still being appended; the next
    // write, close or abort awaits `inFlight` and sees it.
    writing.catch(() => undefined);
    this.inFlight = writing;
  }

  private async writeRowGroup(cut: CutRowGroup, last: boolean): Promise<void> {
    // Sizes first: the compressor may take the page buffers over (moved to its thread).
    const uncompressedSizes = cut.columns.map((c) => c.pages.map((p) => p.body.length));
    const compressed = await compressPages(this.compression, cut.columns.flatMap((c) => c.pages.map((p) => p.body)), last);
    const groupStart = this.position;
    const chunks: ColumnChunkInfo[] = [];
    let uncompressedTotal = 0;
    let next = 0;
    for (const [c, column] of cut.columns.entries()) {
      const chunkStart = this.position;
      let uncompressed = 0;
      for (const [p, page] of column.pages.entries()) {
        const body = compressed[next++];
        const uncompressedSize = uncompressedSizes[c][p];
        const header = serializePageHeader({ uncompressedSize, compressedSize: body.length, numValues: page.numValues });
        uncompressed += header.length + uncompressedSize;
        await this.emit(header);
        await this.emit(body);
      }
      chunks.push({
        column: column.descriptor,
        codec: this.codec,
        numValues: column.numValues,
        totalUncompressedSize: uncompressed,
        totalCompressedSize: this.position - chunkStart,
        dataPageOffset: chunkStart,
      });
      uncompressedTotal += uncompressed;
    }
    this.rowGroups.push({
      numRows: cut.numRows,
      fileOffset: groupStart,
      totalByteSize: uncompressedTotal,
      totalCompressedSize: this.position - groupStart,
      columns: chunks,
    });
  }


  private async emit(bytes: Buffer): Promise<void> {
    this.position += bytes.length;
    await this.sink.write(bytes);
  }
}
