// State shared by the emulator's parts: the store, the auth mode, operations, ingestion resources.
import { randomUUID } from 'node:crypto';
import type { MgmtTable } from '../mgmt/results';
import type { Store } from '../store/store';
import type { AuthMode, Principal } from './auth';
import type { RequestIds } from './errors';

export type OperationState = 'InProgress' | 'Completed' | 'Failed' | 'PartiallySucceeded' | 'Canceled';

export interface OperationRecord {
  id: string;
  operation: string;
  database: string;
  principal: string;
  startedOn: Date;
  lastUpdatedOn: Date;
  state: OperationState;
  status: string;
  /** `.show operation <id> details` (e.g. the files of an async export). */
  details?: MgmtTable;
}

export class Operations {
  private readonly records: OperationRecord[] = [];

  start(operation: string, database: string, principal: string, state: OperationState = 'InProgress'): OperationRecord {
    const now = new Date();
    const record: OperationRecord = { id: randomUUID(), operation, database, principal, startedOn: now, lastUpdatedOn: now, state, status: '' };
    this.records.push(record);
    if (this.records.length > 2000) this.records.splice(0, this.records.length - 2000);
    return record;
  }

  finish(record: OperationRecord, state: OperationState, status = ''): void {
    record.state = state;
    record.status = status;
    record.lastUpdatedOn = new Date();
  }

  get(id: string): OperationRecord | undefined {
    return this.records.find((r) => r.id === id);
  }

  list(): OperationRecord[] {
    return [...this.records];
  }
}

export interface IngestionFailure {
  operationId: string;
  database: string;
  table: string;
  failedOn: Date;
  ingestionSourcePath: string;
  details: string;
  errorCode: string;
  failureKind: 'Permanent' | 'Transient';
  rootActivityId: string;
  ingestionSourceId: string;
}

/** URLs (with SAS) of the storage the data-management side hands out. */
export interface IngestionResources {
  readyQueue: string;
  failedQueue: string;
  successQueue: string;
  tempContainer: string;
  statusTable: string;
  /** The container `.show export containers` hands out (the service's export storage). */
  exportContainer: string;
}

export interface RequestContext {
  database: string;
  text: string;
  principal: Principal;
  ids: RequestIds;
  properties: { Options: Record<string, unknown>; Parameters: Record<string, string> };
}

export interface EmulatorContext {
  store: Store;
  authMode: AuthMode;
  operations: Operations;
  ingestionFailures: IngestionFailure[];
  ingestionResources?: IngestionResources;
  /** Minimum `.export` sizeLimit (the service's is 100 MB); tests lower it. */
  exportMinSizeLimit: number;
  /** Azurite connection details for `.export` to storage given with an account key. */
  azuriteBlobUrl?: string;
  /** Account keys the emulator holds (its Azurite's): `.export` to `;impersonate` storage writes with them. */
  storageAccountKeys: Record<string, string>;
  /** Principals holding Storage Blob Data Contributor on that storage (tokens mode): others' `;impersonate` export is refused. */
  storageBlobDataContributors: string[];
  /** Async work still running (async export): awaited on stop. */
  background: Set<Promise<unknown>>;
}
