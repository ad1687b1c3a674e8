// Files → Kusto: lists the source (plain, Spark batch or Spark streaming layout), infers the schema,
// prepares the table, then ingests each file once — queued (each file lands on its own) or
// transactional (all files into a temp table, moved into the target in one command, or nothing
// lands). Every file carries `ingest-by:kdm:<target table>:<file identity>` with ingestIfNotExists
// — the same tag whichever job sends it, so a rerun or another job skips what already landed — and
// its outcome is kept in the job's sink state, so a retry or a resume never duplicates rows.
// A file whose outcome is unclear (no final status in time; a streaming answer lost, or a streaming
// request in flight when the job was killed) is Unknown,
// never sent again blind: a resume reads a queued file's status again.
import { createHash, randomBytes } from 'node:crypto';
import { getMaxListeners, setMaxListeners } from 'node:events';
import type { JobContext, JobLogger, TokenProvider } from '../jobContext';
import type { FilesSource, JobSpec, KustoTableDestination } from '../jobSpec';
import type { ColumnSchema } from '../rows';
import { abortableSleep } from '../retry';
import { isOutcomeUnclear } from '../../kusto/kustoError';
import { executeManagementRecords, kqlName, kqlString, type ManagementOptions } from '../../kusto/managementClient';
import { fetchIngestionResources, type IngestionResources } from '../../kusto/ingest/ingestionResources';
import { buildFileMapping } from '../../kusto/ingest/ingestionMapping';
import { gzipsOnTheWay, IngestStorageClients, postIngestion, uploadForIngestion } from '../../kusto/ingest/queuedIngest';
import type { FileIngestStatus, StatusOutcome } from '../../kusto/ingest/ingestionOutcome';
import { tableStatusReader } from '../../kusto/ingest/ingestionStatus';
import { IngestionStatusPoller } from '../../kusto/ingest/ingestionStatusPoller';
import { cslSchema, ensureTable } from '../../kusto/ingest/tableSetup';
import { withPrivilegeContext } from '../../kusto/ingest/privilegeErrors';
import { statusTableTrust } from '../../kusto/ingest/loopbackTrust';
import type { TypeConversion } from '../../formats/parquetSchemaReader';
import type { DataFormat } from '../../formats/formatSniffReader';
import { identityOf, listSourceFiles, mapLimit, type SourceFile, type SourceListing } from '../../spark/sparkFolderReader';
import { listBlobSourceFiles, openBlobSource } from '../../spark/sparkFolderReaderBlob';
import { checkPlainHttp } from '../transportSecurity';
import { SinkState } from './sinkState';
import { slotLimiter } from './slotLimiter';
import { StreamingSender } from './streamingSender';
import { textIntoTypedColumnProblem } from './textIntoTypedColumns';
import { inferSourceSchema, SourceSchemaError, type SourceSchema } from './sourceSchema';
import { applyColumnEdits } from './columnEdits';
import { TypeConformanceCounter, UnparsedValuesReport, type UnparsedColumn } from './typeConformance';

/** Named points of a run; tests stop the process at one of them to prove a resume is exactly-once. */
export type SinkCheckpoint = 'fileFinal' | 'beforeMove' | 'afterMove' | 'afterDrop' | 'round' | 'streamSent';

/**
 * What runFilesToKusto needs besides the spec and the job context:
 * - `tokenProvider`: bearer tokens for the destination cluster (the runner resolves the spec's
 *   AuthRef; undefined for an open emulator).
 * - `concurrency`: files uploaded at once (the spec's options.uploadConcurrency, default
 *   DEFAULT_UPLOAD_CONCURRENCY), and as many enqueued at once (status row and queue message,
 *   after the upload, in a slot of their own); memory stays bounded per file. Waiting for statuses never
 *   holds back the next upload: every enqueued file hands its ticket to one shared
 *   IngestionStatusPoller (a few status-table reads at once, oldest first), however many are
 *   pending. Waiting before uploading more would keep only a few files in the service's queue, so
 *   each ingestion batch (sealed by time in the service) would hold only those few — and the client
 *   would stall whenever the service ingests slower than it uploads.
 * - `checkpoint`: called at each SinkCheckpoint with the file concerned (tests kill the process
 *   there; production leaves it out).
 * - `statusTableCa`: PEM of a private CA that the ingestion status table's HTTPS endpoint uses
 *   (the local emulator's self-signed one; NODE_EXTRA_CA_CERTS does the same process-wide).
 * Management commands go through src/kusto/managementClient.ts (POST /v1/rest/mgmt).
 */
export interface FilesToKustoDeps {
  tokenProvider?: TokenProvider;
  concurrency?: number;
  checkpoint?: (point: SinkCheckpoint, file?: SourceFile) => void | Promise<void>;
  statusTableCa?: string;
}

export interface SinkFileResult {
  relativePath: string;
  /** Undefined for a file never attempted (a local file's identity needs its content hash). */
  identity?: string;
  size: number;
  format: string;
  batchId?: number;
  status: FileIngestStatus;
  /** The service's reason (failures), or why the file was skipped. */
  details?: string;
  /** Rows in the file when its format records them (Parquet footers); text formats leave it out. */
  rows?: number;
  /** Streaming mode: how the file went in (queued when the policy or its size said so). */
  via?: 'streaming' | 'queued';
}

export interface SinkResult {
  /**
   * succeeded: every file Succeeded or Skipped; partiallySucceeded: some landed, some failed
   * (queued); failed: nothing more will land; unknown: none failed, but the outcome of some is not
   * known (they may still land, or may have landed: see `error` for how to check).
   */
  state: 'succeeded' | 'partiallySucceeded' | 'failed' | 'unknown';
  mode: 'queued' | 'transactional' | 'streaming';
  table: string;
  files: SinkFileResult[];
  /** Bytes of the files ingested in this run. */
  bytes: number;
  layout: SourceListing['layout'];
  columns: ColumnSchema[];
  tableCreated: boolean;
  columnsAdded: string[];
  conversions: TypeConversion[];
  warnings: string[];
  error?: string;
}

