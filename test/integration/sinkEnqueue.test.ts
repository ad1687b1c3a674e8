// The queued-ingestion wire format against real Azure Storage APIs (Azurite): what enqueueFile
// uploads, the Pending status row it writes, the queue message the data-management service reads,
// and how status polling reads outcomes (a timeout is Unknown, never a success).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { AccountSASPermissions, AccountSASResourceTypes, AccountSASServices, BlobServiceClient, generateAccountSASQueryParameters, SASProtocol, StorageSharedKeyCredential } from '@azure/storage-blob';
import { QueueServiceClient } from '@azure/storage-queue';
import { TableClient } from '@azure/data-tables';
import { AZURITE_ACCOUNT, AZURITE_KEY, type Azurite, startAzurite } from '../helpers/azurite';
import { enqueueFile } from '../../src/kusto/ingest/queuedIngest';
import { tableStatusReader } from '../../src/kusto/ingest/ingestionStatus';
import { IngestionStatusPoller } from '../../src/kusto/ingest/ingestionStatusPoller';
import type { StatusOutcome } from '../../src/kusto/ingest/ingestionOutcome';
import type { IngestionResources } from '../../src/kusto/ingest/ingestionResources';

let azurite: Azurite;
let dir: string;
let resources: IngestionResources;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kdm-sink-enqueue-'));
  azurite = await startAzurite();
  await BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient('tempstorage').create();
  await QueueServiceClient.fromConnectionString(azurite.connectionString).getQueueClient('readyforaggregation').create();
  await TableClient.fromConnectionString(azurite.connectionString, 'ingestionsstatus', { allowInsecureConnection: true }).createTable();
  const sas = generateAccountSASQueryParameters(
    {
      permissions: AccountSASPermissions.parse('rwdlacup'),
      services: AccountSASServices.parse('bqt').toString(),
      resourceTypes: AccountSASResourceTypes.parse('sco').toString(),
      expiresOn: new Date(Date.now() + 3600_000),
      protocol: SASProtocol.HttpsAndHttp,
    },
    new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY),
  ).toString();
  resources = {
    tempContainers: [`${azurite.blobUrl}/tempstorage?${sas}`],
    queues: [`${azurite.queueUrl}/readyforaggregation?${sas}`],
    statusTables: [`${azurite.tableUrl}/ingestionsstatus?${sas}`],
    authorizationContext: 'auth-context-token',
  };
});

after(async () => {
  await azurite?.stop();
  rmSync(dir, { recursive: true, force: true });
});

interface Message {
  Id: string;
  BlobPath: string;
  RawDataSize: number;
  DatabaseName: string;
  TableName: string;
  ReportLevel: number;
  ReportMethod: number;
  IngestionStatusInTable: { tableConnectionString: string; partitionKey: string; rowKey: string };
  AdditionalProperties: Record<string, unknown>;
}

async function nextMessage(): Promise<Message> {
  const queue = QueueServiceClient.fromConnectionString(azurite.connectionString).getQueueClient('readyforaggregation');
  const received = await queue.receiveMessages();
  const item = received.receivedMessageItems[0];
  assert.ok(item, 'a message was queued');
  await queue.deleteMessage(item.messageId, item.popReceipt);
  return JSON.parse(Buffer.from(item.messageText, 'base64').toString('utf8')) as Message;
}

