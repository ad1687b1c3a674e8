// Polls the status table until each queued file's status is final. A file still Pending when the
// time runs out is "Unknown" — never counted as a success (the Spark connector's users lost data
// to exactly that, azure-kusto-spark #237).
import { abortableSleep } from '../../engine/retry';
import { statusTableClient } from './queuedIngest';

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

const FINAL = new Set(['Succeeded', 'Failed', 'PartiallySucceeded', 'Skipped']);

export interface PollOptions {
  intervalMs: number;
  timeoutMs: number;
  signal?: AbortSignal;
  /** PEM of a private CA the status table's HTTPS endpoint uses (the local emulator). */
  trustedCa?: string;
}

export async function waitForIngestionStatus(statusTableUrl: string, sourceId: string, options: PollOptions): Promise<StatusOutcome> {
  const client = statusTableClient(statusTableUrl, options.trustedCa);
  const deadline = Date.now() + options.timeoutMs;
  let interval = Math.max(10, options.intervalMs);
  let lastError: unknown;
  for (;;) {
    options.signal?.throwIfAborted();
    try {
      const entity = await client.getEntity<StatusEntity>(sourceId, sourceId, { abortSignal: options.signal });
      const status = String(entity.Status ?? 'Pending');
      if (FINAL.has(status)) {
        return {
          status: status as FileIngestStatus,
          details: entity.Details || undefined,
          errorCode: entity.ErrorCode || undefined,
          failureStatus: entity.FailureStatus || undefined,
        };
      }
      lastError = undefined;
    } catch (err) {
      if (options.signal?.aborted) throw err;
      // A transient read failure of the status table is not the ingestion's failure: keep polling.
      lastError = err;
    }
    if (Date.now() >= deadline) {
      const why = lastError ? `; the status table could not be read: ${(lastError as Error).message}` : '';
      return { status: 'Unknown', details: `no final status within ${Math.round(options.timeoutMs / 1000)} s (the ingestion may still complete)${why}` };
    }
    await abortableSleep(Math.min(interval, Math.max(0, deadline - Date.now())), options.signal);
    // Back off gently for long ingestions, up to 10 × the configured interval.
    interval = Math.min(interval * 1.5, options.intervalMs * 10);
  }
}
