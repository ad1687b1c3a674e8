// A streaming Parquet writer: rows are buffered per column for one row group at a time (flushed
// every N rows or about M bytes, so memory is bounded), each column chunk is written as data
// pages v1 (PLAIN values, RLE definition levels), and the footer goes last. A full row group's
// pages are compressed off this thread (pageCompressor) while the next row group fills; at most
// two row groups wait to be compressed and written, so memory stays at about three row groups.
import { endianness } from 'node:os';
import type { Writable } from 'node:stream';
import type { ColumnSchema, RowBatch } from '../../engine/rows';
import { OutputSink } from '../outputSink';
import type { ParquetWriterOptions, RecordFileWriter, WriteSummary } from '../recordFileWriter';
import { type ColumnBuffer, type GatheredColumn, type PageBody, type PickedRows, createColumnBuffer } from './columnBuffers';
import { type PageCodec, type PageInput, compressPages, startCompressionWorker } from './pageCompressor';
import type { EncodedRowGroup } from './rowGroupEncoder';
import type { ColumnDescriptor } from './parquetFormat';
import { type ColumnChunkInfo, CompressionCodec, PAGE_HEADER_MAX_BYTES, type RowGroupInfo, serializeFileMetaData, serializePageHeader } from './parquetFormat';

// Typed arrays are copied to the file as they are: PLAIN encoding is little-endian.
if (endianness() !== 'LE') throw new Error('the Parquet writer needs a little-endian machine');

export type ParquetCompression = PageCodec;

const MAGIC = Buffer.from('PAR1', 'ascii');
const DEFAULT_ROW_GROUP_ROWS = 1 << 20;
// Small enough that a result of a few hundred MB has several row groups to pipeline (one is
// compressed while the next fills), large enough for efficient column scans in Spark.
export const DEFAULT_ROW_GROUP_BYTES = 16 << 20;
export const DEFAULT_PAGE_BYTES = 1 << 20;
/** Row groups compressed or written at once (see roomForGroup). */
const MAX_GROUPS_IN_FLIGHT = 2;
/** Queued bytes written in one go at most (see flush): the file stream's highWaterMark. */
const SINGLE_WRITE_BYTES = 1 << 20;
/** At most this many rows are reserved ahead for a first row group (see appended). */
const MAX_RESERVED_ROWS = 1 << 20;
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

interface CompressedColumnChunk {
  descriptor: ColumnDescriptor;
  numValues: number;
  pages: Array<{ numValues: number; uncompressedSize: number; body: Buffer }>;
}

export class ParquetWriter implements RecordFileWriter {
  private readonly sink: OutputSink;
  private readonly columns: ColumnBuffer[];
  private readonly compression: ParquetCompression;
  private readonly codec: CompressionCodec;
  private readonly rowGroupRows: number;
  private readonly rowGroupBytes: number;
  private readonly pageBytes: number;
  private readonly closeHelps: boolean;
  private readonly rowGroups: RowGroupInfo[] = [];
  private readonly schema: readonly ColumnSchema[];
  /** Bytes of the file so far, queued ones included. */
  private position = 0;
  /** Bytes counted in `position` and not yet handed to the sink (see flush). */
  private queued: Buffer[] = [];
  private groupRows = 0;
  private totalRows = 0;
  /**
   * Row groups started (each compressed, then written after the one before it), oldest first: at
   * most MAX_GROUPS_IN_FLIGHT, those written drop off as room is needed; the last is kept.
   */
  private readonly started: Promise<void>[] = [];

  constructor(output: Writable, columns: readonly ColumnSchema[], compression: ParquetCompression = 'snappy', options: ParquetWriterOptions = {}) {
    this.sink = new OutputSink(output, 'none');
    this.schema = columns;
    this.columns = columns.map(createColumnBuffer);
    this.compression = compression;
    this.codec = compression === 'snappy' ? CompressionCodec.SNAPPY : compression === 'gzip' ? CompressionCodec.GZIP : CompressionCodec.UNCOMPRESSED;
    this.rowGroupRows = Math.max(1, options.rowGroupRows ?? DEFAULT_ROW_GROUP_ROWS);
    this.rowGroupBytes = Math.max(1024, options.rowGroupBytes ?? DEFAULT_ROW_GROUP_BYTES);
    this.pageBytes = Math.max(1024, options.pageBytes ?? DEFAULT_PAGE_BYTES);
    this.closeHelps = options.closeHelps ?? true;
    startCompressionWorker(compression);
  }

