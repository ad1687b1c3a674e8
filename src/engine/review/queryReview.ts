// Review of a Kusto → files job: the query's columns (from `take 10`, which also gives the preview)
// mapped to the output format as the writers write them, the read-mode planner's estimate, the
// export storage, and the query or `.export` command the job sends.
import type { FilesDestination, JobSpec, KustoQuerySource } from '../jobSpec';
import type { ColumnSchema, Row } from '../rows';
import { chooseReadMode, estimateRowCount } from '../readModePlanner';
import { chooseExportStorage, CLUSTER_EXPORT_FOLDER } from '../exportStorage';
import { queryText } from '../streamToFiles';
import { exportCommand } from '../../kusto/exportToStorage';
import { streamQuery } from '../../kusto/streamingQueryReader';
import { executeManagementRecords, kqlName } from '../../kusto/managementClient';
import { entityNameProblem } from '../../kusto/entityNames';
import { joinBlobPath } from '../../storage/blobLocation';
import { decimalOverflowsParquet, longBeyondDoubles, outputConversion } from './outputConversions';
import type { JobReview, ReviewColumn, ReviewEnvironment } from './reviewTypes';
import { previewText, reviewPreflight } from './reviewShared';

const PREVIEW_ROWS = 10;

/** The query's first rows and its schema, in one request. */
async function takeRows(source: KustoQuerySource, env: ReviewEnvironment, timeoutMs: number): Promise<{ columns: ColumnSchema[]; rows: Row[] }> {
  const query = source.query.trim().replace(/;\s*$/, '');
  const timeout = AbortSignal.timeout(Math.max(timeoutMs, 30_000));
  let columns: ColumnSchema[] | undefined;
  const rows: Row[] = [];
  for await (const event of streamQuery({
    clusterUrl: source.connection.clusterUrl,
    database: source.connection.database,
    query: `${query}\n| take ${PREVIEW_ROWS}`,
    tokenProvider: env.tokenProvider,
    signal: env.signal ? AbortSignal.any([env.signal, timeout]) : timeout,
    progressive: false,
  })) {
    if (event.kind === 'table') columns ??= event.columns;
    else if (event.kind === 'rows' && rows.length < PREVIEW_ROWS) rows.push(...event.rows.slice(0, PREVIEW_ROWS - rows.length));
  }
  if (!columns) throw new Error('the query returned no table');
  return { columns, rows };
}

/** A bare table name's size as the service reports it (`.show table T details`), else undefined. */
async function tableBytes(source: KustoQuerySource, env: ReviewEnvironment): Promise<number | undefined> {
  const name = /^\s*(?:\[\s*'([^']+)'\s*\]|\[\s*"([^"]+)"\s*\]|([\p{L}_][\p{L}\p{N}_]*))\s*;?\s*$/u.exec(source.query);
  const table = name?.[1] ?? name?.[2] ?? name?.[3];
  if (!table || entityNameProblem(table)) return undefined;
  try {
    const rows = await executeManagementRecords({ clusterUrl: source.connection.clusterUrl, database: source.connection.database, tokenProvider: env.tokenProvider, signal: env.signal, serverTimeoutMs: 30_000 }, `.show table ${kqlName(table)} details`);
    const size = Number(rows[0]?.TotalOriginalSize);
    return Number.isFinite(size) && size >= 0 ? size : undefined;
  } catch {
    return undefined; // advice only
  }
}

function columnsFor(columns: ColumnSchema[], rows: Row[], destination: FilesDestination): ReviewColumn[] {
  const partitions = new Set((destination.partitionBy ?? []).map((p) => p.toLowerCase()));
  return columns.map((column, i) => {
    const partition = partitions.has(column.name.toLowerCase());
    const base = outputConversion(column.type, destination.format);
    const review: ReviewColumn = { source: column.name, sourceType: column.type, target: column.name, targetType: base.targetType, conversion: base.conversion, risk: base.risk, note: base.note };
    if (partition) {
      return { ...review, targetType: 'folder name', conversion: `${column.name}=<Kusto text of the value>`, risk: 'info', note: 'a partition column: written in the folder names (col=value, Spark\'s escaping), left out of the files' };
    }
    // The preview's values can show a risk for certain: a value the format cannot hold.
    const values = rows.map((r) => r[i]);
    if (destination.format === 'parquet' && column.type === 'decimal') {
      const big = values.find((v) => typeof v === 'string' && decimalOverflowsParquet(v));
      if (big !== undefined) return { ...review, risk: 'error', note: `the value ${String(big)} (in the preview) has more than 20 integer digits and does not fit DECIMAL(38,18): the job would fail; cast the column to string or real in the query` };
    }
    if (destination.format === 'json' && column.type === 'long') {
      const big = values.find(longBeyondDoubles);
      if (big !== undefined) return { ...review, note: `${review.note} (the preview holds ${String(big)})` };
    }
    return review;
  });
}

