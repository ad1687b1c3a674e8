// Emulator conformance, slice 1: queries (whole and progressive frames), management commands,
// extents, errors and fault rules — driven through the real azure-kusto-data SDK (and raw HTTP
// where the SDK hides the bytes).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Client, ClientRequestProperties } from 'azure-kusto-data';
import { startEmulator, type RunningEmulator } from './index';

let emulator: RunningEmulator;
let client: Client;
const DB = 'Conformance';

interface Frame {
  FrameType: string;
  TableKind?: string;
  Rows?: unknown[];
  [key: string]: unknown;
}

async function post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${emulator.url}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) });
}

async function frames(csl: string, options?: Record<string, unknown>): Promise<{ text: string; frames: Frame[] }> {
  const response = await post('/v2/rest/query', { db: DB, csl, properties: options ? { Options: options } : null });
  assert.equal(response.status, 200);
  const text = await response.text();
  return { text, frames: JSON.parse(text) as Frame[] };
}

async function mgmt(csl: string): Promise<Array<Record<string, unknown>>> {
  const result = await client.executeMgmt(DB, csl);
  return [...result.primaryResults[0].rows()].map((r) => r.toJSON() as Record<string, unknown>);
}

function axiosStatus(error: unknown): { status?: number; data?: { error?: Record<string, unknown> }; headers?: Record<string, string> } {
  const response = (error as { response?: { status?: number; data?: { error?: Record<string, unknown> }; headers?: Record<string, string> } }).response;
  return response ?? {};
}

before(async () => {
  emulator = await startEmulator({ seed: 'sample', databases: [DB], auth: 'open' });
  client = new Client(emulator.url);
});

after(async () => {
  client?.close();
  await emulator?.stop();
});

