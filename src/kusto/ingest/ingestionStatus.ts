// Reads a queued file's row of the status table. A file still Pending when the time runs out is
// "Unknown", never counted as a success (the Spark connector's users lost data to exactly that,
// azure-kusto-spark #237): IngestionStatusPoller waits, this only reads.
import { outcomeOf, type StatusRead } from './ingestionStatusPoller';
import { IngestStorageClients } from './queuedIngest';

interface StatusEntity {
  Status?: string;
  Details?: string;
  ErrorCode?: string;
  FailureStatus?: string;
}

/**
 * Reads status entities with one Table client per status-table URL (`trustedCa`: the local
 * emulator's CA); `clients` are the job's, so the reads share the connection its Pending rows were written on.
 */
export function tableStatusReader(trustedCa?: string, clients = new IngestStorageClients()): StatusRead {
  return async (statusTableUrl, sourceId, signal) =>
    outcomeOf(await clients.statusTable(statusTableUrl, trustedCa).getEntity<StatusEntity>(sourceId, sourceId, { abortSignal: signal }));
}
