// The data-management loop (kusto-protocol.md §5): pulls ingestion messages from the queue,
// ingests each blob, and reports to the status table and the success/failure queues.
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BlobClient } from '@azure/storage-blob';
import { canIngestInto, principalFromAuthorizationContext } from '../server/auth';
import type { EmulatorContext } from '../server/context';
import { IngestError } from './ingestError';
import { ingestFile, type IngestResult } from './ingestData';
import type { ProvisionedStorage } from './provision';

interface IngestionMessage {
  Id?: string;
  BlobPath?: string;
  DatabaseName?: string;
  TableName?: string;
  RetainBlobOnSuccess?: boolean;
  ReportLevel?: number | null; // 0 failures only, 1 none, 2 all
  ReportMethod?: number | null; // 0 queue, 1 table, 2 both
  IngestionStatusInTable?: { partitionKey?: string; rowKey?: string } | null;
  AdditionalProperties?: Record<string, unknown>;
}

/** JSON with every non-ASCII character escaped: the service's report messages are ASCII only. */
export function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function stringList(value: unknown): string[] {
  if (value === undefined || value === null || value === '') return [];
  if (Array.isArray(value)) return value.map(String);
  if (typeof value === 'string') {
    try {
      const parsed: unknown = JSON.parse(value);
      if (Array.isArray(parsed)) return parsed.map(String);
    } catch {
      // a single tag
    }
    return [value];
  }
  return [String(value)];
}

export class DataManager {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly ctx: EmulatorContext,
    private readonly storage: ProvisionedStorage,
    private readonly pollMs: number,
  ) {}

  start(): void {
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.poll().then((busy) => this.schedule(busy ? 0 : this.pollMs), () => this.schedule(this.pollMs));
    }, delay);
  }

  /** Handles the messages that are waiting; true when there were any. */
  private async poll(): Promise<boolean> {
    const { receivedMessageItems } = await this.storage.readyQueue.receiveMessages({ numberOfMessages: 16, visibilityTimeout: 300 });
    for (const item of receivedMessageItems) {
      if (this.stopped) return false;
      let message: IngestionMessage = {};
      try {
        message = JSON.parse(Buffer.from(item.messageText, 'base64').toString('utf8')) as IngestionMessage;
      } catch {
        // not ours to read: dropped below
      }
      if (message.BlobPath) await this.handle(message);
      await this.storage.readyQueue.deleteMessage(item.messageId, item.popReceipt);
    }
    return receivedMessageItems.length > 0;
  }

  private async handle(message: IngestionMessage): Promise<void> {
    const operationId = randomUUID();
    const sourceId = message.Id ?? randomUUID();
    const sourcePath = (message.BlobPath ?? '').split(/[?;]/)[0];
    const props = message.AdditionalProperties ?? {};
    const database = message.DatabaseName ?? '';
    const table = message.TableName ?? '';
    let result: IngestResult | undefined;
    let failure: IngestError | undefined;
    const dir = await mkdtemp(join(tmpdir(), 'kusto-emulator-ingest-'));
    try {
      this.authorize(database, table, props.authorizationContext);
      const file = join(dir, 'data');
      try {
        await new BlobClient(message.BlobPath ?? '').downloadToFile(file);
      } catch (error) {
        throw new IngestError('Download_SourceNotFound', `Failed to download blob: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
      }
      result = await ingestFile(this.ctx, {
        database, table,
        format: typeof props.format === 'string' ? props.format : 'csv',
        mappingJson: typeof props.ingestionMapping === 'string' ? props.ingestionMapping : undefined,
        mappingReference: typeof props.ingestionMappingReference === 'string' ? props.ingestionMappingReference : undefined,
        ignoreFirstRecord: props.ignoreFirstRecord === true || props.ignoreFirstRecord === 'true',
        tags: stringList(props.tags),
        ingestIfNotExists: stringList(props.ingestIfNotExists),
        creationTime: typeof props.creationTime === 'string' ? props.creationTime : undefined,
      }, file);
      if (message.RetainBlobOnSuccess === false) await new BlobClient(message.BlobPath ?? '').deleteIfExists().catch(() => undefined);
    } catch (error) {
      failure = error instanceof IngestError ? error : new IngestError('General_InternalError', error instanceof Error ? error.message : String(error), false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    const now = new Date();
    const status = failure ? 'Failed' : result?.status ?? 'Succeeded';
    const details = failure ? failure.message : status === 'Skipped' ? 'Skipped: an extent already carries one of the ingestIfNotExists tags' : `Ingested ${result?.rowCount ?? 0} records`;
    if (failure) {
      this.ctx.ingestionFailures.push({
        operationId, database, table, failedOn: now, ingestionSourcePath: sourcePath, details, errorCode: failure.code,
        failureKind: failure.permanent ? 'Permanent' : 'Transient', rootActivityId: operationId, ingestionSourceId: sourceId,
      });
    }
    const level = message.ReportLevel ?? 0;
    const method = message.ReportMethod ?? 0;
    if (level === 1) return;
    const reportThis = failure ? true : level === 2;
    if (!reportThis) return;
    if ((method === 1 || method === 2) && message.IngestionStatusInTable) {
      const key = message.IngestionStatusInTable;
      await this.storage.statusTable.upsertEntity({
        partitionKey: key.partitionKey ?? sourceId, rowKey: key.rowKey ?? sourceId,
        Status: status, UpdatedOn: now, OperationId: operationId, ActivityId: operationId,
        ErrorCode: failure?.code ?? '', FailureStatus: failure ? (failure.permanent ? 'Permanent' : 'Transient') : 'NoFailure', Details: details,
        Database: database, Table: table, IngestionSourceId: sourceId, IngestionSourcePath: sourcePath,
      }, 'Merge');
    }
    if (method === 0 || method === 2) {
      const base = { OperationId: operationId, Database: database, Table: table, IngestionSourceId: sourceId, IngestionSourcePath: sourcePath, RootActivityId: operationId };
      if (failure) {
        await this.storage.failedQueue.sendMessage(Buffer.from(asciiJson({
          ...base, FailedOn: now.toISOString(), Details: details, ErrorCode: failure.code, FailureStatus: failure.permanent ? 'Permanent' : 'Transient',
          OriginatesFromUpdatePolicy: false, ShouldRetry: !failure.permanent,
        })).toString('base64'));
      } else {
        await this.storage.successQueue.sendMessage(Buffer.from(asciiJson({ ...base, SucceededOn: now.toISOString(), Details: details })).toString('base64'));
      }
    }
  }

  /** The principal named by the authorization context (from `.get kusto identity token`) must be an ingestor. */
  private authorize(database: string, table: string, authorizationContext: unknown): void {
    if (this.ctx.authMode === 'open') return;
    const principal = principalFromAuthorizationContext(authorizationContext);
    const db = this.ctx.store.findDatabase(database);
    if (!db) return; // reported as a missing database by the ingestion itself
    if (!principal || !canIngestInto(db, this.ctx.store.findTable(db, table), principal)) {
      throw new IngestError('Forbidden', `Principal '${principal?.fqn ?? 'unknown'}' is not authorized to ingest into table '${table}' of database '${database}': requires database ingestor`);
    }
  }
}
