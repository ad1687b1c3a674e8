// Runs a job from its spec: validates it, keeps its journal, picks the steps for its source and
// destination, reports progress, retries transient faults, honours cancellation, and ends with a
// JobResult (also written to the journal). `resumeJob` picks up a job whose process died.
import { createWriteStream, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import type { CredentialResolver, JobContext, JobLogger, ProgressEvent, SecretResolver } from './jobContext';
import type { FilesDestination, JobSpec, KustoQuerySource } from './jobSpec';
import { Journal, type JobState } from './journal';
import { ProgressTracker } from './progressTracker';
import { Redactor } from './redact';
import { JobAlreadyRunningError, JobLock } from './jobLock';
import { isAbortError } from './retry';
import type { StepEnvironment } from './stepEnvironment';
import { chooseReadMode } from './readModePlanner';
import { publishedByEarlierRun, streamToFiles } from './streamToFiles';
import { exportToFiles, type ExportOutcome } from './exportToFiles';
import { chooseExportStorage, reusableExport } from './exportStorage';
import { validateJobSpec } from './validateJobSpec';
import type { SinkFileResult } from './sink/runFilesToKusto';
import { explainDestinationError } from './destinationErrors';
import { checkPlainHttp, plainHttpEndpoints } from './transportSecurity';

export interface RunJobOptions {
  /** Folder holding one sub-folder per job (journal, log). */
  jobsDir: string;
  signal?: AbortSignal;
  credentials?: CredentialResolver;
  secrets?: SecretResolver;
  /** Also receives every log line (already redacted). */
  log?: JobLogger;
  onProgress?: (event: ProgressEvent) => void;
}

export interface JobResult {
  jobId: string;
  direction: 'kustoToFiles' | 'filesToKusto';
  state: Exclude<JobState, 'running'>;
  /** Rows moved; files → Kusto: the rows of the landed files when they all record it (Parquet), else 0. */
  rows: number;
  bytes: number;
  files: string[];
  seconds: number;
  readMode?: 'stream' | 'export';
  /** Spark read snippets (export path). */
  snippets?: ExportOutcome['snippets'];
  /** Export path: which storage the export went through and why. */
  exportStorage?: ExportOutcome['exportStorage'];
  /** Redacted message of the failure. */
  error?: string;
  errorCode?: string;
  /** Files → Kusto: each file's outcome as the service reported it (also when the job failed). */
  fileResults?: JobFileResult[];
}

export interface JobFileResult {
  relativePath: string;
  status: 'Succeeded' | 'Failed' | 'PartiallySucceeded' | 'Skipped' | 'Unknown';
  /** The service's reason (failed), or why it was skipped. */
  details?: string;
  rows?: number;
}

/** A failure that carries the per-file outcomes up to the JobResult. */
class SinkFilesError extends Error {
  constructor(message: string, readonly fileResults: JobFileResult[]) {
    super(message);
  }
}

export { JobAlreadyRunningError };

/** Starts a job. A journal left by an earlier run of the same id is continued (as a resume). */
export async function runJob(specValue: unknown, options: RunJobOptions): Promise<JobResult> {
  const spec = validateJobSpec(specValue);
  // The lock comes before the journal is read: two starts at once cannot both see "not running".
  const lock = await JobLock.acquire(join(options.jobsDir, spec.id), spec.id);
  try {
    let journal: Journal;
    try {
      journal = await Journal.load(options.jobsDir, spec.id);
      if (journal.record.state !== 'running') {
        // A finished job run again from its file: a fresh run with the (possibly edited) spec, which
        // reuses the earlier run's export when its source is unchanged (as the connector's cache does).
        const earlier = journal.record;
        journal = await Journal.create(options.jobsDir, spec);
        const reused = reusableExport(earlier, spec);
        if (reused) await journal.update({ export: reused, readMode: 'export', estimatedRows: earlier.estimatedRows });
      } else await journal.update({ spec, runs: journal.record.runs + 1, pid: process.pid });
    } catch (err) {
      if (!/^no job /.test((err as Error).message)) throw err;
      journal = await Journal.create(options.jobsDir, spec);
    }
    return await execute(journal, options);
  } finally {
    await lock.release();
  }
}

/** Resumes a job from its journal: a finished job returns its recorded result; otherwise it runs again, keeping what was finished. */
export async function resumeJob(jobId: string, options: RunJobOptions): Promise<JobResult> {
  await Journal.load(options.jobsDir, jobId); // a clear error for an unknown id, before any lock file is made
  const lock = await JobLock.acquire(join(options.jobsDir, jobId), jobId);
  try {
    const journal = await Journal.load(options.jobsDir, jobId);
    const record = journal.record;
    if (record.state === 'succeeded') {
      const r = record.result ?? { rows: 0, bytes: 0, files: [], seconds: 0 };
      return { jobId, direction: directionOf(record.spec), state: 'succeeded', rows: r.rows, bytes: r.bytes, files: r.files, seconds: r.seconds, readMode: record.readMode };
    }
    await journal.update({ state: 'running', runs: record.runs + 1, pid: process.pid, error: undefined });
    return await execute(journal, options);
  } finally {
    await lock.release();
  }
}

function jobLogger(file: WriteStream, redactor: Redactor, forward: JobLogger | undefined): JobLogger {
  const line = (level: string, message: string): void => {
    const text = redactor.redact(message);
    file.write(`${new Date().toISOString()} [${level}] ${text}\n`);
    const sink = forward?.[level as keyof JobLogger];
    sink?.call(forward, text);
  };
  return {
    info: (m) => line('info', m),
    warn: (m) => line('warn', m),
    error: (m) => line('error', m),
    debug: (m) => line('debug', m),
  };
}

async function execute(journal: Journal, options: RunJobOptions): Promise<JobResult> {
  const spec = journal.record.spec;
  const started = Date.now();
  const redactor = new Redactor();
  const logFile = createWriteStream(join(journal.jobDir, 'job.log'), { flags: 'a' });
  const log = jobLogger(logFile, redactor, options.log);
  const signal = options.signal ?? new AbortController().signal;
  const tracker = new ProgressTracker((event) => options.onProgress?.({ jobId: spec.id, ...event }), spec.options?.progressIntervalMs ?? 250);
  const connection = spec.source.kind === 'kustoQuery' ? spec.source.connection : spec.destination.kind === 'kustoTable' ? spec.destination.connection : undefined;
  const auth = connection?.auth;
  const tokenProvider = options.credentials?.resolve(auth?.kind === 'credential' ? auth.id : undefined);
  const env: StepEnvironment = {
    spec,
    journal,
    tracker,
    log,
    signal,
    tokenProvider: tokenProvider && {
      // Tokens never reach a log, even inside an error message.
      getToken: async (resource, s) => {
        const token = await tokenProvider.getToken(resource, s);
        redactor.addSecret(token);
        return token;
      },
    },
    secrets: options.secrets && {
      resolve: async (ref) => {
        const secret = await options.secrets?.resolve(ref);
        redactor.addSecret(secret);
        return secret;
      },
    },
    // Blob locations that sign in as a saved connection (authKind credential); their tokens are redacted too.
    credentials: options.credentials && {
      resolve: (id) => {
        const provider = options.credentials?.resolve(id);
        return provider && {
          getToken: async (resource, s) => {
            const token = await provider.getToken(resource, s);
            redactor.addSecret(token);
            return token;
          },
          getTokenInfo: provider.getTokenInfo && (async (resource, s) => {
            const info = await provider.getTokenInfo?.(resource, s);
            redactor.addSecret(info?.token);
            return info;
          }),
        };
      },
    },
    retryPolicy: spec.options?.retry ?? {},
    redactor,
  };
  log.info(`job ${spec.id} run ${journal.record.runs}: ${describe(spec)}`);
  let result: JobResult;
  try {
    checkPlainHttp(plainHttpEndpoints(spec), spec, (m) => log.warn(m));
    const outcome = await runSteps(env);
    const seconds = (Date.now() - started) / 1000;
    result = { jobId: spec.id, direction: directionOf(spec), state: 'succeeded', seconds, ...outcome };
    await journal.update({ state: 'succeeded', phase: 'done', pid: undefined, result: { rows: result.rows, bytes: result.bytes, files: result.files, seconds } });
    tracker.rows = result.rows;
    tracker.files = result.files.length;
    tracker.setPhase('done');
    log.info(`job ${spec.id} succeeded: ${result.rows} rows, ${result.files.length} files in ${seconds.toFixed(1)} s`);
  } catch (err) {
    const seconds = (Date.now() - started) / 1000;
    const canceled = isAbortError(err) || signal.aborted;
    const explained = canceled ? undefined : await explainDestinationError(err, spec);
    const message = redactor.redact(canceled ? 'the job was cancelled' : explained ?? (err as Error)?.message ?? String(err));
    result = { jobId: spec.id, direction: directionOf(spec), state: canceled ? 'canceled' : 'failed', rows: 0, bytes: 0, files: [], seconds, error: message, errorCode: (err as { code?: string })?.code, readMode: journal.record.readMode };
    if (err instanceof SinkFilesError) result.fileResults = err.fileResults.map((f) => ({ ...f, details: f.details && redactor.redact(f.details) }));
    await journal.update({ state: result.state, pid: undefined, error: message });
    (canceled ? log.warn : log.error)(`job ${spec.id} ${result.state}: ${message}`);
  } finally {
    await new Promise<void>((resolve) => logFile.end(resolve));
  }
  return result;
}

function describe(spec: JobSpec): string {
  const source = spec.source.kind === 'kustoQuery' ? `query on ${spec.source.connection.clusterUrl}/${spec.source.connection.database}` : `files`;
  const destination = spec.destination.kind === 'files' ? `${spec.destination.format} ${spec.destination.layout ?? 'sparkFolder'} at ${spec.destination.location.kind === 'local' ? spec.destination.location.path : spec.destination.location.url}` : `table ${spec.destination.table}`;
  return `${source} → ${destination}`;
}

type StepOutcome = Omit<JobResult, 'jobId' | 'direction' | 'state' | 'seconds'>;

function directionOf(spec: JobSpec): JobResult['direction'] {
  return spec.source.kind === 'files' ? 'filesToKusto' : 'kustoToFiles';
}

async function runSteps(env: StepEnvironment): Promise<StepOutcome> {
  const { spec } = env;
  const connection = spec.source.kind === 'kustoQuery' ? spec.source.connection : spec.destination.kind === 'kustoTable' ? spec.destination.connection : undefined;
  if (connection) {
    // Before any data moves: a missing role is named now, not after half the files were sent.
    const { preflightPrivileges } = await import('../kusto/privileges');
    await preflightPrivileges(spec, { clusterUrl: connection.clusterUrl, tokenProvider: env.tokenProvider, signal: env.signal }, env.log);
  }
  if (spec.source.kind === 'kustoQuery' && spec.destination.kind === 'files') return kustoToFiles(env, spec.source, spec.destination);
  if (spec.source.kind === 'files' && spec.destination.kind === 'kustoTable') return filesToKusto(env);
  throw new Error(`moving ${spec.source.kind} to ${spec.destination.kind} is not supported`);
}

/** Files → Kusto is the sink engine's (src/engine/sink); the runner gives it a JobContext and maps its result. */
async function filesToKusto(env: StepEnvironment): Promise<StepOutcome> {
  const { runFilesToKusto } = await import('./sink/runFilesToKusto');
  const context: JobContext = {
    jobId: env.spec.id,
    signal: env.signal,
    log: env.log,
    progress: (event) => {
      if (event.rows !== undefined) env.tracker.rows = event.rows;
      if (event.bytes !== undefined) env.tracker.bytes = event.bytes;
      if (event.files !== undefined) env.tracker.files = event.files;
      if (event.filesTotal !== undefined) env.tracker.filesTotal = event.filesTotal;
      env.tracker.setPhase(event.phase, event.message);
    },
    // A blob source's credentialId is its own connection's sign-in, not the destination's.
    credentials: env.credentials ?? { resolve: () => undefined },
    secrets: env.secrets,
    jobDir: env.journal.jobDir,
  };
  const result = await runFilesToKusto(env.spec, context, { tokenProvider: env.tokenProvider, concurrency: env.spec.options?.uploadConcurrency });
  // Its warnings were logged by the sink as they arose: logging result.warnings again printed each twice.
  const landed = result.files.filter((f) => f.status === 'Succeeded' || f.status === 'Skipped' || f.status === 'PartiallySucceeded');
  const fileResults: JobFileResult[] = result.files.map((f) => ({ relativePath: f.relativePath, status: f.status, details: f.details, rows: f.rows }));
  if (result.state !== 'succeeded') {
    const failed = result.files.filter((f) => !landed.includes(f));
    // Unknown is not failed: the code lets front ends say so (the journal still lets `resume` re-read the statuses).
    if (result.state === 'unknown') throw Object.assign(new SinkFilesError(result.error ?? 'the outcome of some files is unknown', fileResults), { code: 'IngestionOutcomeUnknown' });
    throw new SinkFilesError(result.error ?? `${failed.length} of ${result.files.length} files were not ingested into ${result.table}: ${failed.slice(0, 5).map((f) => `${f.relativePath} (${f.status}${f.details ? `: ${f.details}` : ''})`).join('; ')}`, fileResults);
  }
  // The service does not count rows; Parquet footers do, so report them when every landed file has one.
  // Text formats record none: then the service's count, the RowCount of the extents tagged with the files' tags.
  const rows = landed.every((f) => f.rows !== undefined) ? landed.reduce((sum, f) => sum + (f.rows ?? 0), 0) : await rowsTheServiceReports(env, result.table, landed);
  return { rows, bytes: result.bytes, files: landed.map((f) => f.relativePath), fileResults };
}

async function rowsTheServiceReports(env: StepEnvironment, table: string, landed: readonly SinkFileResult[]): Promise<number> {
  if (env.spec.destination.kind !== 'kustoTable') return 0;
  const { reportedRowsOfFiles } = await import('./sink/reportedRows');
  const { fileTags } = await import('./sink/runFilesToKusto');
  const { clusterUrl, database } = env.spec.destination.connection;
  const reingest = env.spec.options?.reingest === true;
  const tags = landed.filter((f) => f.identity !== undefined).map((f) => fileTags(table, f.identity as string, env.spec.id, reingest).tags[0]);
  try {
    return await reportedRowsOfFiles({ clusterUrl, database, tokenProvider: env.tokenProvider, signal: env.signal }, table, tags);
  } catch (err) {
    // The rows landed; a count the service would not give is not a reason to fail the job.
    env.log.warn(`the table's row count for this job could not be read: ${(err as Error).message}`);
    return 0;
  }
}

async function kustoToFiles(env: StepEnvironment, source: KustoQuerySource, destination: FilesDestination): Promise<StepOutcome> {
  const { journal, tracker, log, signal } = env;
  let readMode = journal.record.readMode;
  tracker.setPhase('planning');
  if (!readMode) {
    // The export path writes Parquet only: auto mode streams CSV and JSON whatever their size. It
    // needs no storage of the user's: without staging, the cluster's own export containers serve.
    const canExport = destination.format === 'parquet';
    if ((source.readMode ?? 'auto') === 'auto' && canExport) tracker.setPhase('estimating');
    const decision = await chooseReadMode(source, canExport, env.tokenProvider, env.spec.options?.estimateTimeoutMs ?? 3000, signal);
    const storage = decision.mode === 'export' ? chooseExportStorage(source, destination) : undefined;
    log.info(`read mode: ${decision.mode} (${decision.reason})${storage ? `; storage: ${storage.kind} (${storage.reason})` : ''}`);
    readMode = decision.mode;
    if (decision.estimatedRows !== undefined) tracker.totalRows = decision.estimatedRows;
    await journal.update({ readMode, estimatedRows: decision.estimatedRows, phase: 'planning' });
  } else {
    log.info(`read mode: ${readMode} (kept from the earlier run)`);
    tracker.totalRows = journal.record.estimatedRows;
  }
  if (readMode === 'export') {
    const outcome = await exportToFiles(env, source, destination);
    return { ...outcome, readMode };
  }
  if (destination.location.kind !== 'local') throw new Error('the stream read mode writes to a local folder; use read mode "export" for a blob destination');
  // Killed while committing: what that run published (or finishes publishing now) is the output.
  if (journal.record.phase === 'committing' && journal.record.runs > 1) {
    const published = await publishedByEarlierRun(env, destination);
    if (published) {
      log.info('the output was published by the earlier run');
      return { ...published, readMode };
    }
  }
  const summary = await streamToFiles(env, source, destination);
  return { rows: summary.rows, bytes: summary.bytes, files: summary.files, readMode };
}
