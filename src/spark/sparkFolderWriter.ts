// Spark's output folder layout, so that `spark.read.parquet(folder)` (or csv/json) reads what we
// write as if Spark had written it: part files named `part-00000-<jobId>-c000.snappy.parquet`
// (`.gz.parquet`, `.parquet`, `.csv`, `.csv.gz`, `.json`, `.json.gz`), a new part file every
// `maxRowsPerFile` rows, Hive partition folders `col=value` (Spark's escaping, partition columns
// left out of the files as Spark does), and an empty `_SUCCESS` marker.
// Everything is written into a hidden sibling folder `.<name>.kdm-tmp-<jobId>` that is renamed to
// the final name at commit, `_SUCCESS` being its last file: readers never see a partial folder.
// Each file gets its own part number (Spark numbers by task and counts files with cNNN).
import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ColumnSchema, KustoValue, Row, RowBatch } from '../engine/rows';
import type { ColumnBuffer, PickedRows } from '../formats/parquet/columnBuffers';
import { RowGather, SMALL_INTS } from '../formats/parquet/rowGather';
import { createRecordFileWriterAt } from '../formats/createRecordFileWriter';
import {
  type FileOutput,
  type FileOutputSummary,
  type IfExists,
  OutputAbortedError,
  OutputExistsError,
  hiddenSiblingPath,
  openSingleFileOutput,
  pathExists,
} from '../formats/fileOutput';
import { type FileCompression, type FileFormat, type ParquetWriterOptions, type RecordFileWriter, type WriteSummary, checkCompression, fileExtension } from '../formats/recordFileWriter';
import { DEFAULT_ROW_GROUP_BYTES } from '../formats/parquet/parquetWriter';
import type { EncodedRowGroup } from '../formats/parquet/rowGroupEncoder';
import { partitionFolderName } from './hivePartitionPath';
import { checkReplaceable, publishFolder, writeOutputMarker } from './outputFolder';

export interface SparkFolderWriterOptions {
  folder: string;
  format: FileFormat;
  columns: readonly ColumnSchema[];
  compression?: FileCompression;
  partitionBy?: readonly string[];
  /** Start a new part file after this many rows (per partition); unset or 0: no limit. */
  maxRowsPerFile?: number;
  /** Used in file names and temp names; a fresh UUID by default. */
  jobId?: string;
  ifExists?: IfExists;
  signal?: AbortSignal;
  parquet?: ParquetWriterOptions;
  /** Files open at once when writing partitions (oldest is finished first); default DEFAULT_MAX_OPEN_FILES. */
  maxOpenFiles?: number;
  /** Written into the folder's marker (see outputFolder.ts); a fresh UUID by default. */
  outputId?: string;
}

interface OpenPart {
  writer: RecordFileWriter;
  relativePath: string;
  rows: number;
}

/**
 * Total bytes that the open Parquet writers of a partitioned output may buffer together, split
 * between the open files. A writer's buffers take about 2.8 times what it counts (capacity grown
 * by doubling, the group being encoded beside the next): at 256 MB, 10 M rows in 50 partitions
 * peaked at 535 MB; at 64 MB, 270-297 MB; at 32 MB, 245-259 MB at the same CPU time (16 MB: 227-243 MB,
 * but more CPU time: more, smaller row groups).
 */
const PARQUET_BUFFER_BUDGET = 32 << 20;
/** Part files finished at once at commit (see finishOpenParts). */
const PARTS_FINISHED_AT_ONCE = 8;
/**
 * Partition files open at once. At 16, a result whose rows interleave 50 values finished and
 * restarted files on every batch (200 files for 50 partitions of 2,000 rows; 29x the time of the
 * unpartitioned job in the bench). 64 descriptors are far below any system's limit, and the
 * Parquet buffers stay within PARQUET_BUFFER_BUDGET (split between the open files).
 */
const DEFAULT_MAX_OPEN_FILES = 64;
/** Folder names remembered per partition column (a column of unique values must not grow the cache without end). */
const MAX_CACHED_FOLDER_NAMES = 4096;

/** An int column buffer's present values, packed (see RawColumn). */
function intValues(buffer: ColumnBuffer): Int32Array {
  const values = buffer.raw().values;
  return new Int32Array(values.buffer, values.byteOffset, values.byteLength >> 2);
}

