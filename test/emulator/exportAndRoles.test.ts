// Emulator conformance, slices 3 and 4: `.export` to Azurite (CSV bytes, Parquet types and
// splitting, async operations) and role checks in 'tokens' mode — through the real SDK.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { Client, KustoConnectionStringBuilder } from 'azure-kusto-data';
import { createStagingContainer, type StagingContainer } from '../helpers/azurite';
import { adminToken, startEmulator, type RunningEmulator } from './index';

let emulator: RunningEmulator;
let admin: Client;
let dir: string;
let staging: StagingContainer;
let sasUrl: string;
const DB = 'Secure';
const clients: Client[] = [];

function clientFor(principal: string): Client {
  const c = new Client(KustoConnectionStringBuilder.withAccessToken(emulator.url, emulator.tokenFor(principal)));
  clients.push(c);
  return c;
}

async function rows(c: Client, csl: string): Promise<Array<Record<string, unknown>>> {
  const result = csl.startsWith('.') ? await c.executeMgmt(DB, csl) : await c.execute(DB, csl);
  return [...result.primaryResults[0].rows()].map((r) => r.toJSON() as Record<string, unknown>);
}

async function failure(promise: Promise<unknown>): Promise<{ status?: number; message?: string }> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  const response = (error as { response?: { status: number; data: { error: { '@message': string } } } } | undefined)?.response;
  return { status: response?.status, message: response?.data?.error?.['@message'] };
}

async function download(path: string): Promise<Buffer> {
  const name = path.slice(path.indexOf('/exports/') + 1);
  return staging.container.getBlobClient(name).downloadToBuffer();
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kdm-emulator-export-'));
  emulator = await startEmulator({ databases: [DB], auth: 'tokens' });
  admin = new Client(KustoConnectionStringBuilder.withAccessToken(emulator.url, adminToken()));
  staging = await createStagingContainer(emulator.azurite.blobUrl);
  sasUrl = `${staging.url}/exports?${staging.sas}`;
});

