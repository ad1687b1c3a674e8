// Emulator conformance: the management commands the official SDKs, the Spark connector and the
// service's documented ingestion/export flows send (issue #21 item 6), the service's entity-name
// rules (issue #23 item 5), and the caller's own roles and identity in tokens mode (issue #24).
// Everything goes through azure-kusto-data's Client (executeMgmt / execute), as a user would.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ContainerClient } from '@azure/storage-blob';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, KustoConnectionStringBuilder } from 'azure-kusto-data';
import { DataFormat, IngestClient, IngestionProperties } from 'azure-kusto-ingest';
import { startAzurite, type Azurite } from '../helpers/azurite';
import { adminToken, startEmulator, type RunningEmulator } from './index';

let azurite: Azurite;
let open: RunningEmulator;
let secured: RunningEmulator;
let client: Client;
const clients: Client[] = [];
const DB = 'Coverage';
const SECURE_DB = 'Guarded';

type Row = Record<string, unknown>;

/** The SDK's axios error, with the service's @message added to its text (so a failure says why). */
function explained(error: unknown): unknown {
  const message = (error as { response?: { data?: { error?: { '@message'?: string } } } }).response?.data?.error?.['@message'];
  if (message && error instanceof Error) error.message = `${error.message}: ${message}`;
  return error;
}

async function mgmt(csl: string, c: Client = client, db = DB): Promise<Row[]> {
  const result = await c.executeMgmt(db, csl).catch((e: unknown) => { throw explained(e); });
  return [...result.primaryResults[0].rows()].map((r) => r.toJSON() as Row);
}

async function query(csl: string, c: Client = client, db = DB): Promise<Row[]> {
  const result = await c.execute(db, csl).catch((e: unknown) => { throw explained(e); });
  return [...result.primaryResults[0].rows()].map((r) => r.toJSON() as Row);
}

async function columnsOf(csl: string): Promise<string[]> {
  const result = await client.executeMgmt(DB, csl);
  return result.primaryResults[0].columns.map((c) => String(c.name));
}

interface Failure { status?: number; code?: string; message?: string; permanent?: boolean }

async function failure(promise: Promise<unknown>): Promise<Failure> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  assert.ok(error, 'expected the request to fail');
  const response = (error as { response?: { status: number; data: { error: { code: string; '@message': string; '@permanent': boolean } } } }).response;
  return { status: response?.status, code: response?.data?.error?.code, message: response?.data?.error?.['@message'], permanent: response?.data?.error?.['@permanent'] };
}