  async write(batch: RowBatch): Promise<void> {
    if (this.position === 0) this.queue(MAGIC);
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

  /**
   * Appends the rows `picks[from..to)` of column buffers parsed elsewhere (a row group from the
   * response's bytes, one buffer per column of this file, in order; see PickedRows), flushing row
   * groups as write() does.
   */
  async writePicked(source: PickedRows, from: number, to: number): Promise<void> {
    if (source.columns.length !== this.columns.length) throw new Error(`picked rows have ${source.columns.length} columns, the file ${this.columns.length}`);
    if (this.position === 0) this.queue(MAGIC);
    while (from < to) {
      const end = Math.min(to, from + SLICE_ROWS, from + (this.rowGroupRows - this.groupRows));
      for (let c = 0; c < this.columns.length; c++) this.columns[c].appendPicked(source.columns[c], source.valueIndexes[c], source.picks, from, end);
      this.appended(end - from);
      from = end;
      if (this.groupRows >= this.rowGroupRows || this.bufferedBytes() >= this.rowGroupBytes) await this.startRowGroupWrite();
    }
  }

  /**
   * writePicked for rows already in order (rowGather.ts): rows [from, to) of gathered columns,
   * one per column of this file, in order. Appended in the same slices as writePicked, so the
   * row groups end at the same rows.
   */
  async writeGathered(source: readonly GatheredColumn[], from: number, to: number): Promise<void> {
    if (source.length !== this.columns.length) throw new Error(`gathered rows have ${source.length} columns, the file ${this.columns.length}`);
    if (this.position === 0) this.queue(MAGIC);
    while (from < to) {
      from = this.appendGatheredUntilFull(source, from, to);
      if (this.groupFull()) await this.startRowGroupWrite();
    }
  }

  /**
   * writeGathered's appends, slice by slice, until the row group is full (or the rows end): where
   * they stopped. Apart from the async function, which stays small: in the 1 M-row partitioned job
   * writeGathered with the appends in it was one of the largest optimizing compiles (23 ms, and
   * 10 ms of it finished on this thread).
   */
  private appendGatheredUntilFull(source: readonly GatheredColumn[], from: number, to: number): number {
    while (from < to) {
      const end = Math.min(to, from + SLICE_ROWS, from + (this.rowGroupRows - this.groupRows));
      for (let c = 0; c < this.columns.length; c++) this.columns[c].appendGathered(source[c], from, end);
      this.appended(end - from);
      from = end;
      if (this.groupFull()) break;
    }
    return from;
  }

  /** Whether the row group filling now is to be cut (rows or bytes). */
  private groupFull(): boolean {
    return this.groupRows >= this.rowGroupRows || this.bufferedBytes() >= this.rowGroupBytes;
  }

  /**
   * Writes a row group encoded elsewhere (rowGroupEncoder.ts, with this writer's columns and
   * codec) after the rows written before it, which become a row group of their own.
   */
  async writeRowGroup(group: EncodedRowGroup): Promise<void> {
    if (group.columns.length !== this.columns.length) throw new Error(`an encoded row group has ${group.columns.length} columns, the file ${this.columns.length}`);
    if (this.position === 0) this.queue(MAGIC);
    if (this.groupRows > 0) await this.startRowGroupWrite();
    await this.roomForGroup();
    this.totalRows += group.numRows;
    const columns = group.columns.map((chunk, c) => ({
      descriptor: this.columns[c].descriptor,
      numValues: chunk.numValues,
      pages: chunk.pages.map((page) => ({ numValues: page.numValues, uncompressedSize: page.uncompressedSize, body: asBuffer(page.body), levels: page.levels && asBuffer(page.levels) })),
    }));
    this.track(group.compressed ? this.afterPrevious(() => this.writeCompressedRowGroup(group.numRows, columns)) : this.compressAndWriteRowGroup({ numRows: group.numRows, columns }, false, group.movable));
  }

  async close(): Promise<WriteSummary> {
    if (this.position === 0) this.queue(MAGIC);
    if (this.groupRows > 0) await this.startRowGroupWrite(this.closeHelps);
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
    this.queue(footer);
    this.queue(tail);
    await this.flush();
    const bytes = await this.sink.finish();
    return { rows: this.totalRows, bytes };
  }

  async abort(): Promise<void> {
    await this.inFlight?.catch(() => undefined);
    await this.sink.destroy();
  }

  /**
   * Counts rows appended from column buffers (writePicked, writeGathered). After the file's first
   * such slice, the buffers get room for the whole first row group at once (rows to reach
   * rowGroupBytes at the bytes per row so far, an eighth more as later rows may be longer, plus one
   * more slice of this size, as the group closes after the slice that crosses it): a partition
   * file's first group is not copied at each
   * doubling of its buffers. Later groups reuse that room (reset keeps it). Only capacity: the
   * row groups and bytes written are the same.
   */
  private appended(rows: number): void {
    const first = this.totalRows === 0;
    this.groupRows += rows;
    this.totalRows += rows;
    if (!first || rows === 0) return;
    const bytes = this.bufferedBytes();
    if (bytes === 0 || bytes >= this.rowGroupBytes) return;
    const expected = Math.min(this.rowGroupRows, Math.ceil((this.rowGroupBytes * this.groupRows * 9) / (bytes * 8)) + rows, MAX_RESERVED_ROWS);
    for (const column of this.columns) column.reserveRows(expected);
  }

  private bufferedBytes(): number {
    let total = 0;
    for (const c of this.columns) total += c.byteSize();
    return total;
  }

  /**
   * Cuts the buffered rows into a row group and starts compressing it, to be written after the
   * one before it (the file keeps their order); at most MAX_GROUPS_IN_FLIGHT wait at once, so
   * memory stays at that many row groups plus the one filling.
   */
  private async startRowGroupWrite(last = false): Promise<void> {
    await this.roomForGroup();
    const cut: CutRowGroup = { numRows: this.groupRows, columns: [] };
    for (const column of this.columns) {
      cut.columns.push({ descriptor: column.descriptor, numValues: column.rows, pages: column.pages(this.pageBytes) });
      column.reset();
    }
    this.groupRows = 0;
    this.track(this.compressAndWriteRowGroup(cut, last));
  }

  /**
   * Waits while MAX_GROUPS_IN_FLIGHT row groups are started and not written. Two: the compressor
   * works on one while the next waits its turn, so the thread that fills groups does not stop
   * each time a group takes longer to compress than the next one takes to fill.
   */
  private async roomForGroup(): Promise<void> {
    while (this.started.length >= MAX_GROUPS_IN_FLIGHT) await this.started.shift();
  }

  /** The row group started last (written after all before it), if any. */
  private get inFlight(): Promise<void> | undefined {
    return this.started[this.started.length - 1];
  }

  /** A started row group: the next write, close or abort sees its failure. */
  private track(writing: Promise<void>): void {
    // Handled here so a failure is not "unhandled" while rows are still being appended.
    writing.catch(() => undefined);
    this.started.push(writing);
  }

  /** `write` once the row group started before this one is written (the file keeps their order). */
  private afterPrevious(write: () => Promise<void>): Promise<void> {
    const previous = this.inFlight;
    return previous ? previous.then(write) : write();
  }

  /** movable: ArrayBuffers of the pages that the compressor may take over (see EncodedRowGroup). */
  private async compressAndWriteRowGroup(cut: CutRowGroup, last: boolean, movable?: readonly ArrayBuffer[]): Promise<void> {
    const previous = this.inFlight;
    // Sizes first: the compressor may take the page buffers over (moved to its thread).
    const uncompressedSizes = cut.columns.map((c) => c.pages.map((p) => (p.levels?.length ?? 0) + p.body.length));
    const compressed = await compressPages(this.compression, cut.columns.flatMap((c) => c.pages.map((p): PageInput => (p.levels ? [p.levels, p.body] : p.body))), last, movable);
    await previous;
    let next = 0;
    await this.writeCompressedRowGroup(
      cut.numRows,
      cut.columns.map((column, c) => ({
        descriptor: column.descriptor,
        numValues: column.numValues,
        pages: column.pages.map((page, p) => ({ numValues: page.numValues, uncompressedSize: uncompressedSizes[c][p], body: compressed[next++] })),
      })),
    );
  }

  /**
   * Writes one row group's compressed pages, column after column, and records it for the footer.
   * The page headers are written into one buffer for the group and queued as views of it.
   */
  private async writeCompressedRowGroup(numRows: number, columns: CompressedColumnChunk[]): Promise<void> {
    const groupStart = this.position;
    const chunks: ColumnChunkInfo[] = [];
    let uncompressedTotal = 0;
    let pageCount = 0;
    for (const column of columns) pageCount += column.pages.length;
    const headers = Buffer.allocUnsafe(pageCount * PAGE_HEADER_MAX_BYTES);
    let at = 0;
    for (const column of columns) {
      const chunkStart = this.position;
      let uncompressed = 0;
      for (const page of column.pages) {
        const end = serializePageHeader(headers, at, page.uncompressedSize, page.body.length, page.numValues);
        uncompressed += end - at + page.uncompressedSize;
        this.queue(headers.subarray(at, end));
        this.queue(page.body);
        at = end;
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
      numRows,
      fileOffset: groupStart,
      totalByteSize: uncompressedTotal,
      totalCompressedSize: this.position - groupStart,
      columns: chunks,
    });
    await this.flush();
  }

  /** Bytes for the file after those queued before (written at the next flush). */
  private queue(bytes: Buffer): void {
    this.position += bytes.length;
    this.queued.push(bytes);
  }

  /**
   * Writes the queued bytes: up to SINGLE_WRITE_BYTES in one go (one vectored write per row group
   * of a partition file rather than one write per page header and page: with 50 partition files
   * those round trips to libuv's pool added up); more, chunk by chunk under the stream's
   * backpressure, as before (one 6 MB vectored write per row group of the unpartitioned 10 M-row
   * job took 0.25-0.37 s more system time in each of 6 runs).
   */
  private async flush(): Promise<void> {
    const chunks = this.queued;
    this.queued = [];
    let bytes = 0;
    for (const chunk of chunks) bytes += chunk.length;
    if (bytes <= SINGLE_WRITE_BYTES) {
      await this.sink.writeAll(chunks);
      return;
    }
    for (const chunk of chunks) await this.sink.write(chunk);
  }
}

/** A Uint8Array's bytes as a Buffer (a view, not a copy). */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
