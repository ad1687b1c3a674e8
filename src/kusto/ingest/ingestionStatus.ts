// Reads the status table until a queued file's status is final. A file still Pending when the
// time runs out is "Unknown" — never counted as a success (the Spark connector's users lost data
// to exactly that, azure-kusto-spark #237). Many files at once: IngestionStatusPoller, which this
// single wait also runs on (one ticket), so both behave the same.
import { IngestionStatusPoller, outcomeOf, type StatusRead } from './ingestionStatusPoller';
import { IngestStorageClients } from './queuedIngest';

export type FileIngestStatus = 'Succeeded' | 'Failed' | 'PartiallySucceeded' | 'Skipped' | 'Unknown';

export interface StatusOutcome {
  status: FileIngestStatus;
  /** The service's reason for a failure (Details), with its error code. */
  details?: string;
  errorCode?: string;
  /** Permanent or Transient, as the service reported. */
  failureStatus?: string;
}

interface StatusEntity {
  Status?: string;
  Details?: string;
  ErrorCode?: string;
  FailureStatus?: string;
}

export interface PollOptions {
  intervalMs: number;
  timeoutMs: number;
  signal?: AbortSignal;
  /** PEM of a private CA the status table's HTTPS endpoint uses (the local emulator). */
  trustedCa?: string;
}

/**
 * Reads status entities with one Table client per status-table URL (`trustedCa`: the local
 * emulator's CA); `clients` are the job's, so the reads share the connection its Pending rows were written on.
 */
export function tableStatusReader(trustedCa?: string, clients = new IngestStorageClients()): StatusRead {
  return async (statusTableUrl, sourceId, signal) =>
    outcomeOf(await clients.statusTable(statusTableUrl, trustedCa).getEntity<StatusEntity>(sourceId, sourceId, { abortSignal: signal }));
}

export async function waitForIngestionStatus(statusTableUrl: string, sourceId: string, options: PollOptions): Promise<StatusOutcome> {
  const poller = new IngestionStatusPoller(tableStatusReader(options.trustedCa), { signal: options.signal, maxConcurrentReads: 1 });
  try {
    return await poller.wait(statusTableUrl, sourceId, { intervalMs: options.intervalMs, timeoutMs: options.timeoutMs });
  } finally {
    poller.close();
  }
}