after(async () => {
  for (const c of clients) c.close();
  admin?.close();
  await emulator?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('.export', () => {
  test('sync CSV export with headers writes Kusto-formatted values, one row per file', async () => {
    const files = await rows(admin, `.export to csv (h@"${sasUrl}") with (includeHeaders="all", namePrefix="c") <| datatable(id:long, at:datetime, took:timespan, amount:decimal, name:string)[1, datetime(2020-01-02T03:04:05.1234567Z), time(1.02:03:04.5), decimal(1.50), "a,b", 2, datetime(null), time(null), decimal(null), ""]`);
    assert.equal(files.length, 1);
    assert.equal(files[0].NumRecords, 2);
    assert.match(String(files[0].Path), /\/staging\/exports\/c_0_[0-9a-f]{8}\.csv$/);
    const text = (await download(String(files[0].Path))).toString('utf8');
    assert.equal(text, 'id,at,took,amount,name\n1,2020-01-02T03:04:05.1234567Z,1.02:03:04.5,1.50,"a,b"\n2,,,,""\n');
  });

  test('Parquet export splits at sizeLimit (test override) and types datetime/decimal/timespan as specified', async () => {
    const tooSmall = await failure(admin.executeMgmt(DB, `.export to parquet (h@"${sasUrl}") with (sizeLimit=1000) <| print x = 1`));
    assert.equal(tooSmall.status, 400);
    assert.match(tooSmall.message ?? '', /sizeLimit must be at least 104857600 bytes/);
    emulator.setExportMinSizeLimit(1000);
    const files = await rows(admin, `.export to parquet (h@"${sasUrl}") with (sizeLimit=100000, namePrefix="p") <| range x from 1 to 200000 step 1 | extend t = datetime(2020-01-01T00:00:00.1234567Z), d = decimal(2.5), ts = time(00:00:01)`);
    assert.ok(files.length > 1, `split into ${files.length} files`);
    assert.equal(files.reduce((n, f) => n + Number(f.NumRecords), 0), 200000);
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    try {
      const { writeFileSync } = await import('node:fs');
      const locals: string[] = [];
      for (const [i, f] of files.entries()) {
        const local = join(dir, `part${i}.parquet`);
        writeFileSync(local, await download(String(f.Path)));
        locals.push(`'${local}'`);
      }
      const sum = (await connection.runAndReadAll(`SELECT count(*), sum(x), min(epoch_ms(t)), min(d), min(ts) FROM read_parquet([${locals.join(',')}])`)).getRows()[0];
      assert.deepEqual(sum.map(String), ['200000', '20000100000', '1577836800123', '2.500000000000000000', '10000000']);
      const schema = (await connection.runAndReadAll(`SELECT name, converted_type FROM parquet_schema(${locals[0]}) WHERE name IN ('t', 'd', 'ts')`)).getRows();
      assert.deepEqual(schema, [['t', 'TIMESTAMP_MILLIS'], ['d', 'DECIMAL'], ['ts', 'INT_64']]);
      const micro = await rows(admin, `.export to parquet (h@"${sasUrl}") with (parquetDatetimePrecision="microsecond") <| print t = datetime(2020-01-01T00:00:00.1234567Z)`);
      const local = join(dir, 'micro.parquet');
      writeFileSync(local, await download(String(micro[0].Path)));
      assert.deepEqual((await connection.runAndReadAll(`SELECT converted_type FROM parquet_schema('${local}') WHERE name = 't'`)).getRows(), [['TIMESTAMP_MICROS']]);
      assert.deepEqual((await connection.runAndReadAll(`SELECT epoch_us(t) FROM read_parquet('${local}')`)).getRows().map((r) => String(r[0])), ['1577836800123456']);
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  });

  test('async export returns an OperationId; .show operations reaches Completed and details list the files', async () => {
    const [started] = await rows(admin, `.export async compressed to json (h@"${sasUrl}") with (namePrefix="j") <| range x from 1 to 3 step 1`);
    const id = String(started.OperationId);
    let state = '';
    for (let i = 0; i < 100 && state !== 'Completed'; i++) {
      state = String((await rows(admin, `.show operations ${id}`))[0].State);
      if (state !== 'Completed') await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(state, 'Completed');
    const details = await rows(admin, `.show operation ${id} details`);
    assert.equal(details.length, 1);
    assert.equal(details[0].NumRecords, 3);
    const { gunzipSync } = await import('node:zlib');
    assert.equal(gunzipSync(await download(String(details[0].Path))).toString('utf8'), '{"x":1}\n{"x":2}\n{"x":3}\n');
  });
});

describe('roles in tokens mode', () => {
  test('no token is a 401', async () => {
    const response = await fetch(`${emulator.url}/v2/rest/query`, { method: 'POST', body: JSON.stringify({ db: DB, csl: 'print 1' }) });
    assert.equal(response.status, 401);
  });

  test('a principal without roles is refused with a 403 naming the operation, database and missing role', async () => {
    await rows(admin, '.set-or-append Facts <| range x from 1 to 3 step 1');
    const bob = clientFor('aaduser=bob@contoso.com');
    const refused = await failure(bob.execute(DB, 'Facts | count'));
    assert.equal(refused.status, 403);
    assert.equal(refused.message, "Principal 'aaduser=bob@contoso.com' is not authorized to perform operation 'query' on database 'Secure': requires database viewer (or admin of every table the query reads)");
    await rows(admin, `.add database ${DB} viewers ('aaduser=bob@contoso.com')`);
    assert.deepEqual(await rows(bob, 'Facts | count'), [{ Count: 3 }]);
    const create = await failure(bob.executeMgmt(DB, '.create table BobTable (a:string)'));
    assert.equal(create.status, 403);
    assert.match(create.message ?? '', /requires database user$/);
    assert.deepEqual((await rows(bob, '.show principal roles')).map((r) => [r.Scope, r.DisplayName, r.AccessLevel]), [['Database', DB, 'Viewer']]);
  });

  test('a table admin reads and alters its table without database roles, but creates no new table', async () => {
    await rows(admin, '.create table Owned (a:long)');
    await rows(admin, `.add table Owned admins ('aadapp=carol-app;tenant1')`);
    const carol = clientFor('aadapp=carol-app;tenant1');
    assert.deepEqual(await rows(carol, 'Owned | count'), [{ Count: 0 }]);
    await rows(carol, '.create-merge table Owned (a:long, b:string)');
    assert.equal((await failure(carol.execute(DB, 'Facts | count'))).status, 403);
    assert.equal((await failure(carol.executeMgmt(DB, '.create table Other (a:long)'))).status, 403);
    const principals = await rows(admin, `.show database ${DB} principals`);
    assert.ok(principals.some((p) => p.Role === 'Table Owned Admin' && p.PrincipalFQN === 'aadapp=carol-app;tenant1'));
  });

  test('ingesting needs ingestor; .move extents needs table admin of the target', async () => {
    await rows(admin, '.create table Target (x:long)');
    await rows(admin, '.alter table Target policy streamingingestion enable');
    const dave = clientFor('aaduser=dave@contoso.com');
    const ingest = (c: string) => fetch(`${emulator.url}/v1/rest/ingest/${DB}/Target?streamFormat=csv`, { method: 'POST', headers: { Authorization: `Bearer ${emulator.tokenFor(c)}` }, body: '1\n2\n' });
    const refused = await ingest('aaduser=dave@contoso.com');
    assert.equal(refused.status, 403);
    assert.match(((await refused.json()) as { error: { '@message': string } }).error['@message'], /requires database ingestor$/);
    await rows(admin, `.add database ${DB} ingestors ('aaduser=dave@contoso.com')`);
    assert.equal((await ingest('aaduser=dave@contoso.com')).status, 200);
    assert.equal((await failure(dave.execute(DB, 'Target | count'))).status, 403, 'an ingestor cannot read');

    await rows(admin, `.add database ${DB} users ('aaduser=erin@contoso.com')`);
    await rows(admin, `.add database ${DB} ingestors ('aaduser=erin@contoso.com')`);
    const erin = clientFor('aaduser=erin@contoso.com');
    await rows(erin, '.set-or-append Temp <| range x from 10 to 12 step 1');
    const move = await failure(erin.executeMgmt(DB, '.move extents all from table Temp to table Target'));
    assert.equal(move.status, 403);
    assert.match(move.message ?? '', /requires table admin of 'Target' or database admin$/);
    await rows(admin, `.add table Target admins ('aaduser=erin@contoso.com')`);
    await rows(erin, '.move extents all from table Temp to table Target');
    assert.deepEqual(await rows(erin, 'Target | summarize n = count(), s = sum(x)'), [{ n: 5, s: 36 }]);
  });
});