describe('queries through the SDK', () => {
  test('the SDK reads auth metadata (404 → public defaults) and counts the sample table', async () => {
    const result = await client.execute('Samples', 'StormEvents | count');
    assert.deepEqual(result.primaryResults[0].toJSON().data, [{ Count: 5000 }]);
  });

  test('request properties may be absent, null or an object, and the client request id is echoed', async () => {
    for (const properties of [undefined, null, { Options: { servertimeout: '00:01:00' } }]) {
      const body: Record<string, unknown> = { db: DB, csl: 'print x = 1' };
      if (properties !== undefined) body.properties = properties;
      const response = await post('/v2/rest/query', body, { 'x-ms-client-request-id': 'KNC.execute;abc-123' });
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('x-ms-client-request-id'), 'KNC.execute;abc-123');
      assert.match(response.headers.get('x-ms-activity-id') ?? '', /^[0-9a-f-]{36}$/);
      const parsed = JSON.parse(await response.text()) as Frame[];
      assert.deepEqual(parsed[2].Rows, [[1]]);
    }
  });

  test('whole-table frames carry the keys of the SDK\'s captured v2 response (azure-kusto-node test/data/response/v2.ts)', async () => {
    const { frames: f } = await frames('print a = 1');
    assert.deepEqual(f.map((x) => x.FrameType), ['DataSetHeader', 'DataTable', 'DataTable', 'DataTable', 'DataSetCompletion']);
    // Keys present in the SDK's captured response (DataSetHeader there has IsProgressive and Version).
    for (const key of ['FrameType', 'IsProgressive', 'Version']) assert.ok(key in f[0], key);
    assert.deepEqual(Object.keys(f[1]).sort(), ['Columns', 'FrameType', 'Rows', 'TableId', 'TableKind', 'TableName']);
    assert.equal(f[1].TableName, '@ExtendedProperties');
    assert.equal(f[2].TableKind, 'PrimaryResult');
    assert.deepEqual((f[3].Columns as Array<{ ColumnName: string }>).map((c) => c.ColumnName), [
      'Timestamp', 'ClientRequestId', 'ActivityId', 'SubActivityId', 'ParentActivityId', 'Level', 'LevelName', 'StatusCode', 'StatusCodeName', 'EventType', 'EventTypeName', 'Payload',
    ]);
    assert.equal((f[3].Rows as unknown[][])[0][5], 4);
    assert.deepEqual(f[4], { FrameType: 'DataSetCompletion', HasErrors: false, Cancelled: false });
  });

  test('progressive mode streams TableHeader, TableFragment chunks, TableProgress and TableCompletion, one frame per line', async () => {
    const { text, frames: f } = await frames('range x from 1 to 5000 step 1', { results_progressive_enabled: true });
    assert.equal(f[0].IsProgressive, true);
    assert.equal(f[0].IsFragmented, true);
    const kinds = f.map((x) => x.FrameType);
    assert.equal(kinds[2], 'TableHeader');
    const fragments = f.filter((x) => x.FrameType === 'TableFragment');
    assert.ok(fragments.length >= 2, `rows come in several fragments (${fragments.length})`);
    assert.equal(fragments.reduce((n, x) => n + (x.Rows?.length ?? 0), 0), 5000);
    assert.ok(kinds.includes('TableProgress'));
    const completion = f.find((x) => x.FrameType === 'TableCompletion');
    assert.equal(completion?.RowCount, 5000);
    assert.deepEqual(kinds.slice(-2), ['DataTable', 'DataSetCompletion']);
    assert.equal(text.split('\n').length, f.length, 'one frame per line');
    assert.ok(text.split('\n').slice(1).every((line) => line.startsWith(',{')), 'each later line starts with a comma');
  });

  test('fragmented (not progressive) mode has no TableProgress frames', async () => {
    const { frames: f } = await frames('range x from 1 to 10 step 1', { results_v2_fragment_primary_tables: true });
    assert.equal(f[0].IsProgressive, false);
    assert.deepEqual(f.map((x) => x.FrameType), ['DataSetHeader', 'DataTable', 'TableHeader', 'TableFragment', 'TableCompletion', 'DataTable', 'DataSetCompletion']);
  });

  test('every type comes back exactly, edge values included (raw v2 bytes)', async () => {
    const { text } = await frames(
      'datatable(b:bool, i:int, l:long, r:real, d:decimal, s:string, t:datetime, ts:timespan, g:guid, dy:dynamic)' +
      '[true, 2147483647, 9223372036854775807, 0.5, decimal(2.00000000000001), "é\\"x", datetime(9999-12-31T23:59:59.9999999Z), time(-2.00:00:02.0020002), guid(123e27de-1e4e-49d9-b579-fe0b331d3642), dynamic({"a":[1,2]}),' +
      ' false, -2147483648, -9223372036854775807, real(nan), decimal(-0.0000000000000000000000000001), "", datetime(0001-01-01T00:00:00Z), time(0), guid(null), dynamic(null)]',
    );
    const start = text.indexOf('"Rows":[', text.indexOf('"TableKind":"PrimaryResult"')) + '"Rows":['.length;
    const rowsText = text.slice(start, text.indexOf(']},{"FrameType":"DataTable","TableId":2', start));
    assert.equal(rowsText,
      '[true,2147483647,9223372036854775807,0.5,"2.00000000000001","é\\"x","9999-12-31T23:59:59.9999999Z","-2.00:00:02.0020002","123e27de-1e4e-49d9-b579-fe0b331d3642",{"a":[1,2]}],' +
      '[false,-2147483648,-9223372036854775807,"NaN","-0.0000000000000000000000000001","","0001-01-01T00:00:00Z","00:00:00",null,null]');
  });

  test('results above 500,000 rows are truncated with E_QUERY_RESULT_SET_TOO_LARGE inside a 200, unless notruncation', async () => {
    const { frames: f } = await frames('range x from 1 to 500001 step 1');
    const primary = f.find((x) => x.TableKind === 'PrimaryResult');
    assert.equal(primary?.Rows?.length, 500001); // 500,000 rows + the OneApiErrors object
    const last = primary?.Rows?.[500000] as { OneApiErrors: Array<{ error: { '@message': string } }> };
    assert.match(last.OneApiErrors[0].error['@message'], /E_QUERY_RESULT_SET_TOO_LARGE/);
    const done = f[f.length - 1];
    assert.equal(done.HasErrors, true);
    assert.equal((done.OneApiErrors as unknown[]).length, 1);
    const { frames: g } = await frames('set notruncation; range x from 1 to 500001 step 1 | count');
    assert.deepEqual(g.find((x) => x.TableKind === 'PrimaryResult')?.Rows, [[500001]]);
    const { frames: h } = await frames('range x from 1 to 500001 step 1', { notruncation: true });
    assert.equal(h.find((x) => x.TableKind === 'PrimaryResult')?.Rows?.length, 500001);
    assert.equal(h[h.length - 1].HasErrors, false);
  });

  test('the SDK surfaces a truncated result as an error naming E_QUERY_RESULT_SET_TOO_LARGE', async () => {
    const props = new ClientRequestProperties();
    props.setOption('truncationmaxrecords', 10);
    await assert.rejects(client.execute(DB, 'range x from 1 to 11 step 1', props), /E_QUERY_RESULT_SET_TOO_LARGE/);
  });

  test('v1 query endpoint answers Tables with ColumnType', async () => {
    const result = await client.executeQueryV1(DB, 'range x from 1 to 3 step 1');
    assert.deepEqual(result.primaryResults[0].toJSON().data, [{ x: 1 }, { x: 2 }, { x: 3 }]);
  });
});