/** Writes rows [from, to) of a partition (of a batch, or of a span's parsed columns in partition order) into one part file. */
type RowsWrite = (writer: RecordFileWriter, from: number, to: number) => Promise<void>;

/** The slot key of -0 when routing parsed rows (a Map does not tell it from 0). */
const NEGATIVE_ZERO = Symbol('-0');

export function partFileName(partNumber: number, jobId: string, format: FileFormat, compression: FileCompression): string {
  return `part-${String(partNumber).padStart(5, '0')}-${jobId}-c000${fileExtension(format, compression)}`;
}

export class SparkFolderWriter implements FileOutput {
  private readonly options: SparkFolderWriterOptions;
  private readonly compression: FileCompression;
  private readonly jobId: string;
  private readonly outputId: string;
  private readonly tempFolder: string;
  private readonly fileColumns: ColumnSchema[];
  private readonly dataIndexes: number[];
  private readonly partitionIndexes: number[];
  private readonly maxRowsPerFile: number;
  private readonly maxOpenFiles: number;
  /** Open part per partition folder ('' without partitions), least recently used first. */
  private readonly open = new Map<string, OpenPart>();
  private readonly finishedFiles: string[] = [];
  /** Partition folders made in the temp folder so far (each is made once, before its first file). */
  private readonly createdFolders = new Set<string>();
  /** Per partition column, the folder name of each value seen (escaping every row's value again was most of the routing's time). */
  private readonly folderNames: Array<Map<unknown, string>> = [];
  /** Puts parsed rows into partition order in WebAssembly (undefined: not tried yet; null: no module, rows are picked in JavaScript). */
  private gatherer: RowGather | null | undefined;
  private nextPart = 0;
  private rows = 0;
  private bytes = 0;
  private state: 'open' | 'committing' | 'committed' | 'aborted' = 'open';
  private aborting: Promise<void> | undefined;
  private readonly onAbort = (): void => void this.abort();

  private constructor(options: SparkFolderWriterOptions, compression: FileCompression, jobId: string) {
    this.options = options;
    this.compression = compression;
    this.jobId = jobId;
    this.outputId = options.outputId ?? randomUUID();
    this.tempFolder = hiddenSiblingPath(options.folder, 'tmp', jobId);
    const partitionBy = options.partitionBy ?? [];
    this.partitionIndexes = partitionBy.map((name) => {
      const index = options.columns.findIndex((c) => c.name === name);
      if (index < 0) throw new Error(`partition column "${name}" is not a column of the result (${options.columns.map((c) => c.name).join(', ')})`);
      return index;
    });
    if (new Set(this.partitionIndexes).size !== this.partitionIndexes.length) throw new Error('a partition column is listed twice');
    if (this.partitionIndexes.length > 0 && this.partitionIndexes.length === options.columns.length) {
      throw new Error('every column is a partition column: the files would have no columns');
    }
    this.dataIndexes = options.columns.map((_, i) => i).filter((i) => !this.partitionIndexes.includes(i));
    this.fileColumns = this.dataIndexes.map((i) => options.columns[i]);
    this.maxRowsPerFile = options.maxRowsPerFile && options.maxRowsPerFile > 0 ? options.maxRowsPerFile : Infinity;
    this.maxOpenFiles = Math.max(1, options.maxOpenFiles ?? DEFAULT_MAX_OPEN_FILES);
  }

  /** Checks the destination (fails early if it exists and ifExists is "fail") and prepares the temp folder. */
  static async open(options: SparkFolderWriterOptions): Promise<SparkFolderWriter> {
    const compression = checkCompression(options.format, options.compression);
    const writer = new SparkFolderWriter(options, compression, options.jobId ?? randomUUID());
    if ((options.ifExists ?? 'fail') === 'fail' && (await pathExists(options.folder))) throw new OutputExistsError(options.folder);
    // Refused before any row is read, and checked again at the swap.
    if (options.ifExists === 'replace') await checkReplaceable(options.folder);
    options.signal?.throwIfAborted();
    await fs.mkdir(writer.tempFolder, { recursive: true });
    options.signal?.addEventListener('abort', writer.onAbort, { once: true });
    return writer;
  }

  /** The hidden folder that holds the files until commit. */
  get temporaryFolder(): string {
    return this.tempFolder;
  }