const DONE: ReadonlySet<FileIngestStatus> = new Set<FileIngestStatus>(['Succeeded', 'Skipped', 'PartiallySucceeded']);

/** Local files uploaded at once when the spec does not say (options.uploadConcurrency). */
export const DEFAULT_UPLOAD_CONCURRENCY = 8;

/**
 * Upload slots a local file takes: two for text gzipped on the way, whose blocks are buffered
 * (about 12-15 MB a file, against about 2-4 MB for a file read straight from disk). Measured peak
 * RSS of the job for 16 CSV files of 15 MB, one slot each: 177 MB one at a time, 237 MB at 4 at
 * once, 285 MB at 8, 406 MB at 16.
 */
function uploadWeight(format: DataFormat, gzipped: boolean): number {
  return gzipsOnTheWay(format, gzipped) ? 2 : 1;
}

/** Status-table reads in flight at once for a whole job, however many files are pending. */
const STATUS_READS = 4;

/** A file's ingest-by tag (after "ingest-by:"): the target and the file's identity, whichever job sends it. */
export function ingestByTag(table: string, identity: string): string {
  return `kdm:${table}:${identity}`;
}

/** The tag earlier versions used (job id + identity): still looked for, so their jobs resume without duplicates. */
export function legacyIngestByTag(jobId: string, identity: string): string {
  return `${jobId}:${identity}`;
}

/** A deliberate re-ingest's own tag: per job, so that its resume stays exactly-once. */
export function reingestTag(table: string, identity: string, jobId: string): string {
  return `kdm:${table}:${identity}:reingest:${jobId}`;
}

/** The tags a file is ingested with, and those whose presence means "already ingested, skip". */
export function fileTags(table: string, identity: string, jobId: string, reingest: boolean): { tags: string[]; skipIf: string[] } {
  const shared = ingestByTag(table, identity);
  if (!reingest) return { tags: [`ingest-by:${shared}`], skipIf: [shared, legacyIngestByTag(jobId, identity)] };
  const own = reingestTag(table, identity, jobId);
  return { tags: [`ingest-by:${own}`, `ingest-by:${shared}`], skipIf: [own] };
}

/**
 * The temp table of one transaction of one job: the target, a hash of the full job id (two jobs
 * never share one, however alike their ids) and a nonce of the run that started the transaction.
 * The sink state records it before it is created; its docstring names the job.
 */
export function tempTableName(target: string, jobId: string, nonce: string = randomBytes(3).toString('hex')): string {
  const job = createHash('sha256').update(jobId).digest('hex').slice(0, 12);
  return `${target}_kdm_tmp_${job}_${nonce}`;
}

/** Why a file found in flight by a resume stays Unknown (streamed rows carry no tag to check). */
function inFlightDetails(table: string): string {
  return `its streaming request was in flight when the job stopped (killed, crashed or cancelled), so its rows may or may not be in table ${table}; `
    + 'it is not sent again, since streamed rows carry no tag to check (look for its rows in the table; if they are missing, ingest this file again with a new job)';
}

/** Thrown into files not yet started once another file's error has stopped the run. */
class RunStopped extends Error {}

export async function runFilesToKusto(spec: JobSpec, ctx: JobContext, deps: FilesToKustoDeps = {}): Promise<SinkResult> {
  if (spec.source.kind !== 'files' || spec.destination.kind !== 'kustoTable') throw new Error('runFilesToKusto moves files into a Kusto table');
  const state = await SinkState.load(ctx.jobDir);
  const continuous = spec.destination.continuous;
  if (!continuous) return runOnce(spec, ctx, deps, state);
  if (spec.destination.mode === 'transactional') throw new Error('continuous ingestion runs in queued or streaming mode (each committed batch lands on its own)');
  // Continuous: re-list the folder every poll, ingest what is newly committed, until cancelled.
  // Files already final are in the sink state, which survives a reload; their tags guard them too.
  const interval = continuous.pollIntervalMs ?? 10_000;
  let last: SinkResult | undefined;
  for (;;) {
    if (ctx.signal.aborted) break;
    try {
      last = await runOnce(spec, ctx, deps, state);
    } catch (err) {
      if (ctx.signal.aborted) break;
      throw err;
    }
    const batches = last.files.filter((f) => f.batchId !== undefined);
    const open = batches.filter((f) => !DONE.has(f.status)).map((f) => f.batchId as number);
    const highest = Math.max(-1, ...batches.map((f) => f.batchId as number));
    const checkpoint = open.length > 0 ? Math.min(...open) - 1 : highest;
    if (checkpoint !== state.record.checkpointBatchId) await state.update({ checkpointBatchId: checkpoint });
    await deps.checkpoint?.('round');
    try {
      await abortableSleep(interval, ctx.signal);
    } catch {
      break;
    }
  }
  if (!last) throw Object.assign(new Error('the job was cancelled'), { name: 'AbortError' });
  return last;
}

