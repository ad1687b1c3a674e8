// Files → Kusto: lists the source (plain, Spark batch or Spark streaming layout), infers the schema,
// prepares the table, then ingests each file once — queued (each file lands on its own) or
// transactional (all files into a temp table, moved into the target in one command, or nothing
// lands). Every file carries `ingest-by:<jobId>:<file identity>` with ingestIfNotExists, and its
// outcome is kept in the job's sink state, so a retry or a resume never duplicates rows.
import type { JobContext, TokenProvider } from '../jobContext';
import type { FilesSource, JobSpec, KustoTableDestination } from '../jobSpec';
import type { ColumnSchema } from '../rows';
import { abortableSleep } from '../retry';
import { executeManagementRecords, kqlName, kqlString, type ManagementOptions } from '../../kusto/managementClient';
import { fetchIngestionResources, type IngestionResources } from '../../kusto/ingest/ingestionResources';
import { buildFileMapping } from '../../kusto/ingest/ingestionMapping';
import { IngestStorageClients, postIngestion, uploadForIngestion } from '../../kusto/ingest/queuedIngest';
import { type FileIngestStatus, tableStatusReader } from '../../kusto/ingest/ingestionStatus';
import { IngestionStatusPoller } from '../../kusto/ingest/ingestionStatusPoller';
import { cslSchema, ensureTable } from '../../kusto/ingest/tableSetup';
import { withPrivilegeContext } from '../../kusto/ingest/privilegeErrors';
import { statusTableTrust } from '../../kusto/ingest/loopbackTrust';
import type { TypeConversion } from '../../formats/parquetSchemaReader';
import { identityOf, listSourceFiles, mapLimit, type SourceFile, type SourceListing } from '../../spark/sparkFolderReader';
import { listBlobSourceFiles, openBlobSource } from '../../spark/sparkFolderReaderBlob';
import { SinkState } from './sinkState';
import { StreamingSender } from './streamingSender';
import { inferSourceSchema, type SourceSchema } from './sourceSchema';

/** Named points of a run; tests stop the process at one of them to prove a resume is exactly-once. */
export type SinkCheckpoint = 'fileFinal' | 'beforeMove' | 'afterMove' | 'afterDrop' | 'round';

/**
 * What runFilesToKusto needs besides the spec and the job context:
 * - `tokenProvider`: bearer tokens for the destination cluster (the runner resolves the spec's
 *   AuthRef; undefined for an open emulator).
 * - `concurrency`: files uploaded at once (default 4); memory stays bounded per file. Waiting for
 *   statuses never holds back the next upload: every enqueued file hands its ticket to one shared
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
  /** succeeded: every file Succeeded or Skipped; partiallySucceeded: some landed, some did not (queued); failed: nothing more will land. */
  state: 'succeeded' | 'partiallySucceeded' | 'failed';
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

/** Status-table reads in flight at once for a whole job, however many files are pending. */
const STATUS_READS = 4;

export function ingestByTag(jobId: string, identity: string): string {
  return `${jobId}:${identity}`;
}

/** The temp table of a transactional job: named after the target and the job, so an orphan says whose it is. */
export function tempTableName(target: string, jobId: string): string {
  const short = jobId.replace(/[^A-Za-z0-9]/g, '').slice(-12) || 'job';
  return `${target}_kdm_tmp_${short}`;
}