/** An unsigned JWT with the claims a real OAuth flow puts in (the emulator does not verify it). */
function jwt(claims: Record<string, unknown>): string {
  const part = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part({ alg: 'none', typ: 'JWT' })}.${part({ ...claims, exp: Math.floor(Date.now() / 1000) + 3600 })}.`;
}

function clientWithToken(token: string): Client {
  const c = new Client(KustoConnectionStringBuilder.withAccessToken(secured.url, token));
  clients.push(c);
  return c;
}

const tableNames = async (): Promise<string[]> => (await mgmt('.show tables')).map((r) => String(r.TableName)).sort();

before(async () => {
  azurite = await startAzurite();
  open = await startEmulator({ databases: [DB], auth: 'open', azurite });
  secured = await startEmulator({ databases: [SECURE_DB], auth: 'tokens', azurite, ingestionPollMs: 50 });
  client = new Client(open.url);
  await mgmt('.create table Alpha (id:long, name:string)');
  await mgmt('.create table Beta (id:long)');
  await mgmt('.set-or-append Alpha <| datatable(id:long, name:string)[1, "a", 2, "b"]');
  await mgmt('.set-or-append Alpha <| datatable(id:long, name:string)[3, "c"]');
});

after(async () => {
  client?.close();
  for (const c of clients) c.close();
  await open?.stop();
  await secured?.stop();
  await azurite?.stop();
});

describe('a .show command followed by query operators runs them over its result', () => {
  test('.show tables | project TableName, DatabaseName', async () => {
    assert.deepEqual(await columnsOf('.show tables | project TableName, DatabaseName'), ['TableName', 'DatabaseName']);
    const rows = await mgmt('.show tables | project TableName, DatabaseName | sort by TableName asc');
    assert.deepEqual(rows, [{ TableName: 'Alpha', DatabaseName: DB }, { TableName: 'Beta', DatabaseName: DB }]);
  });

  test('.show database D policy retention | project ChildEntities, EntityType', async () => {
    await mgmt(`.alter database ${DB} policy retention softdelete = 10d`);
    assert.deepEqual(await columnsOf(`.show database ${DB} policy retention | project ChildEntities, EntityType`), ['ChildEntities', 'EntityType']);
    const rows = await mgmt(`.show database ${DB} policy retention | project ChildEntities, EntityType`);
    assert.deepEqual(rows, [{ ChildEntities: '', EntityType: 'Database' }]);
  });

  test('where, extend, take, count, sort and summarize over command results', async () => {
    assert.deepEqual(await mgmt(".show tables | where TableName == 'Beta' | count"), [{ Count: 1 }]);
    assert.deepEqual(await mgmt('.show tables | extend n = strlen(TableName) | sort by TableName desc | take 1 | project TableName, n'), [{ TableName: 'Beta', n: 4 }]);
    assert.deepEqual(await mgmt('.show table Alpha extents | summarize rows = sum(RowCount), extents = count()'), [{ rows: 3, extents: 2 }]);
    assert.deepEqual(await mgmt(".show tables | where TableName startswith 'Nope' | count"), [{ Count: 0 }]);
  });

  test('a command result read back as $command_results after a semicolon', async () => {
    const rows = await mgmt('.show table Alpha extents;\n $command_results | summarize n = count(), total = sum(RowCount)');
    assert.deepEqual(rows, [{ n: 2, total: 3 }]);
  });

  test('a JSON column of the result is read with todynamic()', async () => {
    const rows = await mgmt('.show table Alpha schema as json | project Columns = todynamic(Schema).OrderedColumns');
    assert.deepEqual((rows[0].Columns as Array<{ Name: string; CslType: string }>).map((c) => `${c.Name}:${c.CslType}`), ['id:long', 'name:string']);
  });

  test('a query operator outside the KQL subset (the connector\'s mv-expand) is a permanent 400 naming it', async () => {
    const f = await failure(mgmt('.show table Alpha schema as json | project ColumnsJson = todynamic(Schema).OrderedColumns | mv-expand ColumnsJson'));
    assert.equal(f.status, 400);
    assert.equal(f.permanent, true);
    assert.match(f.message ?? '', /^The emulator does not support the 'mv-expand' operator/);
  });

  test('only .show commands take query operators', async () => {
    const f = await failure(mgmt('.drop table Beta ifexists | count'));
    assert.equal(f.status, 400);
    assert.match(f.message ?? '', /only \.show commands can be followed by query operators/);
    assert.ok((await tableNames()).includes('Beta'), 'the refused command changed nothing');
  });
});

describe('cache maintenance commands are accepted (the emulator has no such caches)', () => {
  test('.clear database cache streamingingestion schema and .clear table T cache streamingingestion schema', async () => {
    assert.deepEqual(await mgmt('.clear database cache streamingingestion schema'), [{ NodeId: 'emulator', Status: 'Succeeded' }]);
    assert.deepEqual(await mgmt('.clear table Alpha cache streamingingestion schema'), [{ NodeId: 'emulator', Status: 'Succeeded' }]);
  });

  test(".refresh database 'D' table 'T' cache ingestionbatchingpolicy", async () => {
    assert.deepEqual(await mgmt(`.refresh database '${DB}' table 'Alpha' cache ingestionbatchingpolicy`), [{ DatabaseName: DB, TableName: 'Alpha', Status: 'Succeeded' }]);
    const f = await failure(mgmt(`.refresh database '${DB}' table 'Missing' cache ingestionbatchingpolicy`));
    assert.equal(f.status, 400);
    assert.match(f.message ?? '', /Failed to resolve table .*'Missing'/);
  });

  test('.clear database cache query_results', async () => {
    assert.deepEqual(await mgmt('.clear database cache query_results'), [{ NodeId: 'emulator', Count: 0 }]);
  });
});

describe('export and temporary storage the emulator provisions', () => {
  test('.show export containers hands out a container an .export can write to and a reader can list', async () => {
    const roots = await mgmt('.show export containers', client, 'NetDefaultDB');
    assert.equal(roots.length, 1);
    const root = String(roots[0].StorageRoot);
    assert.match(root, /\/exportstorage\?.*sig=/);
    const files = await mgmt(`.export to csv (h@"${root}") with (namePrefix="probe") <| print x = 41 + 1`);
    assert.equal(files.length, 1);
    const container = new ContainerClient(root);
    const names: string[] = [];
    for await (const blob of container.listBlobsFlat({ prefix: 'probe' })) names.push(blob.name);
    assert.equal(names.length, 1);
    assert.equal((await container.getBlobClient(names[0]).downloadToBuffer()).toString('utf8'), '42\n');
  });

  test('.create tempstorage hands out the temporary storage container (as .get ingestion resources does)', async () => {
    const roots = await mgmt('.create tempstorage', client, 'NetDefaultDB');
    const resources = await mgmt('.get ingestion resources', client, 'NetDefaultDB');
    assert.deepEqual(roots.map((r) => r.StorageRoot), resources.filter((r) => r.ResourceTypeName === 'TempStorage').map((r) => r.StorageRoot));
  });
});

describe('commands the Spark connector sends', () => {
  test('hidden-table listing, materialized views, table details, node count and extent count', async () => {
    await mgmt('.create table AlHidden (x:long) with(hidden=true)');
    assert.deepEqual(await mgmt(".show tables | where TableName startswith 'Al' | project TableName"), [{ TableName: 'Alpha' }], 'a hidden table is not listed by default');
    assert.deepEqual(await mgmt(".show tables with (IncludeHiddenTables=true) | where TableName startswith 'Al' | project TableName | sort by TableName asc"), [{ TableName: 'AlHidden' }, { TableName: 'Alpha' }]);
    await mgmt('.drop table AlHidden');
    assert.deepEqual(await mgmt(".show materialized-views | where SourceTable == 'Alpha' | count"), [{ Count: 0 }]);
    await mgmt('.alter table Alpha policy sharding @\'{"UseShardEngine":true}\'');
    assert.deepEqual(await mgmt('.show table Alpha details | project UseShardEngine = todynamic(ShardingPolicy).UseShardEngine, TotalRowCount'), [{ UseShardEngine: true, TotalRowCount: 3 }]);
    assert.deepEqual(await mgmt('.show cluster | count'), [{ Count: 1 }]);
    assert.deepEqual(await mgmt('.show table Alpha extents | count'), [{ Count: 2 }]);
  });

  test('.move extents <| .show extents with a result limit; $command_results | distinct ExtentId moves one batch', async () => {
    await mgmt('.create table Staged (id:long, name:string)');
    await mgmt('.create table Landed (id:long, name:string)');
    await mgmt('.set-or-append Staged <| datatable(id:long, name:string)[10, "x"]');
    await mgmt('.set-or-append Staged <| datatable(id:long, name:string)[11, "y", 12, "z"]');
    const from = new Date(Date.now() - 3600_000).toISOString();
    const to = new Date(Date.now() + 3600_000).toISOString();
    const batch = `<|\n .show table Staged extents with(extentsShowFilteringRuntimePolicy='{"MaximumResultsCount":1}');\n $command_results\n | distinct ExtentId`;
    const moved = await mgmt(`.move extents to table Landed with(extentCreatedOnFrom='${from}', extentCreatedOnTo='${to}') ${batch}`);
    assert.equal(moved.length, 1);
    const ops = await mgmt(`.move async extents to table Landed with(extentCreatedOnFrom='${from}', extentCreatedOnTo='${to}') ${batch}`);
    assert.equal(ops.length, 1);
    const state = await mgmt(`.show operations ${String(ops[0].OperationId)}`);
    assert.equal(state[0].State, 'Completed');
    assert.deepEqual(await query('Staged | count'), [{ Count: 0 }]);
    assert.deepEqual((await query('Landed | order by id asc | project id')).map((r) => r.id), [10, 11, 12]);
  });

  test('an extent window that matches nothing moves nothing', async () => {
    const past = new Date(Date.now() - 7200_000).toISOString();
    const moved = await mgmt(`.move extents to table Landed with(extentCreatedOnFrom='${past}', extentCreatedOnTo='${past}') <| .show table Alpha extents; $command_results | distinct ExtentId`);
    assert.equal(moved.length, 0);
    assert.deepEqual(await query('Alpha | count'), [{ Count: 3 }]);
  });
});

describe('direct ingestion (.ingest into / .ingest inline), as the service documents it', () => {
  test('.ingest inline into table T <| csv rows appends one extent, unbalanced quotes in the data and all', async () => {
    await mgmt('.create table Inline (id:long, note:string)');
    const result = await mgmt(".ingest inline into table Inline with (tags='[\"ingest-by:inline-1\"]') <|\n1,it's fine\n2,\"quoted, with comma\"");
    assert.equal(result.length, 1);
    assert.equal(result[0].HasErrors, false);
    assert.deepEqual(await query('Inline | order by id asc'), [{ id: 1, note: "it's fine" }, { id: 2, note: 'quoted, with comma' }]);
    assert.deepEqual((await mgmt(".show table Inline extents where tags has 'ingest-by:inline-1'")).map((e) => e.RowCount), [2]);
  });

  test('.ingest into table T (blob with SAS) with format and ignoreFirstRecord reads the blob; async answers an operation', async () => {
    const root = String((await mgmt('.create tempstorage', client, 'NetDefaultDB'))[0].StorageRoot);
    const container = new ContainerClient(root);
    await container.getBlockBlobClient('direct/data.psv').upload('id|note\n7|seven\n8|eight\n', 27);
    const [base, sas] = root.split('?');
    const blob = `${base}/direct/data.psv?${sas}`;
    await mgmt('.create table Direct (id:long, note:string)');
    const sync = await mgmt(`.ingest into table Direct (h'${blob}') with (format='psv', ignoreFirstRecord=true)`);
    assert.equal(sync.length, 1);
    assert.match(String(sync[0].ItemLoaded), /\/direct\/data\.psv$/);
    const op = await mgmt(`.ingest async into table Direct (h'${blob}') with (format='psv', ignoreFirstRecord=true)`);
    assert.equal((await mgmt(`.show operations ${String(op[0].OperationId)}`))[0].State, 'Completed');
    assert.deepEqual(await query('Direct | summarize n = count(), s = sum(id)'), [{ n: 4, s: 30 }]);
  });
});

describe('commands the emulator does not support answer a clear permanent 400', () => {
  for (const csl of [
    '.show journal | where Event == "CREATE-TABLE"',
    ".drop async extent tags <| .show table Alpha extents | where Tags startswith 'ingest-by:x'",
    ".ingest into table Alpha (h'https://example.invalid/c/blob.csv;accountKeyNotSas')",
    '.create-or-alter function F() { Alpha }',
    '.create function G() { Alpha }',
    '.drop function G',
    '.create external table X (a:string) kind=storage dataformat=csv (h@"https://example.invalid/c")',
    '.alter extent tags (\'drop-by:x\') <| .show table Alpha extents',
    '.export to table Beta <| Alpha',
    '.purge table Alpha records <| where id == 1',
    `.create database ${DB} ingestion csv mapping "m" '[{"column":"id","Properties":{"Ordinal":"0"}}]'`,
    `.show database ${DB} ingestion mappings`,
  ]) {
    test(csl.slice(0, 40), async () => {
      const f = await failure(mgmt(csl));
      assert.equal(f.status, 400);
      assert.equal(f.code, 'General_BadRequest');
      assert.equal(f.permanent, true);
      assert.match(f.message ?? '', /not supported by the emulator/);
    });
  }
});

describe('entity names: the service refuses what it refuses, before any change', () => {
  test('table names with characters outside letters, digits, _ space . - are refused', async () => {
    const existing = await tableNames();
    for (const name of ['a;b', 'it\'s', 'x:y', 'bang!', '$t', 'tab\there']) {
      const quoted = `['${name.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\t/g, '\\t')}']`;
      const f = await failure(mgmt(`.create table ${quoted} (x:string)`));
      assert.equal(f.status, 400, name);
      assert.match(f.message ?? '', /is not a valid table name/, name);
    }
    assert.deepEqual(await tableNames(), existing);
  });

  test('column names are checked too, and a multi-table create with one bad name creates nothing', async () => {
    const existing = await tableNames();
    const f = await failure(mgmt(".create table Ok1 (good:string, ['semi;colon']:long)"));
    assert.match(f.message ?? '', /'semi;colon' is not a valid column name/);
    const g = await failure(mgmt(".create tables Ok2 (x:string), ['Bad:name'] (x:string)"));
    assert.match(g.message ?? '', /'Bad:name' is not a valid table name/);
    const h = await failure(mgmt(".set-or-append ['dollar$'] <| print a = 1"));
    assert.match(h.message ?? '', /is not a valid table name/);
    const i = await failure(mgmt(".set-or-append Fresh <| print ['a;b'] = 1"));
    assert.match(i.message ?? '', /'a;b' is not a valid column name/);
    assert.deepEqual(await tableNames(), existing);
    assert.ok(!existing.includes('Ok2'));
  });

  test('names longer than 1024 characters are refused; 1024 are fine', async () => {
    const f = await failure(mgmt(`.create table ['${'n'.repeat(1025)}'] (x:string)`));
    assert.match(f.message ?? '', /1025 characters given/);
    await mgmt(`.create table ['${'n'.repeat(1024)}'] (x:string)`);
    assert.ok((await tableNames()).includes('n'.repeat(1024)));
    await mgmt(`.drop table ['${'n'.repeat(1024)}']`);
  });

  test('rename and create database apply the same rules', async () => {
    assert.match((await failure(mgmt(".rename table Beta to ['Be;ta']"))).message ?? '', /is not a valid table name/);
    assert.match((await failure(mgmt(".create database ['db:1']"))).message ?? '', /is not a valid database name/);
    assert.ok((await tableNames()).includes('Beta'));
  });

  test('a keyword used unquoted as a table or column name is a syntax error', async () => {
    for (const csl of ['.create table where (x:string)', '.create table Kw (kind:string)', '.create table Kw (id:long, project:string)']) {
      const f = await failure(mgmt(csl));
      assert.equal(f.status, 400, csl);
      assert.match(f.message ?? '', /is a keyword: quote it as \['/, csl);
    }
    assert.ok(!(await tableNames()).includes('Kw'));
  });

  test("quoted names work everywhere: ['where'], ['name with space'], [\"a.b\"], dashes and non-Latin letters", async () => {
    await mgmt(`.create table ['where'] (['name with space']:string, ["a.b"]:long, ['kind']:string, ['x-y']:int)`);
    await mgmt(`.set-or-append ['where'] <| datatable(['name with space']:string, ["a.b"]:long, ['kind']:string, ['x-y']:int)['v', 1, 'k', 2, 'w', 5, 'l', 6]`);
    assert.deepEqual(await query(`['where'] | where ['a.b'] == 1 | project ['name with space'], ['kind'], ['x-y']`), [{ 'name with space': 'v', kind: 'k', 'x-y': 2 }]);
    const schema = await mgmt(`.show table ['where'] cslschema`);
    assert.equal(schema[0].Schema, "['name with space']:string,['a.b']:long,['kind']:string,['x-y']:int");
    await mgmt(`.alter-merge table ['where'] (['new col']:string)`);
    const json = JSON.parse(String((await mgmt(`.show table ['where'] schema as json`))[0].Schema)) as { OrderedColumns: Array<{ Name: string }> };
    assert.deepEqual(json.OrderedColumns.map((c) => c.Name), ['name with space', 'a.b', 'kind', 'x-y', 'new col']);
    await mgmt(".create table ['Größe'] (['名前']:string)");
    await mgmt(".set-or-append ['Größe'] <| print ['名前'] = 'ok'");
    assert.deepEqual(await query("['Größe'] | project ['名前']"), [{ 名前: 'ok' }]);
    assert.deepEqual(await mgmt(".show table ['where'] extents | count"), [{ Count: 1 }]);
    await mgmt(".drop tables (['where'], ['Größe'])");
    await mgmt(".create database ['my-db.1']");
    await mgmt(".create table ['a b'] (['c-d']:long)", client, 'my-db.1');
    await mgmt(".set-or-append ['a b'] <| print ['c-d'] = 7", client, 'my-db.1');
    assert.deepEqual(await query("['a b'] | project ['c-d']", client, 'my-db.1'), [{ 'c-d': 7 }]);
    const dbSchema = JSON.parse(String((await mgmt(".show database ['my-db.1'] schema as json", client, 'my-db.1'))[0].DatabaseSchema)) as { Databases: Record<string, { Tables: Record<string, unknown> }> };
    assert.deepEqual(Object.keys(dbSchema.Databases['my-db.1'].Tables), ['a b']);
    await mgmt(".drop database ['my-db.1']");
  });
});

describe('tokens mode: the caller\'s own roles and identity', () => {
  let admin: Client;
  before(async () => {
    admin = clientWithToken(adminToken());
    await mgmt('.create table Owned (x:long)', admin, SECURE_DB);
    await mgmt(`.add database ${SECURE_DB} viewers ('aaduser=bob@contoso.com')`, admin, SECURE_DB);
    await mgmt(`.add table Owned admins ('aadapp=carol-app;tenant1')`, admin, SECURE_DB);
    await mgmt(`.add database ${SECURE_DB} viewers ('aaduser=0000-oid-dana;tenant2')`, admin, SECURE_DB);
    await mgmt(`.add database ${SECURE_DB} viewers ('aadapp=erin-app;tenant1')`, admin, SECURE_DB);
  });

  const roles = (rows: Row[]) => rows.map((r) => [r.Scope, r.DisplayName, r.AccessLevel, r.PrincipalFQN]);

  test('.show database D principal roles lists the caller\'s roles there', async () => {
    const bob = clientWithToken(secured.tokenFor('aaduser=bob@contoso.com'));
    assert.deepEqual(roles(await mgmt(`.show database ${SECURE_DB} principal roles`, bob, SECURE_DB)), [['Database', SECURE_DB, 'Viewer', 'aaduser=bob@contoso.com']]);
    const carol = clientWithToken(secured.tokenFor('aadapp=carol-app;tenant1'));
    assert.deepEqual(roles(await mgmt(`.show database ${SECURE_DB} principal roles`, carol, SECURE_DB)), [['Table', `${SECURE_DB}.Owned`, 'Admin', 'aadapp=carol-app;tenant1']]);
    const nobody = clientWithToken(secured.tokenFor('aaduser=nobody@contoso.com'));
    assert.deepEqual(await mgmt(`.show database ${SECURE_DB} principal roles`, nobody, SECURE_DB), []);
  });

  test('.show table T principal roles lists the roles that apply to the table', async () => {
    const carol = clientWithToken(secured.tokenFor('aadapp=carol-app;tenant1'));
    assert.deepEqual(roles(await mgmt('.show table Owned principal roles', carol, SECURE_DB)), [['Table', `${SECURE_DB}.Owned`, 'Admin', 'aadapp=carol-app;tenant1']]);
    const bob = clientWithToken(secured.tokenFor('aaduser=bob@contoso.com'));
    assert.deepEqual(roles(await mgmt('.show table Owned principal roles', bob, SECURE_DB)), [['Database', SECURE_DB, 'Viewer', 'aaduser=bob@contoso.com']]);
  });

  test('.show cluster principal roles: the cluster admin holds AllDatabasesAdmin, others nothing', async () => {
    assert.deepEqual(roles(await mgmt('.show cluster principal roles', admin, SECURE_DB)), [['Cluster', 'KustoEmulator', 'AllDatabasesAdmin', 'aaduser=admin@emulator']]);
    const bob = clientWithToken(secured.tokenFor('aaduser=bob@contoso.com'));
    assert.deepEqual(await mgmt('.show cluster principal roles', bob, SECURE_DB), []);
  });

  test('a user token from a real sign-in (upn, oid, tid, and the client appid) is the user, not the client app', async () => {
    const bob = clientWithToken(jwt({ upn: 'bob@contoso.com', oid: '1111-oid-bob', tid: 'tenant2', appid: 'aebc6443-996d-45c2-90f0-388ff96faa56', name: 'Bob B' }));
    assert.deepEqual(await query('print who = current_principal()', bob, SECURE_DB), [{ who: 'aaduser=bob@contoso.com' }]);
    const details = (await query('print d = current_principal_details()', bob, SECURE_DB))[0].d as Record<string, unknown>;
    assert.deepEqual(
      { FQN: details.FQN, UserPrincipalName: details.UserPrincipalName, ObjectId: details.ObjectId, Authority: details.Authority, Type: details.Type, DisplayName: details.DisplayName },
      { FQN: 'aaduser=bob@contoso.com', UserPrincipalName: 'bob@contoso.com', ObjectId: '1111-oid-bob', Authority: 'tenant2', Type: 'AadUser', DisplayName: 'Bob B (upn: bob@contoso.com)' },
    );
    assert.deepEqual(await query('Owned | count', bob, SECURE_DB), [{ Count: 0 }], 'bob is a viewer: the query is allowed');
  });

  test('a user granted by object id (aaduser=<oid>;<tid>) is recognised from a token carrying that oid and tid', async () => {
    const dana = clientWithToken(jwt({ upn: 'dana@contoso.com', oid: '0000-oid-dana', tid: 'tenant2' }));
    assert.deepEqual(await query('Owned | count', dana, SECURE_DB), [{ Count: 0 }]);
    assert.deepEqual(roles(await mgmt(`.show database ${SECURE_DB} principal roles`, dana, SECURE_DB)), [['Database', SECURE_DB, 'Viewer', 'aaduser=dana@contoso.com']]);
  });

  test('queued ingestion by a user granted ingestor by object id is accepted (the identity token keeps the alias)', async () => {
    await mgmt('.create table Queued (x:long)', admin, SECURE_DB);
    await mgmt(`.add database ${SECURE_DB} ingestors ('aaduser=0000-oid-dana;tenant2')`, admin, SECURE_DB);
    const dir = mkdtempSync(join(tmpdir(), 'kdm-coverage-'));
    const ingest = new IngestClient(KustoConnectionStringBuilder.withAccessToken(secured.url, jwt({ upn: 'dana@contoso.com', oid: '0000-oid-dana', tid: 'tenant2' })));
    try {
      const file = join(dir, 'rows.csv');
      writeFileSync(file, '1\n2\n3\n');
      await ingest.ingestFromFile(file, new IngestionProperties({ database: SECURE_DB, table: 'Queued', format: DataFormat.CSV }));
      let count = 0;
      for (let i = 0; i < 400 && count === 0; i++) {
        count = Number((await query('Queued | count', admin, SECURE_DB))[0].Count);
        if (count === 0) await new Promise((r) => setTimeout(r, 50));
      }
      assert.equal(count, 3);
    } finally {
      ingest.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('application tokens (v1 appid, v2 azp, with tid) are aadapp=<appid>;<tid>', async () => {
    const v1 = clientWithToken(jwt({ appid: 'erin-app', tid: 'tenant1', oid: 'sp-oid', idtyp: 'app' }));
    const d1 = (await query('print d = current_principal_details()', v1, SECURE_DB))[0].d as Record<string, unknown>;
    assert.deepEqual([d1.FQN, d1.Type, d1.Authority, d1.ObjectId], ['aadapp=erin-app;tenant1', 'AadApplication', 'tenant1', 'sp-oid']);
    const v2 = clientWithToken(jwt({ azp: 'carol-app', tid: 'tenant1', ver: '2.0' }));
    assert.deepEqual(roles(await mgmt('.show table Owned principal roles', v2, SECURE_DB)), [['Table', `${SECURE_DB}.Owned`, 'Admin', 'aadapp=carol-app;tenant1']]);
  });

  test('.show database D principals needs database admin', async () => {
    const bob = clientWithToken(secured.tokenFor('aaduser=bob@contoso.com'));
    const f = await failure(mgmt(`.show database ${SECURE_DB} principals`, bob, SECURE_DB));
    assert.equal(f.status, 403);
    assert.match(f.message ?? '', /Principal 'aaduser=bob@contoso\.com' is not authorized .*'\.show database principals'.*requires database admin/);
    const all = await mgmt(`.show database ${SECURE_DB} principals`, admin, SECURE_DB);
    assert.deepEqual(all.map((r) => [r.Role, r.PrincipalFQN]).sort(), [
      [`Database ${SECURE_DB} Ingestor`, 'aaduser=0000-oid-dana;tenant2'],
      [`Database ${SECURE_DB} Viewer`, 'aadapp=erin-app;tenant1'],
      [`Database ${SECURE_DB} Viewer`, 'aaduser=0000-oid-dana;tenant2'],
      [`Database ${SECURE_DB} Viewer`, 'aaduser=bob@contoso.com'],
      ['Table Owned Admin', 'aadapp=carol-app;tenant1'],
      ['Table Owned Admin', 'aaduser=admin@emulator'],
      ['Table Queued Admin', 'aaduser=admin@emulator'],
    ]);
  });
});