  async write(batch: RowBatch): Promise<void> {
    await this.ensureOpen();
    try {
      if (this.partitionIndexes.length === 0) await this.writeTo('', batch);
      else {
        for (const [folder, rows] of this.groupByPartition(batch)) await this.writeTo(folder, rows);
      }
      this.rows += batch.length;
    } catch (err) {
      await this.abort();
      throw this.signalAborted() ? new OutputAbortedError() : err;
    }
  }

  async writeRowGroup(group: EncodedRowGroup): Promise<void> {
    await this.ensureOpen();
    if (this.partitionIndexes.length > 0) throw new Error('encoded row groups go only to Parquet output without partitions');
    try {
      const part = await this.partFor('');
      if (!part.writer.writeRowGroup) throw new Error('this part file does not take encoded row groups');
      // The reader ends each group at the file boundaries (ParquetSpanOptions.maxRowsPerFile).
      if (part.rows + group.numRows > this.maxRowsPerFile) throw new Error(`a row group of ${group.numRows} rows would cross the ${this.maxRowsPerFile}-row file boundary`);
      await part.writer.writeRowGroup(group);
      part.rows += group.numRows;
      this.rows += group.numRows;
      if (part.rows >= this.maxRowsPerFile) await this.finishPart('');
    } catch (err) {
      await this.abort();
      throw this.signalAborted() ? new OutputAbortedError() : err;
    }
  }

  /**
   * Parquet with partitions: a row group's rows parsed from the response's bytes into column
   * buffers (one per result column, as parsed: valid only until this resolves). Each row goes to
   * its partition's file by the partition columns' values, copied from buffer to buffer (no row
   * objects); the rows of a partition keep their order, as write() keeps them.
   */
  async writeColumns(columns: readonly ColumnBuffer[], rows: number): Promise<void> {
    await this.ensureOpen();
    if (this.partitionIndexes.length === 0 || this.options.format !== 'parquet') throw new Error('parsed column buffers go only to Parquet output with partitions');
    if (columns.length !== this.options.columns.length) throw new Error(`parsed rows have ${columns.length} columns, the output ${this.options.columns.length}`);
    try {
      if (this.gatherer === undefined) this.gatherer = RowGather.create() ?? null;
      const { folders, picks, starts } = this.routedInWasm(columns) ?? this.partitionsOfColumns(columns, rows);
      const data = this.dataIndexes.map((i) => columns[i]);
      let write: RowsWrite;
      if (this.gatherer) {
        // One bulk copy per partition and column instead of one per value.
        const gathered = this.gatherer.gather(data, picks);
        write = (writer, from, to) => {
          if (!writer.writeGathered) throw new Error('this part file does not take gathered column buffers');
          return writer.writeGathered(gathered, from, to);
        };
      } else {
        const source: PickedRows = { columns: data, valueIndexes: data.map((c) => c.valueIndexes()), picks };
        write = (writer, from, to) => {
          if (!writer.writePicked) throw new Error('this part file does not take parsed column buffers');
          return writer.writePicked(source, from, to);
        };
      }
      await this.createFolders(folders);
      for (let slot = 0; slot < folders.length; slot++) await this.writeRowsTo(folders[slot], starts[slot], starts[slot + 1], write);
      this.rows += rows;
    } catch (err) {
      await this.abort();
      throw this.signalAborted() ? new OutputAbortedError() : err;
    }
  }

  async writeText(text: Uint8Array, rows: number, onWritten?: () => void): Promise<void> {
    await this.ensureOpen();
    if (this.partitionIndexes.length > 0 || this.maxRowsPerFile !== Infinity) throw new Error('encoded text goes only to output without partitions or a rows-per-file limit');
    try {
      const part = await this.partFor('');
      if (!part.writer.writeText) throw new Error('this part file does not take encoded text');
      await part.writer.writeText(text, rows, onWritten);
      part.rows += rows;
      this.rows += rows;
    } catch (err) {
      await this.abort();
      throw this.signalAborted() ? new OutputAbortedError() : err;
    }
  }

