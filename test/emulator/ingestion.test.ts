// Emulator conformance, slice 2: queued ingestion through Azurite (every text format, gzip,
// Parquet, mappings, tags, ingestIfNotExists, status table and queues) and streaming ingestion
// (policy enforcement, 413, managed fallback) — driven through the real azure-kusto-ingest SDK.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { QueueClient } from '@azure/storage-queue';
import { DuckDBInstance } from '@duckdb/node-api';
import { Client } from 'azure-kusto-data';
import {
  CsvColumnMapping, DataFormat, IngestClient, IngestionMappingKind, IngestionProperties, ManagedStreamingIngestClient, ReportLevel, ReportMethod, StreamingIngestClient,
} from 'azure-kusto-ingest';
import { startAzurite } from '../helpers/azurite';
import { startEmulator, trustEmulatorCertificate, type RunningEmulator } from './index';

let emulator: RunningEmulator;
let client: Client;
let queued: IngestClient;
let dir: string;
const DB = 'Ingest';

function file(name: string, content: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

/** The PrimaryResult rows of a query as the exact JSON text the emulator sent. */
async function rowsText(query: string): Promise<string> {
  const response = await fetch(`${emulator.url}/v2/rest/query`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ db: DB, csl: query }) });
  const text = await response.text();
  assert.equal(response.status, 200, text);
  const start = text.indexOf('"Rows":[', text.indexOf('"TableKind":"PrimaryResult"')) + '"Rows":['.length;
  return text.slice(start, text.indexOf(']},{"FrameType":"DataTable"', start));
}

async function count(table: string): Promise<number> {
  return Number(JSON.parse(`[${await rowsText(`${table} | count`)}]`)[0][0]);
}

async function waitForCount(table: string, expected: number): Promise<void> {
  const deadline = Date.now() + 15_000;
  let n = -1;
  while (Date.now() < deadline) {
    n = await count(table);
    if (n === expected) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.equal(n, expected, `rows in ${table}`);
}

async function mgmt(csl: string): Promise<Array<Record<string, unknown>>> {
  const result = await client.executeMgmt(DB, csl);
  return [...result.primaryResults[0].rows()].map((r) => r.toJSON() as Record<string, unknown>);
}

function props(table: string, format: DataFormat, extra: Partial<IngestionProperties> = {}): IngestionProperties {
  return new IngestionProperties({ database: DB, table, format, ...extra });
}

async function receiveOne(queueUrl: string): Promise<Record<string, unknown>> {
  const queue = new QueueClient(queueUrl);
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const { receivedMessageItems } = await queue.receiveMessages({ numberOfMessages: 1 });
    if (receivedMessageItems.length) {
      await queue.deleteMessage(receivedMessageItems[0].messageId, receivedMessageItems[0].popReceipt);
      return JSON.parse(Buffer.from(receivedMessageItems[0].messageText, 'base64').toString('utf8')) as Record<string, unknown>;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('no message on the report queue');
}

async function finalStatus(result: { getIngestionStatusCollection(): Promise<unknown> }): Promise<Record<string, unknown>> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const status = (await result.getIngestionStatusCollection()) as Record<string, unknown>;
    if (status.Status !== 'Pending' || Date.now() > deadline) return status;
    await new Promise((r) => setTimeout(r, 50));
  }
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kdm-emulator-ingest-'));
  emulator = await startEmulator({ databases: [DB], auth: 'open', ingestionPollMs: 50 });
  // The SDK's status-table client talks HTTPS to the emulator's own endpoint: trust its certificate.
  trustEmulatorCertificate(emulator);
  client = new Client(emulator.url);
  queued = new IngestClient(emulator.url);
  await mgmt('.create table Csv (id:long, name:string, at:datetime, score:real)');
  await mgmt('.create table Json (id:long, name:string, payload:dynamic)');
  await mgmt('.create table Typed (id:long, amount:decimal, at:datetime, label:string)');
  await mgmt('.create table Tagged (id:long)');
  await mgmt('.create table Streamed (id:long, name:string)');
  await mgmt(`.create table Json ingestion json mapping "unix" '[{"column":"id","Properties":{"Path":"$.n"}},{"column":"name","Properties":{"Path":"$.who.name"}},{"column":"payload","Properties":{"Path":"$"}}]'`);
});