async function runOnce(spec: JobSpec, ctx: JobContext, deps: FilesToKustoDeps, state: SinkState): Promise<SinkResult> {
  const source = spec.source as FilesSource;
  const destination = spec.destination as KustoTableDestination;
  const mode = destination.mode ?? 'queued';
  const database = destination.connection.database;
  const table = destination.table;
  const mgmt: ManagementOptions = {
    clusterUrl: destination.connection.clusterUrl, database, tokenProvider: deps.tokenProvider, signal: ctx.signal,
    // Transient faults of management commands are retried; a non-idempotent one only when clearly not run.
    retry: spec.options?.retry ?? {},
    onRetry: ({ attempt, delayMs, error, command }) => ctx.log.warn(`${command.split(/\s+/).slice(0, 3).join(' ')}: attempt ${attempt} failed (${(error as Error).message.slice(0, 200)}); retrying in ${Math.round(delayMs)} ms`),
  };
  const reingest = spec.options?.reingest === true;

  ctx.progress({ phase: 'planning', message: 'listing the source files' });
  const blobAccess = source.location.kind === 'blob' ? await openBlobSource(source, ctx.secrets, ctx.credentials) : undefined;
  const listing = blobAccess ? await listBlobSourceFiles(source, blobAccess, { signal: ctx.signal }) : await listSourceFiles(source, { signal: ctx.signal });
  for (const warning of listing.warnings) ctx.log.warn(warning);
  ctx.log.info(`source: ${listing.files.length} file(s), layout ${listing.layout}${listing.partitionColumns.length > 0 ? `, partitioned by ${listing.partitionColumns.join(', ')}` : ''}`);
  const schema = await inferSourceSchema(listing, { csvHeader: source.csvHeader, checkNames: !destination.mappingReference, partitionTypes: source.partitionTypes });
  for (const warning of schema.warnings) ctx.log.warn(warning);
  // A risk is the user's to see (the CLI prints warnings), not only the job log's.
  for (const c of schema.conversions) if (c.risk) ctx.log.warn(`conversion ${c.column}: ${c.from} → ${c.to}: ${c.risk}`);
  const warnings = [...listing.warnings, ...schema.warnings];

  const creation = destination.tableCreation ?? 'createIfNotExists';
  // A single run over nothing is a mistake (a wrong path or pattern), not "Done: 0 files"; a continuous job waits for its first batch.
  if (listing.files.length === 0 && !destination.continuous) {
    throw Object.assign(new Error(`no files to ingest in ${listing.root}${source.pattern || /[*?[{]/.test(source.location.kind === 'local' ? source.location.path : '') ? ' (the pattern matches nothing)' : ' (the folder is empty, or holds only files Spark and Hadoop write for themselves)'}`), { code: 'NoSourceFiles' });
  }
  if (listing.files.length === 0) {
    // Nothing to ingest (an empty folder, or a streaming query that has not committed yet): no schema to create a table from.
    warnings.push(`no files to ingest in ${listing.root}`);
    ctx.log.warn(warnings[warnings.length - 1]);
    return { mode, table, layout: listing.layout, columns: [], tableCreated: false, columnsAdded: [], conversions: [], warnings, state: 'succeeded', bytes: 0, files: [] };
  }
  // One request shared by the first uploads, which all start at once (a failure is retried by the next caller).
  let resources: Promise<IngestionResources> | undefined;
  const getResources = (): Promise<IngestionResources> => {
    const fetching = (resources ??= withPrivilegeContext('ingest', database, table, () => fetchIngestionResources(mgmt)).then((r) => {
      // The cluster hands out its storage: plain http to another machine is refused as for the spec's own URLs.
      checkPlainHttp([...r.tempContainers, ...r.queues, ...r.statusTables], spec, (m) => ctx.log.warn(m), ' (ingestion storage the cluster handed out)');
      return r;
    }));
    fetching.catch(() => {
      if (resources === fetching) resources = undefined;
    });
    return fetching;
  };
  // The status table's certificate is checked (and the local emulator's trusted) before anything changes.
  let statusTableCa = deps.statusTableCa;
  let trusting: Promise<void> | undefined;
  const ensureStatusTableTrust = (): Promise<void> => (trusting ??= deps.statusTableCa !== undefined ? Promise.resolve() : getResources().then(async (r) => {
    if (r.statusTables[0]) statusTableCa = await statusTableTrust(mgmt.clusterUrl, r.statusTables[0], ctx.signal);
  }));
  if (mode !== 'streaming') await ensureStatusTableTrust();
  // Kusto's read URLs (a sign-in location's user delegation key) are had before the table is touched.
  if (blobAccess && listing.files[0]?.url) await blobAccess.readUrl(listing.files[0].url);
  // The review's edits (rename, retype, drop), checked against the files before the table is touched.
  const edited = applyColumnEdits(schema.columns, destination.columns);
  if (edited.dropped.length > 0) ctx.log.info(`column(s) ${edited.dropped.join(', ')} are left out (destination.columns) and not ingested`);
  const setup = await withPrivilegeContext(creation === 'failIfNotExists' ? 'readSchema' : 'createTable', database, table, () => ensureTable(mgmt, table, creation, edited.columns));
  if (setup.created) ctx.log.info(`created table ${table} (${cslSchema(setup.columns)})`);
  if (setup.added.length > 0) ctx.log.info(`added column(s) ${setup.added.join(', ')} to table ${table}`);
  // With the review's edits the user chose each column's name and type; the review showed the risk.
  const lossy = destination.mappingReference || destination.columns ? undefined : textIntoTypedColumnProblem(table, setup.columns, schema.perFile);
  if (lossy) throw new SourceSchemaError(lossy);

  // Identities known without reading a file: a blob's from its listed hash, a local file's from an
  // earlier run that saw it with the same size and mtime. The others are learnt as files upload.
  const identities = new Map<string, string>();
  for (const file of listing.files) {
    const known = file.contentHash !== undefined ? identityOf(file, file.contentHash) : state.identityByFingerprint(file.relativePath, file.fingerprint);
    if (known) identities.set(file.relativePath, known);
  }
  // A job begun by a version that hashed every local file itself (its records have no fingerprint):
  // its tags hold those hashes, so its files are hashed the same way again, never named anew.
  const hashesEveryFile = source.location.kind === 'local' && Object.values(state.record.files).some((r) => r.fingerprint === undefined);
  const identify = async (file: SourceFile): Promise<string> => {
    let identity = identities.get(file.relativePath);
    if (!identity) identities.set(file.relativePath, (identity = identityOf(file, await listing.contentHash(file, ctx.signal))));
    return identity;
  };

  // By relative path (unique in a listing).
  const results = new Map<string, SinkFileResult>();
  const resultOf = (file: SourceFile, status: FileIngestStatus, details?: string): SinkFileResult => ({
    relativePath: file.relativePath, identity: identities.get(file.relativePath), size: file.size, format: schema.perFile.get(file.relativePath)?.format ?? file.format, batchId: file.batchId, status, details,
    rows: schema.perFile.get(file.relativePath)?.rows,
  });
  const base = { mode, table, layout: listing.layout, columns: setup.columns, tableCreated: setup.created, columnsAdded: setup.added, conversions: schema.conversions, warnings } as const;
  // Values that do not parse as their column's type land as null, and the service says nothing: counted per file on the way up.
  const unparsed = new Map<string, UnparsedColumn[] | undefined>();
  const unparsedReport = new UnparsedValuesReport(ctx.log, warnings);
  const finish = (state: SinkResult['state'], bytes: number, error?: string): SinkResult => {
    // Once rows landed (a transaction's only when committed), the total is said once.
    if (mode !== 'transactional' || state === 'succeeded') unparsedReport.finish();
    return { ...base, state, bytes, error, files: listing.files.map((f) => results.get(f.relativePath) ?? resultOf(f, 'Unknown', 'not attempted')) };
  };

  const pollIntervalMs = destination.statusPollIntervalMs ?? 2000;
  const statusTimeoutMs = destination.statusTimeoutMs ?? 30 * 60_000;
  let bytes = 0;

  const streamer = mode === 'streaming' ? new StreamingSender(mgmt, table, spec.options?.retry ?? {}, ctx) : undefined;
  const concurrency = Math.max(1, deps.concurrency ?? DEFAULT_UPLOAD_CONCURRENCY);
  // Every request in flight listens on the job's signal (uploads, enqueues, status reads): Node's
  // default of 10 would print a "possible memory leak" warning for what is only parallel work.
  setMaxListeners(Math.max(getMaxListeners(ctx.signal), 2 * concurrency + STATUS_READS + 8), ctx.signal);
  const uploading = slotLimiter(concurrency);
  const enqueueing = slotLimiter(concurrency);
  const storageClients = new IngestStorageClients();

  // Files whose outcome stays Unknown: the queued ticket to read again later, or a lost streaming answer.
  const unknowns = new Map<string, { sourceId?: string; statusTableUrl?: string; unclear?: boolean }>();
  const statusResult = (file: SourceFile, outcome: StatusOutcome, sourceId: string, statusTableUrl: string): SinkFileResult => {
    if (outcome.status === 'Unknown') unknowns.set(file.relativePath, { sourceId, statusTableUrl });
    const details = outcome.status === 'Skipped' ? (outcome.details ?? 'already ingested (its ingest-by tag is on the table)') : [outcome.errorCode, outcome.details].filter(Boolean).join(': ') || undefined;
    return { ...resultOf(file, outcome.status, details), via: streamer ? 'queued' : undefined };
  };

  /** Sends one file into `intoTable` and waits for its final status (the upload holds a slot of `uploading`, the enqueue one of `enqueueing`, the wait none). */
  const ingestOne = async (file: SourceFile, intoTable: string, columns: ColumnSchema[], index: number, poller: IngestionStatusPoller, stopped: () => boolean): Promise<SinkFileResult> => {
    // An earlier run left this file Unknown: never send it blind again. A queued file's status is
    // read again (it may have landed since); a lost streaming answer stays Unknown.
    const knownIdentity = identities.get(file.relativePath);
    const unresolved = knownIdentity === undefined ? undefined : state.record.files[knownIdentity];
    if (unresolved?.status === 'Unknown' && unresolved.unclear) {
      unknowns.set(file.relativePath, { unclear: true });
      return { ...resultOf(file, 'Unknown', unresolved.details), via: 'streaming' };
    }
    if (unresolved?.status === 'Unknown' && unresolved.sourceId && unresolved.statusTableUrl) {
      ctx.log.info(`${file.relativePath}: reading the status of its earlier ingestion again`);
      return statusResult(file, await poller.wait(unresolved.statusTableUrl, unresolved.sourceId, { intervalMs: pollIntervalMs, timeoutMs: statusTimeoutMs }), unresolved.sourceId, unresolved.statusTableUrl);
    }
    const fileSchema = schema.perFile.get(file.relativePath);
    const format = fileSchema?.format ?? file.format;
    const mapping = destination.mappingReference ? undefined : buildFileMapping(format, (fileSchema?.columns ?? []).map((c) => c.name), file.partitionValues, columns, edited.targetOf);
    if (mapping && mapping.unmatched.length > 0) ctx.log.warn(`${file.relativePath}: column(s) ${mapping.unmatched.join(', ')} have no column in table ${table} and are not ingested`);
    const counter = mapping && TypeConformanceCounter.forFile(format, (fileSchema?.columns ?? []).map((c) => c.name), mapping.entries, columns, fileSchema?.hasHeader ?? false, file.compression === 'gzip');
    if (streamer && !file.url) {
      const streamed = await uploading(async () => {
        if (stopped()) throw new RunStopped();
        // Streaming sends carry no tag: the identity is for the sink state alone.
        const identity = await identify(file);
        let journaledInFlight = false;
        const outcome = await streamer.send(file, format, fileSchema?.hasHeader ?? false, mapping, destination.mappingReference, async () => {
          // Durably journaled before the request leaves: a resume after a crash from here on cannot
          // tell whether the rows landed (no tag to look for), so it must not send them again.
          await state.recordFile(identity, { relativePath: file.relativePath, status: 'Unknown', unclear: true, inFlight: true, details: inFlightDetails(table), fingerprint: file.contentHash === undefined ? file.fingerprint : undefined });
          journaledInFlight = true;
        }, counter && ((data) => counter.countAll(data)));
        // The service has answered, the sink state does not know yet: the narrowest window a kill can hit.
        if (outcome.status !== 'fallback') await deps.checkpoint?.('streamSent', file);
        // Clearly refused (the policy is off, or too big): nothing landed, the file goes queued with its tag.
        else if (journaledInFlight) await state.forgetFile(identity);
        return outcome;
      });
      if (streamed.status !== 'fallback') {
        unparsed.set(file.relativePath, counter?.result());
        bytes += file.size;
        if (streamed.status === 'Unknown' && 'unclear' in streamed && streamed.unclear) unknowns.set(file.relativePath, { unclear: true });
        return { ...resultOf(file, streamed.status, streamed.details), via: 'streaming' };
      }
    }
    await ensureStatusTableTrust();
    // Two stages, each `concurrency` files at once: the bytes (a slot of `uploading`), then the
    // status row and the queue message (a slot of `enqueueing`), so a file's two round trips to
    // the queue and the table overlap the next file's bytes instead of holding its upload slot.
    const upload = await uploading(async () => {
      if (stopped()) throw new RunStopped();
      const resources = await getResources();
      const request = {
        path: file.path, size: file.size, format, gzipped: file.compression === 'gzip', database, table: intoTable,
        mapping: mapping && { kind: mapping.kind, entries: mapping.entries }, mappingReference: destination.mappingReference,
        ignoreFirstRecord: fileSchema?.hasHeader ?? false, signal: ctx.signal,
        blobUrl: file.url && blobAccess ? await blobAccess.readUrl(file.url) : undefined, statusTableCa,
        tap: counter && (() => counter.tap()),
      };
      const knownBefore = identities.has(file.relativePath);
      return { resources, request, knownBefore, uploaded: await uploadForIngestion(resources, request, index, storageClients) };
    }, file.url ? 1 : uploadWeight(format, file.compression === 'gzip'));
    // Once its bytes are up, a file is enqueued even if another file's error stops the run meanwhile (as before the split).
    const ticket = await enqueueing(async () => {
      const { resources, request, knownBefore, uploaded } = upload;
      // A file not known by its fingerprint takes the content hash its upload produced (or is hashed now).
      if (!knownBefore && uploaded.contentHash) identities.set(file.relativePath, identityOf(file, uploaded.contentHash));
      const identity = await identify(file);
      // Learnt just now, and the same content as a file an earlier run finished (touched or copied
      // since): nothing to send. (Files known before were sorted out already; a transaction decides
      // by the tables' tags, not by the state.)
      const earlier = knownBefore ? undefined : state.record.files[identity];
      if (earlier && DONE.has(earlier.status)) return { finishedBefore: earlier };
      const { tags, skipIf } = fileTags(table, identity, spec.id, reingest);
      return postIngestion(resources, uploaded, { ...request, tags, ingestIfNotExists: skipIf }, index, storageClients);
    });
    if ('finishedBefore' in ticket) return resultOf(file, ticket.finishedBefore.status, 'finished by an earlier run (same content)');
    // The upload can be answered before the tap has counted its last bytes: wait for the count.
    unparsed.set(file.relativePath, await counter?.settledResult());
    bytes += file.size;
    ctx.progress({ phase: 'ingesting', bytes, files: results.size, filesTotal: listing.files.length, message: `queued ${file.relativePath}` });
    if (!ticket.statusTableUrl) return resultOf(file, 'Unknown', 'the cluster offers no status table; the outcome cannot be confirmed');
    const outcome = await poller.wait(ticket.statusTableUrl, ticket.sourceId, { intervalMs: pollIntervalMs, timeoutMs: statusTimeoutMs });
    return statusResult(file, outcome, ticket.sourceId, ticket.statusTableUrl);
  };

  const runFiles = async (files: SourceFile[], intoTable: string, columns: ColumnSchema[]): Promise<void> => {
    // Every file starts at once; `uploading` bounds the uploads, the poller the status reads.
    const poller = new IngestionStatusPoller((url, id, signal) => tableStatusReader(statusTableCa, storageClients)(url, id, signal), { signal: ctx.signal, maxConcurrentReads: STATUS_READS });
    let stop = false;
    const stopped = (): boolean => stop;
    let chains: Array<Promise<void>> = [];
    try {
      chains = files.map(async (file, index) => {
        const result = await ingestOne(file, intoTable, columns, index, poller, stopped);
        // Journaled even after another file's error stopped the run: a streamed file has no tag, so
        // only its record keeps a resume from sending it again.
        results.set(file.relativePath, result);
        if (result.identity) await state.recordFile(result.identity, { relativePath: file.relativePath, status: result.status, details: result.details, fingerprint: file.contentHash === undefined ? file.fingerprint : undefined, ...(result.status === 'Unknown' ? unknowns.get(file.relativePath) : {}) });
        if (stop) return;
        if (result.status === 'Succeeded' || result.status === 'PartiallySucceeded') unparsedReport.add(file.relativePath, unparsed.get(file.relativePath));
        const log = result.status === 'Failed' || result.status === 'Unknown' ? ctx.log.error : ctx.log.info;
        log.call(ctx.log, `${file.relativePath}: ${result.status}${result.details ? ` (${result.details})` : ''}`);
        ctx.progress({ phase: 'ingesting', bytes, files: results.size, filesTotal: listing.files.length });
        await deps.checkpoint?.('fileFinal', file);
      });
      await Promise.all(chains);
    } catch (err) {
      // Fail fast as before: no new uploads, and the other files' status waits end (rejected).
      stop = true;
      poller.close();
      // Uploads under way and state writes end before the job reports: nothing of it runs on after.
      await Promise.allSettled(chains);
      throw err;
    } finally {
      poller.close();
    }
  };

  if (hashesEveryFile) await mapLimit(listing.files, 4, identify);
  // Files a previous run of this job finished: their outcome stands (and their tag guards them anyway).
  const pending: SourceFile[] = [];
  for (const file of listing.files) {
    const identity = identities.get(file.relativePath);
    const earlier = identity === undefined ? undefined : state.record.files[identity];
    if (earlier && DONE.has(earlier.status)) results.set(file.relativePath, resultOf(file, earlier.status, 'finished by an earlier run'));
    else pending.push(file);
  }

  if (mode === 'queued' || mode === 'streaming') {
    try {
      await runFiles(pending, table, setup.columns);
    } catch (err) {
      // Queued and streamed files land one by one: a job that stops half-way says what is in the table already.
      const landed = listing.files.filter((f) => DONE.has(results.get(f.relativePath)?.status ?? 'Unknown')).length;
      if (landed > 0 && err instanceof Error && !ctx.signal.aborted) err.message += ` (before this, ${landed} of ${listing.files.length} file(s) landed in ${table} and stay there; a resume sends only the others)`;
      throw err;
    }
    reportSkips(listing.files.map((f) => results.get(f.relativePath)), table, reingest, warnings, ctx.log);
    const summary = summarize(listing.files, results, spec.id, table);
    return finish(summary.state, bytes, summary.error);
  }
  return runTransactional({ spec, ctx, deps, mgmt, state, listing, schema, setupColumns: setup.columns, pending, results, runFiles, finish, bytesSoFar: () => bytes, identify, resultOf, reingest, warnings, unparsedProblem: () => unparsedReport.problem() });
}