  async commit(): Promise<FileOutputSummary> {
    await this.ensureOpen();
    try {
      await this.finishOpenParts();
      // An empty result still gets one file with the columns (a header, a Parquet schema), as Spark does.
      if (this.finishedFiles.length === 0 && this.partitionIndexes.length === 0) {
        await (await this.partFor('')).writer.write([]);
        await this.finishPart('');
      }
      await writeOutputMarker(this.tempFolder, { jobId: this.jobId, outputId: this.outputId, rows: this.rows, bytes: this.bytes, files: this.finishedFiles });
      await fs.writeFile(join(this.tempFolder, '_SUCCESS'), '');
      await this.ensureOpen();
      this.state = 'committing';
      await fs.mkdir(dirname(this.options.folder), { recursive: true });
      await publishFolder(this.tempFolder, this.options.folder, this.jobId, this.options.ifExists ?? 'fail');
      this.state = 'committed';
      this.options.signal?.removeEventListener('abort', this.onAbort);
      return { rows: this.rows, bytes: this.bytes, files: this.finishedFiles.map((f) => join(this.options.folder, f)) };
    } catch (err) {
      if (this.state === 'committing') this.state = 'open';
      await this.abort();
      throw this.signalAborted() ? new OutputAbortedError() : err;
    }
  }

  abort(): Promise<void> {
    if (this.state === 'committing' || this.state === 'committed') return Promise.resolve();
    this.state = 'aborted';
    this.aborting ??= (async () => {
      this.options.signal?.removeEventListener('abort', this.onAbort);
      const parts = [...this.open.values()];
      this.open.clear();
      await Promise.all(parts.map((p) => p.writer.abort().catch(() => undefined)));
      await fs.rm(this.tempFolder, { recursive: true, force: true, maxRetries: 3 }).catch(() => undefined);
    })();
    return this.aborting;
  }

  private groupByPartition(batch: RowBatch): Map<string, Row[]> {
    const groups = new Map<string, Row[]>();
    const columns = this.options.columns;
    for (const row of batch) {
      let folder = '';
      for (let p = 0; p < this.partitionIndexes.length; p++) {
        const index = this.partitionIndexes[p];
        folder += (folder ? '/' : '') + this.folderName(p, columns[index], row[index]);
      }
      const projected = this.dataIndexes.map((i) => row[i]);
      const group = groups.get(folder);
      if (group) group.push(projected);
      else groups.set(folder, [projected]);
    }
    return groups;
  }

  /**
   * partitionsOfColumns by the module, for a single int partition column whose values are small
   * (or null); undefined for other partitions, or without the module.
   */
  private routedInWasm(columns: readonly ColumnBuffer[]): { folders: string[]; picks: Int32Array; starts: Int32Array } | undefined {
    if (!this.gatherer || this.partitionIndexes.length !== 1) return undefined;
    const index = this.partitionIndexes[0];
    const buffer = columns[index];
    if (buffer.column.type !== 'int') return undefined;
    const routed = this.gatherer.routeSmallInts(buffer);
    if (!routed) return undefined;
    const valueIndexes = buffer.valueIndexes();
    const folders = Array.from(routed.firstRows, (r) => this.folderName(0, this.options.columns[index], buffer.valueAt(r, valueIndexes)));
    return { folders, picks: routed.picks, starts: routed.starts };
  }