describe('enqueueFile', () => {
  test('CSV is gzipped on upload; the message carries format, mapping, tags, ingestIfNotExists and table reporting', async () => {
    const path = join(dir, 'a.csv');
    writeFileSync(path, 'id,name\n1,x\n');
    const ticket = await enqueueFile(resources, {
      path, size: 12, format: 'csv', gzipped: false, database: 'Db', table: 'T',
      mapping: { kind: 'Csv', entries: [{ Column: 'id', Properties: { Ordinal: '0' } }] }, ignoreFirstRecord: true,
      tags: ['ingest-by:job1:abc'], ingestIfNotExists: ['job1:abc'],
    });
    const message = await nextMessage();
    assert.equal(message.Id, ticket.sourceId);
    assert.equal(message.DatabaseName, 'Db');
    assert.equal(message.TableName, 'T');
    assert.equal(message.RawDataSize, 12);
    assert.equal(message.ReportLevel, 2);
    assert.equal(message.ReportMethod, 1);
    assert.deepEqual(message.IngestionStatusInTable, { tableConnectionString: resources.statusTables[0], partitionKey: ticket.sourceId, rowKey: ticket.sourceId });
    assert.deepEqual(message.AdditionalProperties, {
      authorizationContext: 'auth-context-token',
      format: 'csv',
      tags: '["ingest-by:job1:abc"]',
      ingestIfNotExists: '["job1:abc"]',
      ingestionMapping: '[{"Column":"id","Properties":{"Ordinal":"0"}}]',
      ingestionMappingType: 'Csv',
      ignoreFirstRecord: true,
    });
    assert.match(message.BlobPath, /\/tempstorage\/Db__T__[0-9a-f-]{36}__a\.csv\.gz\?/);
    const blobName = new URL(message.BlobPath).pathname.split('/').pop() as string;
    const bytes = await BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient('tempstorage').getBlobClient(decodeURIComponent(blobName)).downloadToBuffer();
    assert.equal(gunzipSync(bytes).toString('utf8'), 'id,name\n1,x\n');
    const status = await TableClient.fromConnectionString(azurite.connectionString, 'ingestionsstatus', { allowInsecureConnection: true }).getEntity<{ Status: string }>(ticket.sourceId, ticket.sourceId);
    assert.equal(status.Status, 'Pending');
  });

  test('Parquet is uploaded byte for byte, never converted or gzipped', async () => {
    const path = join(dir, 'p.parquet');
    const body = Buffer.concat([Buffer.from('PAR1'), Buffer.from([1, 2, 3, 0x1f, 0x8b]), Buffer.from('PAR1')]);
    writeFileSync(path, body);
    await enqueueFile(resources, { path, size: body.length, format: 'parquet', gzipped: false, database: 'Db', table: 'T', tags: [], ingestIfNotExists: [] });
    const message = await nextMessage();
    assert.equal(message.AdditionalProperties.format, 'parquet');
    assert.match(message.BlobPath, /__p\.parquet\?/);
    const blobName = decodeURIComponent(new URL(message.BlobPath).pathname.split('/').pop() as string);
    const bytes = await BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient('tempstorage').getBlobClient(blobName).downloadToBuffer();
    assert.deepEqual([...bytes], [0x50, 0x41, 0x52, 0x31, 1, 2, 3, 0x1f, 0x8b, 0x50, 0x41, 0x52, 0x31]);
  });
});

// The sink's way of waiting (runFilesToKusto.ts): the poller over real reads of the status table.
describe('waiting for a file\'s status in the status table (IngestionStatusPoller + tableStatusReader)', () => {
  const waitFor = async (sourceId: string, timing: { intervalMs: number; timeoutMs: number }): Promise<StatusOutcome> => {
    const poller = new IngestionStatusPoller(tableStatusReader(), { maxConcurrentReads: 1 });
    try {
      return await poller.wait(resources.statusTables[0], sourceId, timing);
    } finally {
      poller.close();
    }
  };
  const table = (): TableClient => TableClient.fromConnectionString(azurite.connectionString, 'ingestionsstatus', { allowInsecureConnection: true });

  test('returns the final status with the service\'s reason once the row leaves Pending', async () => {
    await table().createEntity({ partitionKey: 'f1', rowKey: 'f1', Status: 'Pending' });
    setTimeout(() => void table().updateEntity({ partitionKey: 'f1', rowKey: 'f1', Status: 'Failed', Details: 'Stream_InputStreamTooShort', ErrorCode: 'BadRequest_EmptyBlob', FailureStatus: 'Permanent' }, 'Merge'), 150);
    const outcome = await waitFor('f1', { intervalMs: 20, timeoutMs: 5000 });
    assert.deepEqual(outcome, { status: 'Failed', details: 'Stream_InputStreamTooShort', errorCode: 'BadRequest_EmptyBlob', failureStatus: 'Permanent' });
  });

  test('a status still Pending at the deadline is Unknown, never Succeeded', async () => {
    await table().createEntity({ partitionKey: 'f2', rowKey: 'f2', Status: 'Pending' });
    const started = Date.now();
    const outcome = await waitFor('f2', { intervalMs: 20, timeoutMs: 300 });
    assert.equal(outcome.status, 'Unknown');
    assert.match(outcome.details ?? '', /no final status within 0 s/);
    assert.ok(Date.now() - started < 2000);
  });
});
