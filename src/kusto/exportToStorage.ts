// Server-side export for large results, as the Spark connector's distributed mode does it:
// `.export async compressed to parquet (<storage>) with (...) <| query`, then poll
// `.show operations <id>` with growing intervals (first at once) until a final state or a timeout,
// then list the files with `.show operation <id> details`.
import { abortableSleep } from '../engine/retry';
import { KustoError } from './kustoError';
import { type ManagementOptions, executeManagementRecords, kqlString } from './managementClient';

export interface ExportedFile {
  /** Blob URL as Kusto reports it (no SAS). */
  path: string;
  rows: number;
  bytes: number;
}

export interface ExportCommandOptions {
  /** Files are named `<namePrefix>...` under the storage folder. */
  namePrefix: string;
  /** Split files at this many bytes before compression (the service's minimum is 100 MB). */
  sizeLimitBytes?: number;
}

/** The command text; `storageLiteral` is an h@"..." literal holding the secret, so never log the result unredacted. */
export function exportCommand(query: string, storageLiteral: string, options: ExportCommandOptions): string {
  const properties = [`namePrefix=${kqlString(options.namePrefix)}`, 'compressionType="snappy"', 'parquetDatetimePrecision="microsecond"'];
  if (options.sizeLimitBytes !== undefined) properties.push(`sizeLimit=${Math.floor(options.sizeLimitBytes)}`);
  return `.export async compressed to parquet (${storageLiteral}) with (${properties.join(', ')}) <| ${query}`;
}

export async function startExport(management: ManagementOptions, command: string): Promise<string> {
  const [row] = await executeManagementRecords(management, command);
  const id = row?.OperationId;
  if (typeof id !== 'string' || id === '') throw new KustoError({ code: 'MalformedResponse', message: '.export async returned no OperationId' });
  return id;
}

export type OperationState = 'InProgress' | 'Completed' | 'Failed' | 'PartiallySucceeded' | 'Abandoned' | 'Throttled' | 'Canceled' | 'Scheduled';

export interface PollOptions {
  signal?: AbortSignal;
  timeoutMs: number;
  /** Longest wait between polls (the Spark connector grows to 30 s). */
  maxIntervalMs: number;
  onState?: (state: string, polls: number) => void;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  now?: () => number;
}

/** Waits between polls: none before the first, then doubling from 250 ms, at most 4 s in the first minute, then up to `maxIntervalMs`. */
export function pollDelayMs(poll: number, elapsedMs: number, maxIntervalMs: number): number {
  if (poll === 0) return 0;
  const grown = 250 * 2 ** (poll - 1);
  return Math.min(grown, elapsedMs < 60_000 ? Math.min(4000, maxIntervalMs) : maxIntervalMs);
}

function checkOperationId(id: string): string {
  if (!/^[A-Za-z0-9-]+$/.test(id)) throw new KustoError({ code: 'MalformedResponse', message: `"${id.slice(0, 60)}" is not an operation id` });
  return id;
}

export async function waitForOperation(management: ManagementOptions, operationId: string, options: PollOptions): Promise<void> {
  checkOperationId(operationId);
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? abortableSleep;
  const started = now();
  for (let poll = 0; ; poll++) {
    await sleep(pollDelayMs(poll, now() - started, options.maxIntervalMs), options.signal);
    const [row] = await executeManagementRecords(management, `.show operations ${operationId}`);
    const state = String(row?.State ?? 'Unknown');
    options.onState?.(state, poll + 1);
    if (state === 'Completed') return;
    if (state !== 'InProgress' && state !== 'Scheduled' && state !== 'Unknown') {
      throw new KustoError({
        code: `Export${state}`,
        message: `the export (operation ${operationId}) ended ${state}: ${String(row?.Status ?? '')}`.trim(),
        // A throttled or abandoned export may succeed when started again.
        permanent: !(state === 'Throttled' || state === 'Abandoned'),
      });
    }
    if (now() - started > options.timeoutMs) {
      throw new KustoError({ code: 'ExportTimeout', message: `the export (operation ${operationId}) did not finish within ${Math.round(options.timeoutMs / 1000)} s`, permanent: true });
    }
  }
}

export async function exportedFiles(management: ManagementOptions, operationId: string): Promise<ExportedFile[]> {
  const rows = await executeManagementRecords(management, `.show operation ${checkOperationId(operationId)} details`);
  return rows.map((r) => ({ path: String(r.Path ?? ''), rows: Number(r.NumRecords ?? 0), bytes: Number(r.SizeInBytes ?? 0) }));
}

/**
 * After an unclear outcome (the reply to `.export async` was lost, or the run died before it
 * journalled the operation id): the export operation that writes files named `namePrefix`, if the
 * service started one. Exports of this database started since `since` are candidates; one still
 * running is waited for, then its files tell whether it is ours (the prefix is unique per attempt).
 */
export async function findExportOperation(management: ManagementOptions, namePrefix: string, since: Date, options: PollOptions): Promise<string | undefined> {
  // Allow for clock skew between this machine and the service.
  const earliest = since.getTime() - 5 * 60_000;
  const rows = await executeManagementRecords(management, '.show operations');
  const candidates = rows
    .filter((r) => /export/i.test(String(r.Operation ?? '')) && String(r.Database ?? '') === management.database && Date.parse(String(r.StartedOn ?? '')) >= earliest)
    .map((r) => String(r.OperationId ?? ''))
    .filter((id) => /^[A-Za-z0-9-]+$/.test(id));
  for (const id of candidates) {
    try {
      await waitForOperation(management, id, options);
    } catch (err) {
      if ((err as Error).name === 'AbortError') throw err;
      continue; // failed or gave up: its files, if any, are not listed as ours
    }
    const files = await exportedFiles(management, id);
    if (files.some((f) => f.path.includes(`/${namePrefix}`))) return id;
  }
  return undefined;
}
