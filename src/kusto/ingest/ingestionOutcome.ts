// What the status table says of one queued file, once final: shared by the reader of the table
// (ingestionStatus.ts), the poller (ingestionStatusPoller.ts) and the sink that reports it.

export type FileIngestStatus = 'Succeeded' | 'Failed' | 'PartiallySucceeded' | 'Skipped' | 'Unknown';

export interface StatusOutcome {
  status: FileIngestStatus;
  /** The service's reason for a failure (Details), with its error code. */
  details?: string;
  errorCode?: string;
  /** Permanent or Transient, as the service reported. */
  failureStatus?: string;
}