/** Says what a rerun skipped (already in the table), or what a deliberate re-ingest sent again. */
function reportSkips(files: Array<SinkFileResult | undefined>, table: string, reingest: boolean, warnings: string[], log: JobLogger): void {
  const before = warnings.length;
  const skipped = files.filter((f) => f?.status === 'Skipped' && !/^finished by an earlier run/.test(f.details ?? '')).length;
  if (skipped > 0) warnings.push(`${skipped} file(s) were already in table ${table} (the same content, sent by this or an earlier job) and were skipped, so no row was ingested twice; to ingest them again on purpose, use the re-ingest option (--reingest, or "options": {"reingest": true} in a job file)`);
  const sent = files.filter((f) => f?.status === 'Succeeded').length;
  if (reingest && sent > 0) warnings.push(`re-ingest: ${sent} file(s) were ingested into table ${table} whether or not their rows were there already (rows sent before are now in it twice)`);
  // Warnings are logged as they arise (the CLI prints the log's warnings): the result only carries them.
  for (const warning of warnings.slice(before)) log.warn(warning);
}

/** The job's state and message from its files' outcomes: unknown is neither failed nor succeeded. */
function summarize(files: SourceFile[], results: Map<string, SinkFileResult>, jobId: string, table: string): { state: SinkResult['state']; error?: string } {
  const of = (f: SourceFile): SinkFileResult | undefined => results.get(f.relativePath);
  const describe = (list: SourceFile[]): string => list.map((f) => `${f.relativePath} (${of(f)?.status ?? 'Unknown'}: ${of(f)?.details ?? 'no reason given'})`).join('; ');
  const landed = files.filter((f) => DONE.has(of(f)?.status ?? 'Unknown'));
  const unknown = files.filter((f) => (of(f)?.status ?? 'Unknown') === 'Unknown');
  const failed = files.filter((f) => !DONE.has(of(f)?.status ?? 'Unknown') && !unknown.includes(f));
  if (landed.length === files.length) return { state: 'succeeded' };
  const parts: string[] = [];
  if (failed.length > 0) parts.push(`${failed.length} of ${files.length} file(s) did not land: ${describe(failed)}`);
  if (unknown.length > 0) {
    const rereadable = unknown.some((f) => of(f)?.via !== 'streaming');
    parts.push(
      `${unknown.length} of ${files.length} file(s) have an unknown outcome (neither failed nor confirmed; their rows may be in ${table} or may still land): ${describe(unknown)}` +
        (rereadable ? `. Check later with: kusto-data-mover resume ${jobId} (it reads their ingestion statuses again and sends nothing twice)` : ''),
    );
  }
  const state: SinkResult['state'] = failed.length === 0 ? 'unknown' : landed.length > 0 ? 'partiallySucceeded' : 'failed';
  return { state, error: parts.join('. ') };
}