  /**
   * The partition folder of each of the parsed rows: the folders in the order they first appear,
   * and the rows' indexes grouped by folder (a stable counting sort), folder k's from starts[k].
   */
  private partitionsOfColumns(columns: readonly ColumnBuffer[], rows: number): { folders: string[]; picks: Int32Array; starts: Int32Array } {
    const schema = this.options.columns;
    const partitionColumns = this.partitionIndexes.map((i) => ({ buffer: columns[i], valueIndexes: columns[i].valueIndexes() }));
    const single = partitionColumns.length === 1;
    const slotOf = new Int32Array(rows);
    const folders: string[] = [];
    const slots = new Map<unknown, number>();
    let counts = new Int32Array(64);
    // An int partition column's small values (0 to SMALL_INTS, exclusive) find their slot in a
    // table: a Map lookup per row (with the value read back first) was most of the routing's time.
    const first = partitionColumns[0];
    const ints = single && first.buffer.column.type === 'int' ? intValues(first.buffer) : undefined;
    const smallSlots = ints ? new Int32Array(SMALL_INTS) : undefined;
    for (let r = 0; r < rows; r++) {
      let small = -1;
      if (ints && first.buffer.isPresent(r)) {
        const v = ints[first.valueIndexes ? first.valueIndexes[r] : r];
        if (v >= 0 && v < SMALL_INTS) {
          const known = (smallSlots as Int32Array)[v];
          if (known > 0) {
            slotOf[r] = known - 1;
            counts[known - 1]++;
            continue;
          }
          small = v;
        }
      }
      let key: unknown;
      let folder: string | undefined;
      if (single) {
        key = partitionColumns[0].buffer.valueAt(r, partitionColumns[0].valueIndexes);
        // -0 and 0 are one Map key but two folders ("-0.0", "0.0").
        if (Object.is(key, -0)) key = NEGATIVE_ZERO;
      } else {
        folder = '';
        for (let p = 0; p < partitionColumns.length; p++) {
          const index = this.partitionIndexes[p];
          folder += (p > 0 ? '/' : '') + this.folderName(p, schema[index], partitionColumns[p].buffer.valueAt(r, partitionColumns[p].valueIndexes));
        }
        key = folder;
      }
      let slot = slots.get(key);
      if (slot === undefined) {
        slot = folders.length;
        const index = this.partitionIndexes[0];
        folders.push(folder ?? this.folderName(0, schema[index], partitionColumns[0].buffer.valueAt(r, partitionColumns[0].valueIndexes)));
        slots.set(key, slot);
        if (slot >= counts.length) {
          const grown = new Int32Array(counts.length * 2);
          grown.set(counts);
          counts = grown;
        }
      }
      if (small >= 0) (smallSlots as Int32Array)[small] = slot + 1;
      slotOf[r] = slot;
      counts[slot]++;
    }
    const starts = new Int32Array(folders.length + 1);
    for (let k = 0; k < folders.length; k++) starts[k + 1] = starts[k] + counts[k];
    const next = starts.slice(0, folders.length);
    const picks = new Int32Array(rows);
    for (let r = 0; r < rows; r++) picks[next[slotOf[r]]++] = r;
    return { folders, picks, starts };
  }

  /**
   * The folder name of partition column p's value, remembered per value. Only primitives are
   * cached: a Map keys an object (a dynamic value) by identity, so it would never be found again.
   * A Map takes -0 for 0, whose folder names differ ("-0.0" and "0.0"): -0 is not cached.
   */
  private folderName(p: number, column: ColumnSchema, value: KustoValue): string {
    const names = (this.folderNames[p] ??= new Map());
    const cacheable = (typeof value !== 'object' || value === null) && !Object.is(value, -0);
    let name = cacheable ? names.get(value) : undefined;
    if (name === undefined) {
      name = partitionFolderName(column.name, column.type, value);
      if (cacheable && names.size < MAX_CACHED_FOLDER_NAMES) names.set(value, name);
    }
    return name;
  }

  /**
   * Rows [from, to) of a partition (`write` writes a run of them into a part file): into the
   * partition's open file, a new file every maxRowsPerFile rows. No rows open no file (an empty
   * result gets its one file at commit).
   */
  private async writeRowsTo(folder: string, from: number, to: number, write: RowsWrite): Promise<void> {
    while (from < to) {
      const part = await this.partFor(folder);
      const take = Math.min(to - from, this.maxRowsPerFile - part.rows);
      await write(part.writer, from, from + take);
      part.rows += take;
      from += take;
      if (part.rows >= this.maxRowsPerFile) await this.finishPart(folder);
    }
  }

  /** writeRowsTo for row objects. */
  private writeTo(folder: string, rows: Row[]): Promise<void> {
    return this.writeRowsTo(folder, 0, rows.length, (writer, from, to) => writer.write(from === 0 && to === rows.length ? rows : rows.slice(from, to)));
  }

  private async partFor(folder: string): Promise<OpenPart> {
    const existing = this.open.get(folder);
    if (existing) {
      // Keep the map in least-recently-used order.
      this.open.delete(folder);
      this.open.set(folder, existing);
      return existing;
    }
    while (this.open.size >= this.maxOpenFiles) await this.finishPart(this.open.keys().next().value as string);
    await this.createFolders([folder]);
    const name = partFileName(this.nextPart++, this.jobId, this.options.format, this.compression);
    const relativePath = folder ? `${folder}/${name}` : name;
    const writer = createRecordFileWriterAt(join(this.tempFolder, relativePath), {
      format: this.options.format,
      columns: this.fileColumns,
      compression: this.compression,
      parquet: this.parquetOptions(),
    });
    const part = { writer, relativePath, rows: 0 };
    this.open.set(folder, part);
    return part;
  }