describe('errors', () => {
  test('an unknown table is a 400 OneApiError with SEM0100', async () => {
    const error = await client.execute(DB, 'NoSuchTable | take 1').then(() => undefined, (e: unknown) => e);
    const { status, data } = axiosStatus(error);
    assert.equal(status, 400);
    assert.equal(data?.error?.code, 'General_BadRequest');
    assert.equal(data?.error?.['@message'], "Semantic error: SEM0100: Failed to resolve table or column expression named 'NoSuchTable'");
    assert.equal(data?.error?.['@permanent'], true);
  });

  test('an unknown database is a 404', async () => {
    const error = await client.execute('NoSuchDb', 'print 1').then(() => undefined, (e: unknown) => e);
    assert.equal(axiosStatus(error).status, 404);
    assert.equal(axiosStatus(error).data?.error?.['@message'], "Database 'NoSuchDb' was not found.");
  });

  test('a fault rule answers 429 with Retry-After, the SDK maps it to ThrottlingError, and clearing it restores service', async () => {
    const id = emulator.addFault({ endpoint: 'v2/rest/query', command: 'Throttled', status: 429, retryAfterSeconds: 7 });
    const raw = await post('/v2/rest/query', { db: DB, csl: 'print Throttled = 1' });
    assert.equal(raw.status, 429);
    assert.equal(raw.headers.get('retry-after'), '7');
    await assert.rejects(client.execute(DB, 'print Throttled = 1'), (e: Error) => e.name === 'ThrottlingError');
    emulator.removeFault(id);
    const ok = await client.execute(DB, 'print Throttled = 1');
    assert.equal(ok.primaryResults[0].toJSON().data.length, 1);
  });

  test('a fault rule fires on every 2nd matching request only, and one can cut a response mid-body', async () => {
    emulator.addFault({ endpoint: 'v1/rest/mgmt', command: 'show tables', status: 503, everyNth: 2 });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await post('/v1/rest/mgmt', { db: DB, csl: '.show tables' })).status);
    assert.deepEqual(statuses, [200, 503, 200, 503]);
    emulator.addFault({ endpoint: 'v2/rest/query', command: 'range', resetAfterBytes: 1000 });
    await assert.rejects(async () => {
      const response = await post('/v2/rest/query', { db: DB, csl: 'range x from 1 to 100000 step 1' });
      await response.text();
    });
    emulator.clearFaults();
  });

  test('a slow-until rule sends no more than its hold point until released, then the whole answer', async () => {
    const HOLD = 256 * 1024;
    let release: () => void = () => undefined;
    const released = new Promise<void>((done) => (release = done));
    emulator.addFault({ endpoint: 'v2/rest/query', command: 'range h from', slowUntil: { until: released, delayMs: 10, holdAfterBytes: HOLD } });
    try {
      const response = await post('/v2/rest/query', { db: DB, csl: 'range h from 1 to 200000 step 1' });
      assert.equal(response.status, 200);
      const reader = (response.body as ReadableStream<Uint8Array>).getReader();
      const chunks: Uint8Array[] = [];
      let received = 0;
      let done = false;
      const pump = (async () => {
        for (;;) {
          const next = await reader.read();
          if (next.done) break;
          chunks.push(next.value);
          received += next.value.length;
        }
        done = true;
      })();
      // Unheld, these 200,000 rows (over 2 MB) arrive whole in this second; held, never past HOLD.
      await new Promise((r) => setTimeout(r, 1000));
      assert.ok(received > 0 && received <= HOLD, `held at ${received} bytes (hold point ${HOLD})`);
      assert.equal(done, false, 'the answer is not complete while held');
      release();
      await pump;
      const rows = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as Frame[]).filter((f) => f.FrameType === 'DataTable' && f.TableKind === 'PrimaryResult').flatMap((f) => f.Rows ?? []);
      assert.equal(rows.length, 200_000);
      assert.deepEqual([rows[0], rows[199_999]], [[1], [200_000]]);
    } finally {
      release();
      emulator.clearFaults();
    }
  });
});