function commandsFor(spec: JobSpec, source: KustoQuerySource, destination: FilesDestination, mode: 'stream' | 'export'): string[] {
  if (mode === 'stream') return [queryText(source)];
  const storage = chooseExportStorage(source, destination);
  const subPath =
    storage.kind === 'destination' ? '' : storage.kind === 'cluster' ? joinBlobPath(CLUSTER_EXPORT_FOLDER, source.connection.database, spec.id) : joinBlobPath(source.connection.database, spec.id);
  const root = storage.kind === 'destination' && destination.location.kind === 'blob' ? destination.location.url : storage.kind === 'staging' && source.staging ? source.staging.url : "<one of the cluster's export containers>";
  // The storage literal names the container (or staging folder); the job's folder is in namePrefix.
  const commands = [
    ...(storage.kind === 'cluster' ? ['.show export containers'] : []),
    exportCommand(source.query.trim().replace(/;\s*$/, ''), `h@"${root.replace(/\/+$/, '')}?***"`, { namePrefix: joinBlobPath(subPath, 'part-<random, chosen when the job starts>') }),
    '.show operations <the OperationId the export answers>',
    '.show operation <the OperationId> details',
  ];
  return commands;
}

export async function reviewQueryToFiles(spec: JobSpec, env: ReviewEnvironment): Promise<JobReview> {
  const source = spec.source as KustoQuerySource;
  const destination = spec.destination as FilesDestination;
  const timeoutMs = env.estimateTimeoutMs ?? spec.options?.estimateTimeoutMs ?? 3000;
  const warnings: string[] = [];
  const [taken, decision, preflight, bytes] = await Promise.all([
    takeRows(source, env, timeoutMs).catch((err: unknown) => {
      env.signal?.throwIfAborted();
      return { error: (err as Error).message };
    }),
    chooseReadMode(source, destination.format === 'parquet', env.tokenProvider, timeoutMs, env.signal),
    reviewPreflight(spec, env),
    tableBytes(source, env),
  ]);
  // The planner estimates only when it must choose; the review shows the count anyway.
  const plannerEstimated = (source.readMode ?? 'auto') === 'auto' && destination.format === 'parquet';
  const rows = plannerEstimated ? decision.estimatedRows : await estimateRowCount(source, env.tokenProvider, timeoutMs, env.signal);
  const storage = decision.mode === 'export' ? chooseExportStorage(source, destination) : undefined;
  if ('error' in taken) warnings.push(`the query's columns could not be read: ${taken.error}`);
  const missingPartitions = 'error' in taken ? [] : (destination.partitionBy ?? []).filter((p) => !taken.columns.some((c) => c.name.toLowerCase() === p.toLowerCase()));
  if (missingPartitions.length > 0) warnings.push(`partition column(s) ${missingPartitions.join(', ')} are not columns of the query's result: the job would fail`);
  return {
    columns: 'error' in taken ? [] : columnsFor(taken.columns, taken.rows, destination),
    preview: 'error' in taken ? { error: taken.error } : { columns: taken.columns.map((c) => c.name), rows: taken.rows.map((r) => r.map(previewText)), from: 'take' },
    estimate: {
      rows,
      bytes,
      readMode: decision.mode,
      why: `${decision.reason}${rows === undefined ? '; the row count could not be estimated' : decision.estimatedRows === undefined ? `; about ${rows.toLocaleString('en-US')} rows (estimate_rows_count, else count)` : ''}${bytes !== undefined ? '; bytes: the table\'s original size as the service reports it (.show table details)' : ''}`,
    },
    storage: storage && { kind: storage.kind === 'cluster' ? 'cluster' : 'user', why: storage.reason },
    commands: commandsFor(spec, source, destination, decision.mode),
    preflight,
    warnings,
  };
}