interface TransactionInput {
  spec: JobSpec;
  ctx: JobContext;
  deps: FilesToKustoDeps;
  mgmt: ManagementOptions;
  state: SinkState;
  listing: SourceListing;
  schema: SourceSchema;
  setupColumns: ColumnSchema[];
  pending: SourceFile[];
  results: Map<string, SinkFileResult>;
  runFiles: (files: SourceFile[], intoTable: string, columns: ColumnSchema[]) => Promise<void>;
  finish: (state: SinkResult['state'], bytes: number, error?: string) => SinkResult;
  bytesSoFar: () => number;
  /** A file's identity (hashing a local file not known by its fingerprint). */
  identify: (file: SourceFile) => Promise<string>;
  resultOf: (file: SourceFile, status: FileIngestStatus, details?: string) => SinkFileResult;
  reingest: boolean;
  /** The job's warnings (the result carries them). */
  warnings: string[];
  /** Why the counted unparsed values stop the commit (destination.unparsedValues "fail"), or undefined. */
  unparsedProblem: () => string | undefined;
}

/** Whether the table holds an extent tagged with one of these ingest-by tags. */
async function taggedIn(mgmt: ManagementOptions, table: string, skipIf: string[]): Promise<boolean> {
  for (const tag of skipIf) {
    const rows = await executeManagementRecords(mgmt, `.show table ${kqlName(table)} extents where tags has ${kqlString(`ingest-by:${tag}`)}`);
    if (rows.length > 0) return true;
  }
  return false;
}

