// A committed output: files are written under hidden temporary names and become visible only at
// commit, in one rename; abort (or the job's AbortSignal) removes everything it wrote. Nothing
// partial is ever visible under the final name.
import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { ColumnSchema, RowBatch } from '../engine/rows';
import type { ColumnBuffer } from './parquet/columnBuffers';
import type { EncodedRowGroup } from './parquet/rowGroupEncoder';
import { createRecordFileWriterAt } from './createRecordFileWriter';
import { type FileCompression, type FileFormat, type ParquetWriterOptions, type RecordFileWriter, checkCompression } from './recordFileWriter';

export interface FileOutputSummary {
  rows: number;
  bytes: number;
  /** Final paths of the data files, in the order they were finished. */
  files: string[];
}

export interface FileOutput {
  write(batch: RowBatch): Promise<void>;
  /** Parquet without partitions: an encoded row group (see rowGroupEncoder.ts; within one file of maxRowsPerFile), in order with the batches written. */
  writeRowGroup(group: EncodedRowGroup): Promise<void>;
  /**
   * Parquet with partitions: rows parsed from the response's bytes into column buffers (one per
   * column, valid only until this resolves), in order with the batches written; see SparkFolderWriter.
   */
  writeColumns(columns: readonly ColumnBuffer[], rows: number): Promise<void>;
  /** CSV or JSON lines without partitions or a rows-per-file limit: rows already written as the format's bytes (see rowSpanText.ts). */
  /** `onWritten` (optional): called once the bytes are written and `text` may be reused. */
  writeText(text: Uint8Array, rows: number, onWritten?: () => void): Promise<void>;
  /** Finishes every file and makes the output visible atomically. */
  commit(): Promise<FileOutputSummary>;
  /** Removes everything written so far; never throws; safe to call twice or after a failure. */
  abort(): Promise<void>;
}

export type IfExists = 'fail' | 'replace';

export class OutputExistsError extends Error {
  constructor(readonly path: string) {
    super(`output ${path} already exists (choose "replace" to overwrite it)`);
    this.name = 'OutputExistsError';
  }
}

export class OutputIsFolderError extends Error {
  readonly code = 'OutputNotReplaceable';
  constructor(readonly path: string) {
    super(`will not replace ${path}: it is a folder, and the singleFile layout writes one file; give a file path, or use the sparkFolder layout`);
    this.name = 'OutputIsFolderError';
  }
}

export class OutputAbortedError extends Error {
  constructor() {
    super('the output was aborted; nothing was written');
    this.name = 'AbortError';
  }
}

/** The hidden sibling `<dir>/.<name>.kdm-<kind>-<jobId>` used while writing (Spark and Kusto skip dot files). */
export function hiddenSiblingPath(finalPath: string, kind: 'tmp' | 'old', jobId: string): string {
  return join(dirname(finalPath), `.${basename(finalPath)}.kdm-${kind}-${jobId}`);
}

export async function pathExists(path: string): Promise<boolean> {
  try {
    await fs.lstat(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

export interface SingleFileOutputOptions {
  path: string;
  format: FileFormat;
  columns: readonly ColumnSchema[];
  compression?: FileCompression;
  ifExists?: IfExists;
  jobId?: string;
  signal?: AbortSignal;
  parquet?: ParquetWriterOptions;
}

/** One file at `path`, written as a hidden sibling and renamed (or linked, to refuse overwriting) at commit. */
export async function openSingleFileOutput(options: SingleFileOutputOptions): Promise<FileOutput> {
  const compression = checkCompression(options.format, options.compression);
  const ifExists = options.ifExists ?? 'fail';
  if (ifExists === 'fail' && (await pathExists(options.path))) throw new OutputExistsError(options.path);
  // "replace" replaces a file, never a folder (of someone's files) at the path.
  if (ifExists === 'replace' && (await fs.lstat(options.path).then((s) => s.isDirectory(), () => false))) throw new OutputIsFolderError(options.path);
  options.signal?.throwIfAborted();
  await fs.mkdir(dirname(options.path), { recursive: true });
  const tempPath = hiddenSiblingPath(options.path, 'tmp', options.jobId ?? randomUUID());
  // Create the file now so that a path we cannot write fails the job before any data is read.
  await fs.writeFile(tempPath, '');
  const writer = createRecordFileWriterAt(tempPath, { format: options.format, columns: options.columns, compression, parquet: options.parquet });
  return new SingleFileOutput(writer, tempPath, options.path, ifExists, options.signal);
}

class SingleFileOutput implements FileOutput {
  private state: 'open' | 'committing' | 'committed' | 'aborted' = 'open';
  private aborting: Promise<void> | undefined;
  private readonly onAbort = (): void => void this.abort();

  constructor(
    private readonly writer: RecordFileWriter,
    private readonly tempPath: string,
    private readonly finalPath: string,
    private readonly ifExists: IfExists,
    private readonly signal: AbortSignal | undefined,
  ) {
    signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  async write(batch: RowBatch): Promise<void> {
    await this.ensureOpen();
    await this.writer.write(batch);
  }

  async writeRowGroup(group: EncodedRowGroup): Promise<void> {
    await this.ensureOpen();
    if (!this.writer.writeRowGroup) throw new Error('this output does not take encoded row groups');
    await this.writer.writeRowGroup(group);
  }

  async writeColumns(): Promise<void> {
    await this.ensureOpen();
    throw new Error('parsed column buffers go only to a Spark folder with partitions');
  }

  async writeText(text: Uint8Array, rows: number, onWritten?: () => void): Promise<void> {
    await this.ensureOpen();
    if (!this.writer.writeText) throw new Error('this output does not take encoded text');
    await this.writer.writeText(text, rows, onWritten);
  }

  async commit(): Promise<FileOutputSummary> {
    await this.ensureOpen();
    try {
      const summary = await this.writer.close();
      await this.ensureOpen();
      // From here on the output is being published: a late cancel no longer undoes it.
      this.state = 'committing';
      if (this.ifExists === 'replace') await fs.rename(this.tempPath, this.finalPath);
      else {
        // link() fails if the name exists, where rename() would silently replace it.
        await fs.link(this.tempPath, this.finalPath).catch((err: NodeJS.ErrnoException) => {
          throw err.code === 'EEXIST' ? new OutputExistsError(this.finalPath) : err;
        });
        await fs.unlink(this.tempPath);
      }
      this.state = 'committed';
      this.signal?.removeEventListener('abort', this.onAbort);
      return { rows: summary.rows, bytes: summary.bytes, files: [this.finalPath] };
    } catch (err) {
      if (this.state === 'committing') this.state = 'open';
      await this.abort();
      throw err;
    }
  }

  abort(): Promise<void> {
    if (this.state === 'committing' || this.state === 'committed') return Promise.resolve();
    this.state = 'aborted';
    this.aborting ??= (async () => {
      this.signal?.removeEventListener('abort', this.onAbort);
      await this.writer.abort().catch(() => undefined);
      await fs.rm(this.tempPath, { force: true }).catch(() => undefined);
    })();
    return this.aborting;
  }

  /** Throws if aborted (by abort() or the signal), once the abort has removed what was written. */
  private async ensureOpen(): Promise<void> {
    if (this.signal?.aborted || this.state === 'aborted') {
      await this.abort();
      throw new OutputAbortedError();
    }
    if (this.state === 'committed') throw new Error('the output is already committed');
  }
}