/** At most `limit` calls of `fn` run at once; the others wait for a free slot, first come first served. */
function limiter(limit: number): <T>(fn: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: Array<() => void> = [];
  return async <T>(fn: () => Promise<T>): Promise<T> => {
    // A finishing call hands its slot straight to the longest waiter, so files upload in order.
    if (active >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    else active++;
    try {
      return await fn();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else active--;
    }
  };
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
  const mgmt: ManagementOptions = { clusterUrl: destination.connection.clusterUrl, database, tokenProvider: deps.tokenProvider, signal: ctx.signal };

  ctx.progress({ phase: 'planning', message: 'listing the source files' });
  const blobAccess = source.location.kind === 'blob' ? await openBlobSource(source, ctx.secrets) : undefined;
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
    const fetching = (resources ??= withPrivilegeContext('ingest', database, table, () => fetchIngestionResources(mgmt)));
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
  const setup = await withPrivilegeContext(creation === 'failIfNotExists' ? 'readSchema' : 'createTable', database, table, () => ensureTable(mgmt, table, creation, schema.columns));
  if (setup.created) ctx.log.info(`created table ${table} (${cslSchema(setup.columns)})`);
  if (setup.added.length > 0) ctx.log.info(`added column(s) ${setup.added.join(', ')} to table ${table}`);

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
  const finish = (state: SinkResult['state'], bytes: number, error?: string): SinkResult => ({
    ...base, state, bytes, error, files: listing.files.map((f) => results.get(f.relativePath) ?? resultOf(f, 'Unknown', 'not attempted')),
  });

  const pollIntervalMs = destination.statusPollIntervalMs ?? 2000;
  const statusTimeoutMs = destination.statusTimeoutMs ?? 30 * 60_000;
  let bytes = 0;

  const streamer = mode === 'streaming' ? new StreamingSender(mgmt, table, spec.options?.retry ?? {}, ctx) : undefined;
  const concurrency = Math.max(1, deps.concurrency ?? 4);
  const uploading = limiter(concurrency);
  const storageClients = new IngestStorageClients();

  /** Sends one file into `intoTable` and waits for its final status (the upload holds a slot of `uploading`, the wait does not). */
  const ingestOne = async (file: SourceFile, intoTable: string, columns: ColumnSchema[], index: number, poller: IngestionStatusPoller, stopped: () => boolean): Promise<SinkFileResult> => {
    const fileSchema = schema.perFile.get(file.relativePath);
    const format = fileSchema?.format ?? file.format;
    const mapping = destination.mappingReference ? undefined : buildFileMapping(format, (fileSchema?.columns ?? []).map((c) => c.name), file.partitionValues, columns);
    if (mapping && mapping.unmatched.length > 0) ctx.log.warn(`${file.relativePath}: column(s) ${mapping.unmatched.join(', ')} have no column in table ${table} and are not ingested`);
    if (streamer && !file.url) {
      const streamed = await uploading(async () => {
        if (stopped()) throw new RunStopped();
        // Streaming sends carry no tag: the identity is for the sink state alone.
        await identify(file);
        return streamer.send(file, format, fileSchema?.hasHeader ?? false, mapping, destination.mappingReference);
      });
      if (streamed.status !== 'fallback') {
        bytes += file.size;
        return { ...resultOf(file, streamed.status, streamed.details), via: 'streaming' };
      }
    }
    await ensureStatusTableTrust();
    const ticket = await uploading(async () => {
      if (stopped()) throw new RunStopped();
      const resources = await getResources();
      const request = {
        path: file.path, size: file.size, format, gzipped: file.compression === 'gzip', database, table: intoTable,
        mapping: mapping && { kind: mapping.kind, entries: mapping.entries }, mappingReference: destination.mappingReference,
        ignoreFirstRecord: fileSchema?.hasHeader ?? false, signal: ctx.signal,
        blobUrl: file.url && blobAccess ? blobAccess.readUrl(file.url) : undefined, statusTableCa,
      };
      const knownBefore = identities.has(file.relativePath);
      const uploaded = await uploadForIngestion(resources, request, index, storageClients);
      // A file not known by its fingerprint takes the content hash its upload produced (or is hashed now).
      if (!knownBefore && uploaded.contentHash) identities.set(file.relativePath, identityOf(file, uploaded.contentHash));
      const identity = await identify(file);
      // Learnt just now, and the same content as a file an earlier run finished (touched or copied
      // since): nothing to send. (Files known before were sorted out already; a transaction decides
      // by the tables' tags, not by the state.)
      const earlier = knownBefore ? undefined : state.record.files[identity];
      if (earlier && DONE.has(earlier.status)) return { finishedBefore: earlier };
      const tag = ingestByTag(spec.id, identity);
      return postIngestion(resources, uploaded, { ...request, tags: [`ingest-by:${tag}`], ingestIfNotExists: [tag] }, index, storageClients);
    });
    if ('finishedBefore' in ticket) return resultOf(file, ticket.finishedBefore.status, 'finished by an earlier run (same content)');
    bytes += file.size;
    ctx.progress({ phase: 'ingesting', bytes, files: results.size, filesTotal: listing.files.length, message: `queued ${file.relativePath}` });
    if (!ticket.statusTableUrl) return resultOf(file, 'Unknown', 'the cluster offers no status table; the outcome cannot be confirmed');
    const outcome = await poller.wait(ticket.statusTableUrl, ticket.sourceId, { intervalMs: pollIntervalMs, timeoutMs: statusTimeoutMs });
    const details = outcome.status === 'Skipped' ? (outcome.details ?? 'already ingested (its ingest-by tag is on the table)') : [outcome.errorCode, outcome.details].filter(Boolean).join(': ') || undefined;
    return { ...resultOf(file, outcome.status, details), via: streamer ? 'queued' : undefined };
  };

  const runFiles = async (files: SourceFile[], intoTable: string, columns: ColumnSchema[]): Promise<void> => {
    // Every file starts at once; `uploading` bounds the uploads, the poller the status reads.
    const poller = new IngestionStatusPoller((url, id, signal) => tableStatusReader(statusTableCa, storageClients)(url, id, signal), { signal: ctx.signal, maxConcurrentReads: STATUS_READS });
    let stop = false;
    const stopped = (): boolean => stop;
    try {
      await Promise.all(files.map(async (file, index) => {
        const result = await ingestOne(file, intoTable, columns, index, poller, stopped);
        // After another file's error the run's outcome is that error: journal nothing more.
        if (stop) return;
        results.set(file.relativePath, result);
        if (result.identity) await state.recordFile(result.identity, { relativePath: file.relativePath, status: result.status, details: result.details, fingerprint: file.contentHash === undefined ? file.fingerprint : undefined });
        const log = result.status === 'Failed' || result.status === 'Unknown' ? ctx.log.error : ctx.log.info;
        log.call(ctx.log, `${file.relativePath}: ${result.status}${result.details ? ` (${result.details})` : ''}`);
        ctx.progress({ phase: 'ingesting', bytes, files: results.size, filesTotal: listing.files.length });
        await deps.checkpoint?.('fileFinal', file);
      }));
    } catch (err) {
      // Fail fast as before: no new uploads, and the other files' status waits end (rejected).
      stop = true;
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
    await runFiles(pending, table, setup.columns);
    const all = listing.files.map((f) => results.get(f.relativePath)?.status ?? 'Unknown');
    const ok = all.filter((s) => DONE.has(s)).length;
    const outcome = ok === all.length ? 'succeeded' : ok > 0 ? 'partiallySucceeded' : 'failed';
    const bad = listing.files.filter((f) => !DONE.has(results.get(f.relativePath)?.status ?? 'Unknown'));
    return finish(outcome, bytes, bad.length > 0 ? `${bad.length} of ${all.length} file(s) did not land: ${bad.map((f) => `${f.relativePath} (${results.get(f.relativePath)?.status}: ${results.get(f.relativePath)?.details ?? 'no reason given'})`).join('; ')}` : undefined);
  }
  return runTransactional({ spec, ctx, deps, mgmt, state, listing, schema, setupColumns: setup.columns, pending, results, runFiles, finish, bytesSoFar: () => bytes, identify, resultOf });
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
}

/** Whether the target already holds an extent tagged for this file (moved there by an earlier run). */
async function landedInTarget(mgmt: ManagementOptions, table: string, tag: string): Promise<boolean> {
  const rows = await executeManagementRecords(mgmt, `.show table ${kqlName(table)} extents where tags has ${kqlString(`ingest-by:${tag}`)}`);
  return rows.length > 0;
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
  const dropTemp = async (): Promise<void> => {
    await withPrivilegeContext('dropTempTable', database, temp, () => executeManagementRecords(mgmt, `.drop table ${kqlName(temp)} ifexists`));
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
  try {
    await withPrivilegeContext('createTempTable', database, temp, async () => {
      // create-merge: idempotent when a resumed run finds the table already there.
      await executeManagementRecords(mgmt, `.create-merge table ${kqlName(temp)} (${cslSchema(setupColumns)}) with (folder = "KustoDataMover", docstring = ${kqlString(`temp table of job ${spec.id}; safe to drop`)})`);
      await applyTempPolicies(mgmt, temp, ctx);
    });
    // Probe the move right away with the temp table still empty: a missing table-admin right
    // fails the job now, not after every file was ingested (azure-kusto-spark #336, #426).
    if (!resuming) await withPrivilegeContext('moveExtents', database, table, () => executeManagementRecords(mgmt, `.move extents all from table ${kqlName(temp)} to table ${kqlName(table)}`));
    // Where each file's rows are now decides what to do with it: tagged on the target → moved by an
    // earlier run (killed before it could say so); tagged in the temp table → ingested by an earlier
    // run, moves with the rest; nowhere (even if the sink state says done: the temp table may have
    // been dropped meanwhile, e.g. by its auto-delete policy) → ingest it now.
    const tempTags = resuming ? await extentTags(mgmt, temp) : new Set<string>();
    const pendingPaths = new Set(input.pending.map((f) => f.relativePath));
    // Every file's tag is looked up before anything is ingested, so every identity is needed now.
    const fileIdentities = await mapLimit(listing.files, 4, input.identify);
    const toIngest: SourceFile[] = [];
    for (const [i, file] of listing.files.entries()) {
      const tag = ingestByTag(spec.id, fileIdentities[i]);
      if (await landedInTarget(mgmt, table, tag)) {
        results.set(file.relativePath, input.resultOf(file, 'Skipped', 'already in the table (moved by an earlier run)'));
      } else if (!pendingPaths.has(file.relativePath) && tempTags.has(`ingest-by:${tag}`)) {
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
      throw new TransactionAborted(`nothing was committed to ${table}: ${bad.length} file(s) failed: ${reason}`);
    }
    await deps.checkpoint?.('beforeMove');
    ctx.progress({ phase: 'committing', message: `moving extents of ${temp} into ${table}` });
    await withPrivilegeContext('moveExtents', database, table, () => executeManagementRecords(mgmt, `.move extents all from table ${kqlName(temp)} to table ${kqlName(table)}`));
    await state.update({ transactionPhase: 'moved' });
    await deps.checkpoint?.('afterMove');
    ctx.progress({ phase: 'cleaning', message: `dropping ${temp}` });
    await dropTemp();
    await state.update({ transactionPhase: 'done' });
    await deps.checkpoint?.('afterDrop');
    return input.finish('succeeded', input.bytesSoFar());
  } catch (err) {
    // Nothing lands unless the move succeeded; never leave the temp table behind (also on cancel).
    if (state.record.transactionPhase === 'ingesting') {
      await dropTempQuietly(mgmt, temp, ctx);
      // A later run starts the transaction afresh: earlier outcomes were in the dropped table.
      await state.update({ transactionPhase: undefined, tempTable: undefined, files: {} });
    }
    if (err instanceof TransactionAborted) return input.finish('failed', input.bytesSoFar(), err.message);
    throw err;
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
      if (attempt === 3) ctx.log.error(`could not drop temp table ${temp}: ${(err as Error).message}; its auto-delete policy removes it within a day`);
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