/** Every tag on a table's extents (Kusto lists an extent's tags in one string, one per line). */
async function extentTags(mgmt: ManagementOptions, table: string): Promise<Set<string>> {
  const rows = await executeManagementRecords(mgmt, `.show table ${kqlName(table)} extents`);
  const tags = new Set<string>();
  for (const row of rows) for (const tag of String(row.Tags ?? '').split(/[\r\n]+/)) if (tag.trim() !== '') tags.add(tag.trim());
  return tags;
}

async function runTransactional(input: TransactionInput): Promise<SinkResult> {
  const { spec, ctx, deps, mgmt, state, listing, setupColumns, results } = input;
  const destination = spec.destination as KustoTableDestination;
  const { table } = destination;
  const database = mgmt.database;
  const temp = state.record.tempTable ?? tempTableName(table, spec.id);
  const dropCommand = `.drop table ${kqlName(temp)} ifexists`;
  /** After the commit, a failed drop is a warning with the command to run, never a failed job. */
  const dropTemp = async (): Promise<void> => {
    try {
      await withPrivilegeContext('dropTempTable', database, temp, () => executeManagementRecords(mgmt, dropCommand));
    } catch (err) {
      if (ctx.signal.aborted) throw err;
      const warning = `the rows are committed to ${table}, but the temp table ${temp} could not be dropped (${(err as Error).message.slice(0, 300)}); drop it with: ${dropCommand} (its auto-delete policy removes it within a day otherwise)`;
      ctx.log.warn(warning);
      input.warnings.push(warning);
    }
  };

  if (state.record.transactionPhase === 'moved' || state.record.transactionPhase === 'done') {
    // Killed after the move: every file is in the target; only the temp table may remain.
    ctx.progress({ phase: 'cleaning', message: `dropping ${temp}` });
    await dropTemp();
    await state.update({ transactionPhase: 'done' });
    for (const file of listing.files) if (!results.has(file.relativePath)) results.set(file.relativePath, input.resultOf(file, 'Skipped', 'moved into the table by an earlier run'));
    return input.finish('succeeded', 0);
  }

  // A resumed transaction may hold extents of the earlier run in its temp table.
  const resuming = state.record.tempTable !== undefined;
  // Journal the temp table's name before creating it, so no run can leave it unknown.
  await state.update({ tempTable: temp, transactionPhase: 'ingesting' });
  ctx.log.info(`transaction: ingesting into temp table ${temp}, then moving its extents into ${table}`);
  const moveCommand = `.move extents all from table ${kqlName(temp)} to table ${kqlName(table)}`;
  try {
    await withPrivilegeContext('createTempTable', database, temp, async () => {
      // create-merge: idempotent when a resumed run finds the table already there.
      await executeManagementRecords(mgmt, `.create-merge table ${kqlName(temp)} (${cslSchema(setupColumns)}) with (folder = "KustoDataMover", docstring = ${kqlString(`temp table of job ${spec.id}; safe to drop`)})`);
      await applyTempPolicies(mgmt, temp, ctx);
    });
    // Probe the move right away with the temp table still empty: a missing table-admin right
    // fails the job now, not after every file was ingested (azure-kusto-spark #336, #426).
    // The temp table is new and empty, so the probe moves nothing: after a lost answer it is simply sent again.
    const probe = (): Promise<unknown> => executeManagementRecords(mgmt, moveCommand);
    if (!resuming) await withPrivilegeContext('moveExtents', database, table, () => probe().catch((err: unknown) => (isOutcomeUnclear(err) && !ctx.signal.aborted ? probe() : Promise.reject(err))));
    // Where each file's rows are now decides what to do with it: tagged on the target → moved by an
    // earlier run (killed before it could say so), or sent by another job; tagged in the temp table →
    // ingested by an earlier run, moves with the rest; nowhere (even if the sink state says done: the
    // temp table may have been dropped meanwhile, e.g. by its auto-delete policy) → ingest it now.
    const tempTags = resuming ? await extentTags(mgmt, temp) : new Set<string>();
    const pendingPaths = new Set(input.pending.map((f) => f.relativePath));
    // Every file's tag is looked up before anything is ingested, so every identity is needed now.
    const fileIdentities = await mapLimit(listing.files, 4, input.identify);
    const toIngest: SourceFile[] = [];
    /** The tags that show a file of this transaction on the target once moved. */
    const movedTags: string[][] = [];
    for (const [i, file] of listing.files.entries()) {
      const { skipIf } = fileTags(table, fileIdentities[i], spec.id, input.reingest);
      if (await taggedIn(mgmt, table, skipIf)) {
        results.set(file.relativePath, input.resultOf(file, 'Skipped', 'already in the table (moved by an earlier run, or sent by another job)'));
        continue;
      }
      movedTags.push(skipIf);
      if (!pendingPaths.has(file.relativePath) && skipIf.some((t) => tempTags.has(`ingest-by:${t}`))) {
        // kept: its earlier outcome stands and its extent moves with the others
      } else {
        results.delete(file.relativePath);
        toIngest.push(file);
      }
    }
    await input.runFiles(toIngest, temp, setupColumns);
    const bad = listing.files.filter((f) => !DONE.has(results.get(f.relativePath)?.status ?? 'Unknown'));
    if (bad.length > 0) {
      const reason = bad.map((f) => `${f.relativePath} (${results.get(f.relativePath)?.status}: ${results.get(f.relativePath)?.details ?? 'no reason given'})`).join('; ');
      // Unknown is not failed: such a file may still land, but in the temp table, which is dropped now.
      const what = bad.every((f) => results.get(f.relativePath)?.status === 'Failed') ? 'failed' : 'failed or had no final status in time';
      throw new TransactionAborted(`nothing was committed to ${table}: ${bad.length} file(s) ${what}: ${reason}`);
    }
    const unparsed = destination.unparsedValues === 'fail' ? input.unparsedProblem() : undefined;
    // The input's fault, not a fault to resume from (the same files would fail the same way): the temp table is dropped below.
    if (unparsed) throw Object.assign(new Error(`nothing was committed to ${table}: ${unparsed}`), { code: 'UnparsedValues', permanent: true });
    await deps.checkpoint?.('beforeMove');
    ctx.progress({ phase: 'committing', message: `moving extents of ${temp} into ${table}` });
    await moveChecked(mgmt, moveCommand, table, movedTags, ctx);
    await state.update({ transactionPhase: 'moved' });
    await deps.checkpoint?.('afterMove');
    reportSkips(listing.files.map((f) => results.get(f.relativePath)), table, input.reingest, input.warnings, input.ctx.log);
    ctx.progress({ phase: 'cleaning', message: `dropping ${temp}` });
    await dropTemp();
    await state.update({ transactionPhase: 'done' });
    await deps.checkpoint?.('afterDrop');
    return input.finish('succeeded', input.bytesSoFar());
  } catch (err) {
    // Nothing lands unless the move succeeded; never leave the temp table behind (also on cancel).
    if (state.record.transactionPhase === 'ingesting' && !(err instanceof MoveUnclear)) {
      await dropTempQuietly(mgmt, temp, ctx);
      // A later run starts the transaction afresh: earlier outcomes were in the dropped table.
      await state.update({ transactionPhase: undefined, tempTable: undefined, files: {} });
    }
    if (err instanceof TransactionAborted) return input.finish('failed', input.bytesSoFar(), err.message);
    throw err;
  }
}

