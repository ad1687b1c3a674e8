// What a files → Kusto job has finished, kept in `<jobDir>/sink-state.json` beside the runner's
// journal (written atomically: temp file + fsync + rename), so that a job killed at any point
// resumes without ingesting a row twice: the transactional temp table's name and phase, and each
// file's final outcome; in continuous mode, the streaming batches already ingested.
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { FileIngestStatus } from '../../kusto/ingest/ingestionOutcome';
import { writeFileDurably } from '../durableFile';

export interface FileRecord {
  relativePath: string;
  status: FileIngestStatus;
  details?: string;
  /** The local file's size and mtime when it was ingested: a later run that finds both unchanged knows its identity without hashing it. */
  fingerprint?: string;
  /** Unknown outcome of a queued file: its ticket, so that a resume reads its status again instead of sending it again. */
  sourceId?: string;
  statusTableUrl?: string;
  /** Unknown outcome of a streaming request whose answer was lost: never sent again by this job. */
  unclear?: boolean;
  /** Streaming: journaled just before the request left and not answered since (a crash or kill came first). */
  inFlight?: boolean;
}

export interface SinkStateRecord {
  version: 1;
  /** Transactional mode. */
  tempTable?: string;
  /** ingesting: files go into the temp table; moved: the move into the target succeeded; done: temp dropped. */
  transactionPhase?: 'ingesting' | 'moved' | 'done';
  /** Final outcomes by file identity. */
  files: Record<string, FileRecord>;
  /** Continuous mode: highest streaming batch whose files are all final. */
  checkpointBatchId?: number;
}

export class SinkState {
  private writing: Promise<void> = Promise.resolve();
  /** "relativePath\nfingerprint" → identity, built on first use and kept up to date by recordFile. */
  private byFingerprint: Map<string, string> | undefined;

  private constructor(
    private readonly file: string,
    private current: SinkStateRecord,
  ) {}

  static async load(jobDir: string): Promise<SinkState> {
    await fs.mkdir(jobDir, { recursive: true });
    const file = join(jobDir, 'sink-state.json');
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      return new SinkState(file, { version: 1, files: {} });
    }
    let record: SinkStateRecord;
    try {
      record = JSON.parse(text) as SinkStateRecord;
    } catch (err) {
      // Ingesting again without knowing what landed could duplicate rows: stop and say so.
      throw new Error(`${file} is corrupt (${(err as Error).message}): the job cannot tell which files already landed. Check the table for rows of this job (its ingest-by tags) before deleting the job folder and running it again.`);
    }
    return new SinkState(file, { ...record, files: record.files ?? {} });
  }

  get record(): Readonly<SinkStateRecord> {
    return this.current;
  }

  /** The identity an earlier run recorded for the file at `relativePath` while it had this fingerprint. */
  identityByFingerprint(relativePath: string, fingerprint: string): string | undefined {
    if (!this.byFingerprint) {
      this.byFingerprint = new Map();
      for (const [identity, record] of Object.entries(this.current.files)) if (record.fingerprint) this.byFingerprint.set(`${record.relativePath}\n${record.fingerprint}`, identity);
    }
    return this.byFingerprint.get(`${relativePath}\n${fingerprint}`);
  }

  update(change: Partial<SinkStateRecord>): Promise<void> {
    this.current = { ...this.current, ...change };
    if (change.files) this.byFingerprint = undefined;
    return this.save();
  }

  recordFile(identity: string, record: FileRecord): Promise<void> {
    this.current = { ...this.current, files: { ...this.current.files, [identity]: record } };
    if (record.fingerprint) this.byFingerprint?.set(`${record.relativePath}\n${record.fingerprint}`, identity);
    return this.save();
  }

  /** Drops a file's record (a streaming request clearly refused: the file was never in the table). */
  forgetFile(identity: string): Promise<void> {
    const { [identity]: _dropped, ...files } = this.current.files;
    this.current = { ...this.current, files };
    this.byFingerprint = undefined;
    return this.save();
  }

  private save(): Promise<void> {
    const snapshot = JSON.stringify(this.current, null, 2);
    const write = (): Promise<void> => writeFileDurably(this.file, snapshot);
    this.writing = this.writing.then(write, write);
    return this.writing;
  }
}