  private parquetOptions(): ParquetWriterOptions {
    const rowGroupBytes = this.options.parquet?.rowGroupBytes ?? DEFAULT_ROW_GROUP_BYTES;
    // Without partitions one file is open at a time: it has the row group size to itself.
    if (this.partitionIndexes.length === 0) return { ...this.options.parquet, rowGroupBytes };
    // The worker compresses every last row group: finishing 8 files at once at commit, the 1 M-row
    // bench's tail (50 row groups of about 500 KB) took 75-140 ms (median 113) with this thread
    // compressing half of each, 65-138 ms (median 81) without (6 rounds each, load 3.2-3.7).
    return { ...this.options.parquet, rowGroupBytes: Math.min(rowGroupBytes, Math.floor(PARQUET_BUFFER_BUDGET / this.maxOpenFiles)), closeHelps: false };
  }

  /**
   * Finishes every open part, several at once: each file's close mostly waits (its last row
   * group compressed, then its writes and close on libuv's pool), and one after another those
   * waits added up to most of the commit's time with partitions. The files are listed in the
   * order they were open (least recently used first), as one after another would list them.
   */
  private async finishOpenParts(): Promise<void> {
    const folders = [...this.open.keys()];
    const summaries: Array<WriteSummary | undefined> = new Array(folders.length);
    let next = 0;
    const closeNext = async (): Promise<void> => {
      while (next < folders.length) {
        const index = next++;
        summaries[index] = await (this.open.get(folders[index]) as OpenPart).writer.close();
      }
    };
    const settled = await Promise.allSettled(Array.from({ length: Math.min(PARTS_FINISHED_AT_ONCE, folders.length) }, closeNext));
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
    for (let i = 0; i < folders.length; i++) {
      const part = this.open.get(folders[i]) as OpenPart;
      this.open.delete(folders[i]);
      this.recordFinished(part, summaries[i] as WriteSummary);
    }
  }

  /**
   * Creates the partition folders not created yet, all at once (partFor makes a single one the
   * same way): one after another, the first span of a 50-partition result waited for 50 round trips to libuv's pool, 44 ms of
   * the reading thread's time against 3 ms for a later span.
   */
  private async createFolders(folders: readonly string[]): Promise<void> {
    const missing = folders.filter((f) => f && !this.createdFolders.has(f));
    if (missing.length === 0) return;
    await Promise.all(missing.map((f) => fs.mkdir(join(this.tempFolder, f), { recursive: true })));
    for (const f of missing) this.createdFolders.add(f);
  }

  private async finishPart(folder: string): Promise<void> {
    const part = this.open.get(folder);
    if (!part) return;
    this.open.delete(folder);
    this.recordFinished(part, await part.writer.close());
  }

  /** A closed part counts in the output: its bytes, and its file in the listing (in the order finished). */
  private recordFinished(part: OpenPart, summary: WriteSummary): void {
    this.bytes += summary.bytes;
    this.finishedFiles.push(part.relativePath);
  }

  private signalAborted(): boolean {
    return this.options.signal?.aborted === true;
  }

  /** Throws if aborted (by abort() or the signal), once the abort has removed what was written. */
  private async ensureOpen(): Promise<void> {
    if (this.signalAborted() || this.state === 'aborted') {
      await this.abort();
      throw new OutputAbortedError();
    }
    if (this.state !== 'open') throw new Error('the output is already committed');
  }
}

export interface FileOutputOptions extends SparkFolderWriterOptions {
  /** singleFile: one file at `folder` (a file path); sparkFolder: the layout above (default). */
  layout?: 'singleFile' | 'sparkFolder';
}

/** Opens the output a files destination asks for. */
export async function openFileOutput(options: FileOutputOptions): Promise<FileOutput> {
  if (options.layout === 'singleFile') {
    if (options.partitionBy && options.partitionBy.length > 0) throw new Error('partitionBy needs the sparkFolder layout');
    return openSingleFileOutput({ ...options, path: options.folder });
  }
  return SparkFolderWriter.open(options);
}
