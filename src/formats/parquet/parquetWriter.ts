// A streaming Parquet writer: rows are buffered per column for one row group at a time (flushed
// every N rows or about M bytes, so memory is bounded), each column chunk is written as data
// pages v1 (PLAIN values, RLE definition levels), and the footer goes last.
import { endianness } from 'node:os';
import type { Writable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import type { ColumnSchema, RowBatch } from '../../engine/rows';
import { OutputSink } from '../outputSink';
import type { ParquetWriterOptions, RecordFileWriter, WriteSummary } from '../recordFileWriter';
import { type ColumnBuffer, createColumnBuffer } from './columnBuffers';
import { type ColumnChunkInfo, CompressionCodec, type RowGroupInfo, serializeFileMetaData, serializePageHeader } from './parquetFormat';
import { snappyCompress } from './snappyCompress';

// Typed arrays are copied to the file as they are: PLAIN encoding is little-endian.
if (endianness() !== 'LE') throw new Error('the Parquet writer needs a little-endian machine');

export type ParquetCompression = 'none' | 'snappy' | 'gzip';

const MAGIC = Buffer.from('PAR1', 'ascii');
const DEFAULT_ROW_GROUP_ROWS = 1 << 20;
const DEFAULT_ROW_GROUP_BYTES = 64 << 20;
const DEFAULT_PAGE_BYTES = 1 << 20;
/** Rows appended between two checks of the row group's size. */
const SLICE_ROWS = 8192;
export const PARQUET_CREATED_BY = 'kusto-data-mover version 0.1.0';
/** Key of the footer metadata holding the Kusto column types, for a faithful way back into Kusto. */
export const KUSTO_SCHEMA_METADATA_KEY = 'kusto-data-mover.kusto.schema';

export class ParquetWriter implements RecordFileWriter {
  private readonly sink: OutputSink;
  private readonly columns: ColumnBuffer[];
  private readonly codec: CompressionCodec;
  private readonly rowGroupRows: number;
  private readonly rowGroupBytes: number;
  private readonly pageBytes: number;
  private readonly rowGroups: RowGroupInfo[] = [];
  private readonly schema: readonly ColumnSchema[];
  private position = 0;
  private groupRows = 0;
  private totalRows = 0;

  constructor(output: Writable, columns: readonly ColumnSchema[], compression: ParquetCompression = 'snappy', options: ParquetWriterOptions = {}) {
    this.sink = new OutputSink(output, 'none');
    this.schema = columns;
    this.columns = columns.map(createColumnBuffer);
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
      if (this.groupRows >= this.rowGroupRows || this.bufferedBytes() >= this.rowGroupBytes) await this.flushRowGroup();
    }
  }

  async close(): Promise<WriteSummary> {
    if (this.position === 0) await this.emit(MAGIC);
    if (this.groupRows > 0) await this.flushRowGroup();
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
    await this.sink.destroy();
  }

  private bufferedBytes(): number {
    let total = 0;
    for (const c of this.columns) total += c.byteSize();
    return total;
  }

  private async flushRowGroup(): Promise<void> {
    const groupStart = this.position;
    const chunks: ColumnChunkInfo[] = [];
    let uncompressedTotal = 0;
    for (const column of this.columns) {
      const chunkStart = this.position;
      let uncompressed = 0;
      for (const page of column.pages(this.pageBytes)) {
        const compressed = this.compress(page.body);
        const header = serializePageHeader({ uncompressedSize: page.body.length, compressedSize: compressed.length, numValues: page.numValues });
        uncompressed += header.length + page.body.length;
        await this.emit(header);
        await this.emit(compressed);
      }
      chunks.push({
        column: column.descriptor,
        codec: this.codec,
        numValues: column.rows,
        totalUncompressedSize: uncompressed,
        totalCompressedSize: this.position - chunkStart,
        dataPageOffset: chunkStart,
      });
      uncompressedTotal += uncompressed;
      column.reset();
    }
    this.rowGroups.push({
      numRows: this.groupRows,
      fileOffset: groupStart,
      totalByteSize: uncompressedTotal,
      totalCompressedSize: this.position - groupStart,
      columns: chunks,
    });
    this.groupRows = 0;
  }

  private compress(body: Buffer): Buffer {
    switch (this.codec) {
      case CompressionCodec.SNAPPY:
        return snappyCompress(body);
      case CompressionCodec.GZIP:
        return gzipSync(body, { level: 6 });
      default:
        return body;
    }
  }

  private async emit(bytes: Buffer): Promise<void> {
    this.position += bytes.length;
    await this.sink.write(bytes);
  }
}
