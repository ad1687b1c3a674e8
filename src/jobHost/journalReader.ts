// Reads the jobs folder for views and status: journals and result files as plain JSON, without
// the engine bundle (opening the Jobs view must stay cheap). A journal whose file did not change
// since the last read is not parsed again, so a refresh per progress tick costs a stat per job.
import { promises as fs, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { processAlive } from '../engine/jobLock';
import type { JobSpec } from '../engine/jobSpec';
import type { JournalRecord } from '../engine/journal';
import type { JobResult } from '../engine/runner';

export const RESULT_FILE = 'result.json';

/** The full result the job host leaves beside the journal. */
export interface ResultFile extends JobResult {
  warnings: string[];
  endedAt: string;
}

export interface JobEntry {
  record: JournalRecord;
  result?: ResultFile;
  /** The journal says running and its process is alive (this or another window, or the CLI). */
  processAlive: boolean;
}

/**
 * The connections whose sign-in opens a blob location of the job (`authKind: "credential"`):
 * a blob source, the export staging, a blob destination. The front end answers a job process's
 * token requests for these ids (and the job's own auth id), for no other.
 */
export function storageCredentialIdsOf(spec: JobSpec): string[] {
  const locations = [spec.source.kind === 'files' ? spec.source.location : spec.source.staging, spec.destination.kind === 'files' ? spec.destination.location : undefined];
  const ids = locations.flatMap((l) => (l?.kind === 'blob' && l.authKind === 'credential' && l.credentialId ? [l.credentialId] : []));
  return [...new Set(ids)];
}

/** The auth id a job's tokens are asked for, read from its spec. */
export function authIdOf(spec: JobSpec): string | undefined {
  const connection = spec.source.kind === 'kustoQuery' ? spec.source.connection : spec.destination.kind === 'kustoTable' ? spec.destination.connection : undefined;
  return connection?.auth?.kind === 'credential' ? connection.auth.id : undefined;
}

function looksLikeJournal(value: unknown): value is JournalRecord {
  const r = value as JournalRecord;
  return typeof r === 'object' && r !== null && typeof r.spec?.id === 'string' && typeof r.state === 'string' && typeof r.updatedAt === 'string' && typeof r.spec.source === 'object' && typeof r.spec.destination === 'object';
}

async function readJson(path: string): Promise<unknown> {
  return JSON.parse(await fs.readFile(path, 'utf8')) as unknown;
}

interface Cached {
  mtimeMs: number;
  resultMtimeMs: number;
  record: JournalRecord;
  result?: ResultFile;
}

const INDEX_VERSION = 1;

export class JobsFolderReader {
  private readonly cache = new Map<string, Cached>();
  private indexLoaded = false;
  private indexDirty = false;
  private indexTimer: ReturnType<typeof setTimeout> | undefined;

  /**
   * @param indexPath where the last reading is kept for the next window (outside the jobs folder,
   *   which belongs to the engine and the CLI): a window then opens the view with a stat per job
   *   and reads only the journals that changed since, not a thousand of them.
   */
  constructor(
    readonly jobsDir: string,
    private readonly indexPath?: string,
  ) {}

  private async loadIndex(): Promise<void> {
    if (this.indexLoaded || !this.indexPath) return;
    this.indexLoaded = true;
    const index = await readJson(this.indexPath).catch(() => undefined) as { version?: number; jobs?: Array<[string, Cached]> } | undefined;
    if (index?.version !== INDEX_VERSION || !Array.isArray(index.jobs)) return;
    // Each entry is checked against the journal's mtime before use, as a cached one is.
    for (const [id, cached] of index.jobs) if (typeof id === 'string' && looksLikeJournal(cached?.record) && !this.cache.has(id)) this.cache.set(id, cached);
  }

  private saveIndexSoon(): void {
    if (!this.indexPath || !this.indexDirty || this.indexTimer) return;
    this.indexTimer = setTimeout(() => void this.flushIndex().catch(() => undefined), 2000);
    this.indexTimer.unref?.();
  }

  /** Writes the index now (tests, benchmarks); normally it is written a moment after a change. */
  async flushIndex(): Promise<void> {
    if (this.indexTimer) clearTimeout(this.indexTimer);
    this.indexTimer = undefined;
    if (!this.indexPath || !this.indexDirty) return;
    this.indexDirty = false;
    // Finished jobs only: a running one changes on every tick and is read anyway.
    const jobs = [...this.cache].filter(([, c]) => c.record.state !== 'running');
    await fs.mkdir(dirname(this.indexPath), { recursive: true });
    await fs.writeFile(`${this.indexPath}.${process.pid}.tmp`, JSON.stringify({ version: INDEX_VERSION, jobs }));
    await fs.rename(`${this.indexPath}.${process.pid}.tmp`, this.indexPath);
  }

  /** The journal last read for a job, without touching the disk (the status bar reads it per progress tick). */
  cachedRecord(jobId: string): JournalRecord | undefined {
    return this.cache.get(jobId)?.record;
  }

  private listed = false;

  async list(): Promise<JobEntry[]> {
    this.listed = true;
    await this.loadIndex();
    const names = await fs.readdir(this.jobsDir).catch(() => [] as string[]);
    const entries: JobEntry[] = [];
    const seen = new Set<string>();
    await Promise.all(
      names.map(async (name) => {
        const entry = await this.read(name);
        if (!entry) return;
        seen.add(name);
        entries.push(entry);
      }),
    );
    for (const name of this.cache.keys()) {
      if (seen.has(name)) continue;
      this.cache.delete(name);
      this.indexDirty = true;
    }
    this.saveIndexSoon();
    return entries;
  }

  /**
   * The jobs as last read, with only `ids` read again (the jobs that run or just ended): what a
   * progress tick costs, so a thousand finished jobs are not even stat'ed on each. Before a first
   * full list, a full list.
   */
  async listSome(ids: Iterable<string>): Promise<JobEntry[]> {
    if (!this.listed) return this.list();
    await Promise.all([...new Set(ids)].map((id) => this.read(id)));
    const entries: JobEntry[] = [];
    for (const [, cached] of this.cache) entries.push(this.entryOf(cached));
    return entries;
  }

  /** Ids whose journal said "running" when last read. */
  runningIds(): string[] {
    return [...this.cache].filter(([, c]) => c.record.state === 'running').map(([id]) => id);
  }

  async read(jobId: string): Promise<JobEntry | undefined> {
    const dir = join(this.jobsDir, jobId);
    // A synchronous stat: a thousand of them take a few milliseconds, where a thousand promises
    // through the thread pool took over a hundred (the view's refresh stats every job).
    const stat = statSync(join(dir, 'journal.json'), { throwIfNoEntry: false });
    if (!stat) {
      this.cache.delete(jobId);
      return undefined;
    }
    const resultStat = statSync(join(dir, RESULT_FILE), { throwIfNoEntry: false });
    const resultMtimeMs = resultStat?.mtimeMs ?? 0;
    let cached = this.cache.get(jobId);
    if (!cached || cached.mtimeMs !== stat.mtimeMs || cached.resultMtimeMs !== resultMtimeMs) {
      const record = await readJson(join(dir, 'journal.json')).catch(() => undefined);
      if (!looksLikeJournal(record)) return undefined;
      const result = resultStat ? ((await readJson(join(dir, RESULT_FILE)).catch(() => undefined)) as ResultFile | undefined) : undefined;
      cached = { mtimeMs: stat.mtimeMs, resultMtimeMs, record, result };
      this.cache.set(jobId, cached);
      this.indexDirty = true;
    }
    return this.entryOf(cached);
  }

  private entryOf(cached: { record: JournalRecord; result?: ResultFile }): JobEntry {
    // A result from an earlier run of the same id belongs to that run, not this one.
    const result = cached.result && cached.result.endedAt >= cached.record.startedAt && cached.record.state !== 'running' ? cached.result : undefined;
    return { record: cached.record, result, processAlive: cached.record.state === 'running' && processAlive(cached.record.pid) };
  }
}