/** The answer to `.move extents` was lost and the tables do not tell what happened: the temp table is kept for a resume. */
class MoveUnclear extends Error {}

/**
 * `.move extents all` from the temp table, checked when its answer is lost (the move may have run):
 * the target holding every file's tag → it did; none → it did not, and it is sent once more; a
 * part cannot happen (one move is atomic), so it is reported, with the temp table kept.
 */
async function moveChecked(mgmt: ManagementOptions, moveCommand: string, table: string, movedTags: string[][], ctx: JobContext): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await withPrivilegeContext('moveExtents', mgmt.database, table, () => executeManagementRecords(mgmt, moveCommand));
      return;
    } catch (err) {
      if (!isOutcomeUnclear(err) || ctx.signal.aborted) throw err;
      const check: ManagementOptions = { ...mgmt, signal: AbortSignal.timeout(120_000) };
      let landed = 0;
      for (const skipIf of movedTags) if (await taggedIn(check, table, skipIf)) landed++;
      ctx.log.warn(`the answer to the move into ${table} was lost (${(err as Error).message.slice(0, 200)}); ${landed} of ${movedTags.length} file(s) are tagged in ${table}`);
      if (landed === movedTags.length) return;
      if (landed > 0 || attempt >= 3) {
        throw new MoveUnclear(`the answer to "${moveCommand}" was lost and ${landed} of ${movedTags.length} file(s) are in ${table}; the temp table is kept: resume the job to finish, or check the table's extents (.show table ${kqlName(table)} extents)`);
      }
    }
  }
}

