// One journal per job, `<jobsDir>/<jobId>/journal.json`: the spec, where the job is, and what it
// has finished, so that a job killed at any point (crash, kill -9, window reload) is resumed or
// restarted cleanly. Written atomically (temp file + rename): a reader sees the old or the new
// journal, never half of one.
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { JobPhase } from './jobContext';
import type { JobSpec } from './jobSpec';
import { writeFileDurably } from './durableFile';
import { redactSecrets } from './redact';
import { validateJobSpec } from './validateJobSpec';

export type JobState = 'running' | 'succeeded' | 'failed' | 'canceled';

export interface ExportedFileRecord {
  /** Blob URL without SAS. */
  url: string;
  rows: number;
  bytes: number;
}

/** Where an export wrote: the blob destination itself, the user's staging, or the cluster's export storage. */
export type ExportStorageKind = 'destination' | 'staging' | 'cluster';

export interface JournalRecord {
  journalVersion: 1;
  spec: JobSpec;
  state: JobState;
  phase: JobPhase;
  startedAt: string;
  updatedAt: string;
  /** Runs of this job (1 for the first, +1 per resume). */
  runs: number;
  /** Process that runs the job now; a resume checks it is gone. */
  pid?: number;
  /** The read mode chosen (auto decides once; a resume keeps the choice). */
  readMode?: 'stream' | 'export';
  estimatedRows?: number;
  export?: {
    /** Which storage the export uses and why (cluster: which of its containers, no SAS). */
    storage?: { kind: ExportStorageKind; reason: string; containerUrl?: string };
    /** Carried over from an earlier run of the same job: its files are checked before use. */
    reused?: boolean;
    /** The exported blobs in the user's staging were deleted after the job succeeded. */
    cleanedUp?: boolean;
    operationId?: string;
    /** The name prefix (unique per attempt) and start time of the export being started, before its id is known. */
    pendingPrefix?: string;
    pendingSince?: string;
    /** Blob folder the export writes to (no SAS). */
    folderUrl?: string;
    files?: ExportedFileRecord[];
    /** Local files already downloaded and renamed into place (relative names). */
    downloaded?: string[];
    successMarker?: boolean;
    /** The id in the local output folder's marker (src/spark/outputFolder.ts). */
    outputId?: string;
  };
  result?: { rows: number; bytes: number; files: string[]; seconds: number };
  /** Stream mode, Spark folder: the marker id of the output being committed (a resume finds it in the folder or its temp folder). */
  outputId?: string;
  error?: string;
}

export function journalPath(jobsDir: string, jobId: string): string {
  return join(jobsDir, jobId, 'journal.json');
}

export class Journal {
  private writing: Promise<void> = Promise.resolve();

  private constructor(
    readonly jobsDir: string,
    private current: JournalRecord,
  ) {}

  get record(): Readonly<JournalRecord> {
    return this.current;
  }

  get jobDir(): string {
    return join(this.jobsDir, this.current.spec.id);
  }

  static async create(jobsDir: string, spec: JobSpec): Promise<Journal> {
    const now = new Date().toISOString();
    const journal = new Journal(jobsDir, { journalVersion: 1, spec, state: 'running', phase: 'planning', startedAt: now, updatedAt: now, runs: 1, pid: process.pid });
    await fs.mkdir(journal.jobDir, { recursive: true });
    await journal.save();
    return journal;
  }

  /** Reads a job's journal; throws a clear error when there is none. */
  static async load(jobsDir: string, jobId: string): Promise<Journal> {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(jobId)) throw new Error(`"${jobId}" is not a job id`);
    let text: string;
    try {
      text = await fs.readFile(journalPath(jobsDir, jobId), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`no job "${jobId}" in ${jobsDir}`);
      throw err;
    }
    let record: JournalRecord;
    try {
      record = JSON.parse(text) as JournalRecord;
    } catch (err) {
      throw new Error(`the journal of job "${jobId}" (${journalPath(jobsDir, jobId)}) is corrupt: ${(err as Error).message}. It cannot be resumed; delete its folder and run the job again (output it published stays as it is).`);
    }
    record.spec = validateJobSpec(record.spec);
    return new Journal(jobsDir, record);
  }

  static async list(jobsDir: string): Promise<JournalRecord[]> {
    const entries = await fs.readdir(jobsDir, { withFileTypes: true }).catch(() => []);
    const records: JournalRecord[] = [];
    for (const entry of entries) {
      if (!entry.isDirectory()) continue;
      try {
        records.push((await Journal.load(jobsDir, entry.name)).record);
      } catch {
        // a folder without a readable journal is not a job
      }
    }
    return records;
  }

  /** Applies a change and writes the journal durably (writes are serialised). */
  update(change: Partial<JournalRecord>): Promise<void> {
    this.current = { ...this.current, ...change, updatedAt: new Date().toISOString() };
    if (this.current.error) this.current.error = redactSecrets(this.current.error);
    return this.save();
  }

  private save(): Promise<void> {
    const snapshot = JSON.stringify(this.current, null, 2);
    const write = (): Promise<void> => writeFileDurably(journalPath(this.jobsDir, this.current.spec.id), snapshot);
    this.writing = this.writing.then(write, write);
    return this.writing;
  }
}