describe('management commands', () => {
  test('create, merge, alter, rename, show schema and drop tables', async () => {
    await mgmt('.create table Orders (Id:long, Name:string) with (folder="sales", docstring="orders")');
    await mgmt('.create-merge table Orders (Id:long, Name:string, Price:real)');
    const schema = await mgmt('.show table Orders schema as json');
    assert.deepEqual(JSON.parse(String(schema[0].Schema)), {
      Name: 'Orders',
      OrderedColumns: [
        { Name: 'Id', Type: 'System.Int64', CslType: 'long' },
        { Name: 'Name', Type: 'System.String', CslType: 'string' },
        { Name: 'Price', Type: 'System.Double', CslType: 'real' },
      ],
    });
    assert.equal(schema[0].Folder, 'sales');
    await mgmt('.alter table Orders (Id:long, Price:real, When:datetime)');
    assert.equal((await mgmt('.show table Orders cslschema'))[0].Schema, 'Id:long,Price:real,When:datetime');
    await mgmt('.rename table Orders to Orders2');
    await mgmt('.create tables A1 (x:int), A2 (y:string)');
    const tables = (await mgmt('.show tables')).map((r) => r.TableName).sort();
    assert.deepEqual(tables, ['A1', 'A2', 'Orders2']);
    const dbSchema = JSON.parse(String((await mgmt(`.show database ${DB} schema as json`))[0].DatabaseSchema)) as { Databases: Record<string, { Tables: Record<string, unknown> }> };
    assert.deepEqual(Object.keys(dbSchema.Databases[DB].Tables).sort(), ['A1', 'A2', 'Orders2']);
    await mgmt('.drop tables (A1, A2)');
    await mgmt('.drop table Orders2');
    await mgmt('.drop table Orders2 ifexists');
    assert.deepEqual(await mgmt('.show tables'), []);
    const error = await client.executeMgmt(DB, '.drop table Orders2').then(() => undefined, (e: unknown) => e);
    assert.equal(axiosStatus(error).status, 400);
  });

  test('.show databases lists NetDefaultDB, Samples and the extra database', async () => {
    const names = (await mgmt('.show databases')).map((r) => r.DatabaseName).sort();
    assert.deepEqual(names, ['Conformance', 'NetDefaultDB', 'Samples']);
  });

  test('.set-or-append with tags creates tagged extents; .show extents filters by tag; .move and .drop extents', async () => {
    const created = await mgmt(`.set-or-append Src with (tags='["ingest-by:batch1","drop-by:x"]') <| range x from 1 to 10 step 1 | extend s = strcat("v", tostring(x))`);
    assert.equal(created[0].RowCount, 10);
    await mgmt(`.append Src with (tags='["ingest-by:batch2"]') <| range x from 11 to 13 step 1 | extend s = "w"`);
    const tagged = await mgmt(`.show table Src extents where tags has 'ingest-by:batch1'`);
    assert.equal(tagged.length, 1);
    assert.equal(tagged[0].RowCount, 10);
    assert.equal(tagged[0].Tags, 'ingest-by:batch1\r\ndrop-by:x');
    await mgmt('.create table Dst (x:long, s:string)');
    await mgmt(`.move extents (${String(tagged[0].ExtentId)}) from table Src to table Dst`);
    assert.deepEqual((await client.execute(DB, 'Dst | summarize n = count(), total = sum(x)')).primaryResults[0].toJSON().data, [{ n: 10, total: 55 }]);
    assert.equal((await mgmt(`.show table Dst extents where tags has 'ingest-by:batch1'`)).length, 1);
    await mgmt('.move extents all from table Src to table Dst');
    assert.deepEqual((await client.execute(DB, 'Src | count')).primaryResults[0].toJSON().data, [{ Count: 0 }]);
    await mgmt(`.drop extents <| .show table Dst extents where tags has 'ingest-by:batch2'`);
    assert.deepEqual((await client.execute(DB, 'Dst | count')).primaryResults[0].toJSON().data, [{ Count: 10 }]);
    await mgmt('.set-or-replace Dst <| print x = 99, s = "only"');
    assert.deepEqual((await client.execute(DB, 'Dst')).primaryResults[0].toJSON().data, [{ x: 99, s: 'only' }]);
  });

  test('ingestion mappings and policies are stored and shown', async () => {
    await mgmt('.create table Mapped (a:string, b:long)');
    await mgmt(`.create table Mapped ingestion json mapping "m1" '[{"column":"a","Properties":{"Path":"$.x"}}]'`);
    const mappings = await mgmt('.show table Mapped ingestion mappings');
    assert.deepEqual(mappings.map((m) => [m.Name, m.Kind, m.Mapping]), [['m1', 'Json', '[{"column":"a","Properties":{"Path":"$.x"}}]']]);
    await mgmt('.alter table Mapped policy streamingingestion enable');
    const policy = await mgmt('.show table Mapped policy streamingingestion');
    assert.deepEqual(JSON.parse(String(policy[0].Policy)), { IsEnabled: true, HintAllocatedRate: null });
    await mgmt(`.alter table Mapped policy retention '{"SoftDeletePeriod":"1.00:00:00","Recoverability":"Disabled"}'`);
    assert.equal((await mgmt('.show table Mapped policy retention'))[0].Policy, '{"SoftDeletePeriod":"1.00:00:00","Recoverability":"Disabled"}');
    await mgmt(`.alter database ${DB} policy streamingingestion disable`);
    assert.deepEqual(JSON.parse(String((await mgmt(`.show database ${DB} policy streamingingestion`))[0].Policy)).IsEnabled, false);
  });
});