class TransactionAborted extends Error {}

async function dropTempQuietly(mgmt: ManagementOptions, temp: string, ctx: JobContext): Promise<void> {
  // The job's own signal may be aborted (cancel): the cleanup still has to run.
  const cleanup: ManagementOptions = { ...mgmt, signal: AbortSignal.timeout(60_000) };
  for (let attempt = 1; attempt <= 3; attempt++) {
    try {
      await executeManagementRecords(cleanup, `.drop table ${kqlName(temp)} ifexists`);
      ctx.log.info(`dropped temp table ${temp}`);
      return;
    } catch (err) {
      if (attempt === 3) ctx.log.warn(`could not drop temp table ${temp} (nothing of it was committed): ${(err as Error).message}; drop it with: .drop table ${kqlName(temp)} ifexists (its auto-delete policy removes it within a day otherwise)`);
      else await abortableSleep(500 * attempt);
    }
  }
}

/** Retention and auto-delete on the temp table, so that even a crash that never resumes leaves nothing behind for long. */
async function applyTempPolicies(mgmt: ManagementOptions, temp: string, ctx: JobContext): Promise<void> {
  const expiry = new Date(Date.now() + 24 * 3600_000).toISOString();
  const commands = [
    `.alter-merge table ${kqlName(temp)} policy retention softdelete = 1d recoverability = disabled`,
    `.alter table ${kqlName(temp)} policy auto_delete @'{"ExpiryDate":"${expiry}","DeleteIfNotEmpty":true}'`,
  ];
  for (const command of commands) {
    try {
      await executeManagementRecords(mgmt, command);
    } catch (err) {
      ctx.log.warn(`could not set a policy on temp table ${temp} (${(err as Error).message.slice(0, 200)}); it is dropped at the end of the job`);
    }
  }
}