after(async () => {
  queued?.close();
  client?.close();
  await emulator?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('queued ingestion', () => {
  test('a CSV file (gzipped by the SDK) is ingested and its status reported in the status table as Succeeded', async () => {
    const path = file('rows.csv', '1,alpha,2020-01-01T00:00:00Z,1.5\n2,"b,""eta""",2020-01-02T03:04:05.1234567Z,\n3,,,-0.25\n');
    const result = await queued.ingestFromFile(path, props('Csv', DataFormat.CSV, { reportLevel: ReportLevel.FailuresAndSuccesses, reportMethod: ReportMethod.Table }));
    const status = await finalStatus(result);
    assert.equal(status.Status, 'Succeeded');
    assert.equal(status.Table, 'Csv');
    assert.equal(await rowsText('Csv | order by id asc'),
      '[1,"alpha","2020-01-01T00:00:00Z",1.5],[2,"b,\\"eta\\"","2020-01-02T03:04:05.1234567Z",null],[3,"",null,-0.25]');
  });

  test('JSON lines, multijson (array, pretty-printed) and a pre-gzipped TSV with a header, all ingested exactly', async () => {
    await queued.ingestFromFile(file('a.json', '{"id":1,"name":"a","payload":{"k":9223372036854775807}}\n{"id":2,"name":"b","payload":null}\n'), props('Json', DataFormat.JSON));
    await queued.ingestFromFile(file('b.multijson', '[\n  {"id": 3,\n   "name": "c", "payload": [1, "x"]},\n  {"id": 4, "name": "d"}\n]'), props('Json', DataFormat.MULTIJSON));
    await waitForCount('Json', 4);
    assert.equal(await rowsText('Json | order by id asc'), '[1,"a",{"k":9223372036854775807}],[2,"b",null],[3,"c",[1,"x"]],[4,"d",null]');
    await mgmt('.create table Tsv (id:long, name:string)');
    // Pre-compressed (.gz, so the SDK uploads it as is); the emulator recognises gzip by its magic bytes.
    await queued.ingestFromFile(file('c.tsv.gz', gzipSync('id\tname\n7\tseven\n8\teight\n')), props('Tsv', DataFormat.TSV, { ignoreFirstRecord: true }));
    await waitForCount('Tsv', 2);
    assert.equal(await rowsText('Tsv | order by id asc'), '[7,"seven"],[8,"eight"]');
  });

  test('mappings: CSV by ordinal given inline, JSON by path through a stored mapping reference', async () => {
    const mapping = [CsvColumnMapping.withOrdinal('name', 0), CsvColumnMapping.withOrdinal('id', 1)];
    await mgmt('.create table Swapped (id:long, name:string)');
    await queued.ingestFromFile(file('d.csv', 'x,10\ny,11\n'), props('Swapped', DataFormat.CSV, { ingestionMappingColumns: mapping, ingestionMappingKind: IngestionMappingKind.CSV }));
    await waitForCount('Swapped', 2);
    assert.equal(await rowsText('Swapped | order by id asc'), '[10,"x"],[11,"y"]');
    await queued.ingestFromFile(file('e.json', '{"n":100,"who":{"name":"deep"}}\n'), props('Json', DataFormat.JSON, { ingestionMappingReference: 'unix', ingestionMappingKind: IngestionMappingKind.JSON }));
    await waitForCount('Json', 5);
    assert.equal(await rowsText('Json | where id == 100'), '[100,"deep",{"n":100,"who":{"name":"deep"}}]');
  });

  test('Parquet (written by DuckDB: decimal, microsecond timestamp) lands with exact values', async () => {
    const path = join(dir, 'f.parquet');
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    await connection.run(`COPY (SELECT * FROM (VALUES (1::BIGINT, 12.345::DECIMAL(10,3), TIMESTAMP '2024-01-31 12:00:00.123456', 'p1'), (2, NULL, NULL, NULL)) t(id, amount, "at", label)) TO '${path}' (FORMAT parquet)`);
    connection.closeSync();
    instance.closeSync();
    await queued.ingestFromFile(path, props('Typed', DataFormat.PARQUET));
    await waitForCount('Typed', 2);
    assert.equal(await rowsText('Typed | order by id asc'), '[1,"12.345","2024-01-31T12:00:00.123456Z","p1"],[2,null,null,""]');
  });

  test('ingest-by tags with ingestIfNotExists: the second ingestion is reported Skipped and adds no rows', async () => {
    const tagProps = { ingestByTags: ['file-1'], ingestIfNotExists: JSON.stringify(['file-1']), additionalTags: ['extra'] };
    await queued.ingestFromStream(Readable.from([Buffer.from('1\n2\n')]), props('Tagged', DataFormat.CSV, tagProps));
    await waitForCount('Tagged', 2);
    const extents = await mgmt(`.show table Tagged extents where tags has 'ingest-by:file-1'`);
    assert.equal(extents.length, 1);
    assert.equal(extents[0].Tags, 'extra\r\ningest-by:file-1');
    const again = await queued.ingestFromStream(Readable.from([Buffer.from('3\n')]), props('Tagged', DataFormat.CSV, { ...tagProps, reportLevel: ReportLevel.FailuresAndSuccesses, reportMethod: ReportMethod.Table }));
    assert.equal((await finalStatus(again)).Status, 'Skipped');
    assert.equal(await count('Tagged'), 2);
  });

  test('a broken Parquet file is reported on the failure queue (permanent) and by .show ingestion failures', async () => {
    const resources = await mgmt('.get ingestion resources');
    const failedQueue = String(resources.find((r) => r.ResourceTypeName === 'FailedIngestionsQueue')?.StorageRoot);
    await queued.ingestFromFile(file('bad.parquet', 'this is not parquet'), props('Typed', DataFormat.PARQUET, { reportLevel: ReportLevel.FailuresOnly, reportMethod: ReportMethod.Queue }));
    const message = await receiveOne(failedQueue);
    assert.equal(message.Table, 'Typed');
    assert.equal(message.ErrorCode, 'BadRequest_InvalidData');
    assert.equal(message.FailureStatus, 'Permanent');
    assert.equal(message.ShouldRetry, false);
    const failures = await mgmt('.show ingestion failures');
    assert.equal(failures.length, 1);
    assert.equal(failures[0].FailureKind, 'Permanent');
  });
});

describe('two emulators on one Azurite', () => {
  test('each takes only its own queued ingestions: a bystander polling fast neither steals nor fails them', async () => {
    // The owner polls slowly, the bystander (without the database) every 20 ms: with one shared queue
    // the bystander would take the message first and fail it for a database it does not have.
    const azurite = await startAzurite();
    const owner = await startEmulator({ databases: ['Owned'], auth: 'open', azurite, ingestionPollMs: 1500 });
    const bystander = await startEmulator({ databases: ['Other'], auth: 'open', azurite, ingestionPollMs: 20 });
    const ownerClient = new Client(owner.url);
    const ingest = new IngestClient(owner.url);
    try {
      await ownerClient.executeMgmt('Owned', '.create table T (x:long)');
      for (let i = 0; i < 3; i++) await ingest.ingestFromFile(file(`owned-${i}.csv`, `${i}\n${i + 10}\n`), new IngestionProperties({ database: 'Owned', table: 'T', format: DataFormat.CSV }));
      let rows = 0;
      for (const deadline = Date.now() + 20_000; rows < 6 && Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
        rows = Number([...(await ownerClient.execute('Owned', 'T | count')).primaryResults[0].rows()][0].toJSON<{ Count: number }>().Count);
      }
      assert.equal(rows, 6, 'every queued row reached the emulator it was sent to');
      const failures = await new Client(bystander.url).executeMgmt('Other', '.show ingestion failures');
      assert.equal([...failures.primaryResults[0].rows()].length, 0, 'the bystander failed none of them');
    } finally {
      ingest.close();
      ownerClient.close();
      await bystander.stop();
      await owner.stop();
      await azurite.stop();
    }
  });
});

describe('streaming ingestion', () => {
  test('refused without a streaming policy; accepted once the table policy is enabled', async () => {
    const streaming = new StreamingIngestClient(emulator.url);
    try {
      const refused = await streaming.ingestFromStream(Readable.from([Buffer.from('1,a\n')]), props('Streamed', DataFormat.CSV)).then(() => undefined, (e: unknown) => e);
      const response = (refused as { response?: { status: number; data: { error: { code: string; '@permanent': boolean } } } }).response;
      assert.equal(response?.status, 400);
      assert.equal(response?.data.error.code, 'BadRequest_StreamingIngestionPolicyNotEnabled');
      assert.equal(response?.data.error['@permanent'], true);
      await mgmt('.alter table Streamed policy streamingingestion enable');
      await streaming.ingestFromStream(Readable.from([Buffer.from('1,a\n2,b\n')]), props('Streamed', DataFormat.CSV));
      assert.equal(await rowsText('Streamed | order by id asc'), '[1,"a"],[2,"b"]');
    } finally {
      streaming.close();
    }
  });

  test('a request above 4 MB is a permanent 413', async () => {
    const body = Buffer.alloc(4 * 1024 * 1024 + 10, 0x41);
    const response = await fetch(`${emulator.url}/v1/rest/ingest/${DB}/Streamed?streamFormat=csv`, { method: 'POST', body });
    assert.equal(response.status, 413);
    const error = (await response.json()) as { error: { '@permanent': boolean; '@type': string } };
    assert.equal(error.error['@permanent'], true);
    assert.equal(error.error['@type'], 'Kusto.Data.Exceptions.KustoRequestPayloadTooLargeException');
  });

  test('the managed streaming client falls back to queued ingestion when the policy is off', async () => {
    await mgmt('.create table Managed (id:long, name:string)');
    const managed = new ManagedStreamingIngestClient(emulator.url, emulator.url);
    try {
      await managed.ingestFromStream(Readable.from([Buffer.from('5,e\n')]), props('Managed', DataFormat.CSV));
      await waitForCount('Managed', 1);
      assert.equal(await rowsText('Managed'), '[5,"e"]');
    } finally {
      managed.close();
    }
  });
});
