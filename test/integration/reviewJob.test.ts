// The wizard's Review (buildJobReview) against the emulator (tokens mode) and Azurite, with real
// files: each field is checked against what is known to be true — column risks of a query with
// datetime/decimal/long/dynamic, a files → existing table review with a missing and an extra
// column, preview rows equal to the data, the commands equal to what the job then sends (recorded
// by a proxy between the engine and the emulator), and a viewer-only identity's pre-flight refusal.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { BlobServiceClient } from '@azure/storage-blob';
import { AZURITE_KEY } from '../helpers/azurite';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { adminToken, startEmulator, trustEmulatorCertificate } from '../emulator/index';
import type { JobSpec, KustoTableDestination } from '../../src/engine/jobSpec';
import { buildJobReview, type JobReview, type ReviewColumn } from '../../src/engine/review/jobReview';
import { runJob } from '../../src/engine/runner';
import { executeManagement, executeManagementRecords } from '../../src/kusto/managementClient';
import { sparkPython } from '../helpers/toolsCache';

const python = sparkPython();
const DB = 'Review';
const VIEWER = 'aadapp=b0000000-0000-0000-0000-000000000001;f00dbabe-1111-2222-3333-444444444444';
let emulator: Awaited<ReturnType<typeof startEmulator>>;
let dir: string;
const admin = { getToken: async () => adminToken() };
const viewer = { getToken: async () => emulator.tokenFor(VIEWER) };

/** Every command and query that reaches the emulator through it, in order: what a job really sends. */
interface Recorder {
  url: string;
  sent: Array<{ endpoint: 'mgmt' | 'query'; csl: string }>;
  server: Server;
}
let proxy: Recorder;

async function startRecorder(target: string): Promise<Recorder> {
  const sent: Recorder['sent'] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const endpoint = /\/v1\/rest\/mgmt/.test(req.url ?? '') ? 'mgmt' : /\/v[12]\/rest\/query/.test(req.url ?? '') ? 'query' : undefined;
      if (endpoint) sent.push({ endpoint, csl: String((JSON.parse(body.toString('utf8')) as { csl?: string }).csl) });
      const upstream = request(`${target}${req.url}`, { method: req.method, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      upstream.on('error', () => res.destroy());
      upstream.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, sent, server };
}

async function rowsOfTable(query: string): Promise<unknown[][]> {
  const [table] = await executeManagement({ clusterUrl: emulator.url, database: DB, tokenProvider: admin }, query, 'v1/rest/query');
  return table?.rows ?? [];
}

const mgmt = (command: string) => executeManagementRecords({ clusterUrl: emulator.url, database: DB, tokenProvider: admin }, command);

function querySpec(id: string, query: string, format: 'parquet' | 'csv' | 'json', clusterUrl = emulator.url, readMode: 'stream' | 'export' = 'stream'): JobSpec {
  return {
    version: 1,
    id,
    createdAt: '2026-01-01T00:00:00Z',
    source: { kind: 'kustoQuery', connection: { clusterUrl, database: DB, auth: { kind: 'credential', id: 'admin' } }, query, readMode },
    destination: { kind: 'files', location: { kind: 'local', path: join(dir, `${id}.${format}`) }, format, layout: 'singleFile' },
  };
}

function filesSpec(id: string, folder: string, table: string, destination: Partial<KustoTableDestination> = {}, clusterUrl = emulator.url): JobSpec {
  return {
    version: 1,
    id,
    createdAt: '2026-01-01T00:00:00Z',
    source: { kind: 'files', location: { kind: 'local', path: join(dir, folder) } },
    destination: { kind: 'kustoTable', connection: { clusterUrl, database: DB, auth: { kind: 'credential', id: 'admin' } }, table, mode: 'queued', tableCreation: 'createIfNotExists', statusPollIntervalMs: 20, statusTimeoutMs: 20_000, ...destination },
    options: { retry: { maxAttempts: 2, initialDelayMs: 10 } },
  };
}

const column = (review: JobReview, name: string): ReviewColumn => {
  const found = review.columns.find((c) => c.source === name);
  assert.ok(found, `column ${name} is in the review`);
  return found;
};

/** A review command with <placeholders> (chosen when the job runs) and redacted secrets (***) as a pattern for the command sent. */
function commandPattern(command: string): RegExp {
  return new RegExp(`^${command.split(/<[^<>]*>|\*\*\*/).map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.+?')}$`, 's');
}

/** The pre-flight's own reads: the review shows their answer (preflight), not them. */
const PREFLIGHT_READS = new Set(['.show principal roles', '.show tables', 'print d = current_principal_details()']);

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kdm-review-'));
  emulator = await startEmulator({ databases: [DB], auth: 'tokens', ingestionPollMs: 50 });
  trustEmulatorCertificate(emulator);
  proxy = await startRecorder(emulator.url);
  await mgmt(`.add database ${DB} viewers ('${VIEWER}')`);
  await mgmt(`.set-or-append Typed <| datatable(t:datetime, d:decimal, l:long, dyn:dynamic, s:string)[
    datetime(2020-03-04T14:05:01.3109965), decimal(12.50), 9007199254740993, dynamic({"a":[1,2]}), "x",
    datetime(2021-01-01T00:00:00), decimal(123456789012345678901), -5, dynamic(null), "y"
  ]`);
  await mgmt('.create table Existing (id:long, name:string, extra:string)');
  mkdirSync(join(dir, 'csv'));
  writeFileSync(join(dir, 'csv', 'part-00000-a.c000.csv'), 'id,name,newcol\n1,Ann,n1\n2,Bob,n2\n');
  writeFileSync(join(dir, 'csv', 'part-00001-a.c000.csv'), 'id,name,newcol\n3,Cy,n3\n');
  writeFileSync(join(dir, 'csv', '_SUCCESS'), '');
  // A Spark-style partitioned Parquet folder, written by pyarrow with Spark's INT96 timestamps.
  execFileSync(python, ['-c', `
import sys, os, datetime, decimal, pyarrow as pa, pyarrow.parquet as pq
root = sys.argv[1]
os.makedirs(os.path.join(root, 'year=2024'))
t = pa.table({'id': pa.array([1, 2], pa.int64()), 'ts': pa.array([datetime.datetime(2024, 1, 31, 12, 0, 0, 123456), None], pa.timestamp('us')),
              'blob': pa.array([b'\\x00\\x01\\xff', b''], pa.binary()), 'f': pa.array([1.5, -3.25], pa.float32()),
              'amount': pa.array([decimal.Decimal('12.50'), decimal.Decimal('-0.01')], pa.decimal128(10, 2))})
pq.write_table(t, os.path.join(root, 'year=2024', 'part-00000-q.c000.snappy.parquet'), use_deprecated_int96_timestamps=True)
open(os.path.join(root, '_SUCCESS'), 'w').close()
`, join(dir, 'parquet')], { stdio: 'inherit' });
});

after(async () => {
  await new Promise((resolve) => proxy?.server.close(resolve));
  await emulator?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const env = { tokenProvider: admin };

describe('review of a Kusto → files job', () => {
  test('Parquet: datetime 100 ns → µs and decimal(38,18) are warnings, a decimal of 10^20 or more in the preview is an error, long exact, dynamic as JSON text', async () => {
    const review = await buildJobReview(querySpec('rv-parquet', 'Typed', 'parquet'), env);
    assert.deepEqual(review.columns.map((c) => [c.source, c.sourceType, c.targetType, c.risk ?? 'none']), [
      ['t', 'datetime', 'TIMESTAMP(MICROS, UTC)', 'warn'],
      ['d', 'decimal', 'DECIMAL(38,18)', 'error'],
      ['l', 'long', 'INT64', 'none'],
      ['dyn', 'dynamic', 'STRING (JSON text)', 'info'],
      ['s', 'string', 'STRING', 'none'],
    ]);
    assert.match(column(review, 't').note ?? '', /7th fraction digit \(100 ns\) is dropped/);
    assert.match(column(review, 'd').note ?? '', /123456789012345678901 .* does not fit DECIMAL\(38,18\)/);
    // The error is what the job then meets.
    const result = await runJob(querySpec('rv-parquet-run', 'Typed', 'parquet'), { jobsDir: join(dir, 'jobs'), credentials: { resolve: () => admin } });
    assert.equal(result.state, 'failed');
    assert.match(result.error ?? '', /123456789012345678901/);
  });

  test('JSON lines: a long is a warning (beyond 2^53 readers lose digits, and the preview holds one); decimal is written as a string', async () => {
    const review = await buildJobReview(querySpec('rv-json', 'Typed', 'json'), env);
    assert.equal(column(review, 'l').risk, 'warn');
    assert.match(column(review, 'l').note ?? '', /beyond 2\^53 .*\(the preview holds 9007199254740993\)/);
    assert.deepEqual([column(review, 'd').targetType, column(review, 'd').risk], ['string', 'info']);
    assert.deepEqual([column(review, 't').targetType, column(review, 't').risk], ['string', undefined]);
  });

  test('the preview is the table\'s rows (take 10), and the estimate counts them; stream mode says why', async () => {
    const review = await buildJobReview(querySpec('rv-preview', 'Typed | order by l asc', 'csv'), env);
    assert.deepEqual(review.preview, {
      from: 'take',
      columns: ['t', 'd', 'l', 'dyn', 's'],
      rows: [
        ['2021-01-01T00:00:00Z', '123456789012345678901', '-5', '', 'y'],
        ['2020-03-04T14:05:01.3109965Z', '12.50', '9007199254740993', '{"a":[1,2]}', 'x'],
      ],
    });
    assert.equal(review.estimate.rows, 2);
    assert.equal(review.estimate.readMode, 'stream');
    assert.match(review.estimate.why, /read mode "stream" was chosen/);
    assert.equal(review.storage, undefined);
  });

  test('the commands are what the job sends: the one query, with set notruncation', async () => {
    const spec = querySpec('rv-cmd-query', 'Typed | where l > 0', 'csv', proxy.url);
    const review = await buildJobReview(spec, env);
    assert.deepEqual(review.commands, ['set notruncation;\nTyped | where l > 0']);
    proxy.sent.length = 0;
    const result = await runJob(spec, { jobsDir: join(dir, 'jobs'), credentials: { resolve: () => admin } });
    assert.equal(result.state, 'succeeded', result.error);
    assert.equal(result.rows, 1);
    const sent = proxy.sent.map((s) => s.csl).filter((csl) => !PREFLIGHT_READS.has(csl));
    assert.deepEqual(sent, review.commands);
  });

  test('export with no staging: the cluster\'s storage, and why', async () => {
    // Without the row whose decimal does not fit DECIMAL(38,18) (the first test shows the review says so).
    const spec = querySpec('rv-export', 'Typed | where l > 0', 'parquet', emulator.url, 'export');
    const review = await buildJobReview(spec, env);
    assert.equal(review.estimate.readMode, 'export');
    assert.equal(review.storage?.kind, 'cluster');
    assert.match(review.storage?.why ?? '', /no staging location is set, so the cluster's own export storage is used/);
    assert.equal(review.commands[0], '.show export containers');
    // What the job sends (a status poll repeated while the export runs counts once), placeholders and the SAS aside.
    const recorded = querySpec('rv-export', 'Typed | where l > 0', 'parquet', proxy.url, 'export');
    proxy.sent.length = 0;
    const result = await runJob(recorded, { jobsDir: join(dir, 'jobs'), credentials: { resolve: () => admin } });
    assert.equal(result.state, 'succeeded', result.error);
    assert.equal(result.rows, 1);
    const sent = proxy.sent.map((s) => s.csl).filter((csl, i, all) => !PREFLIGHT_READS.has(csl) && csl !== all[i - 1]);
    assert.equal(sent.length, review.commands.length, `sent:\n${sent.join('\n')}\nreview:\n${review.commands.join('\n')}`);
    review.commands.forEach((command, i) => assert.match(sent[i], commandPattern(command)));
    assert.match(review.commands[1], /^\.export async compressed to parquet \(h@"<one of the cluster's export containers>\?\*\*\*"\) with \(namePrefix="kusto-data-mover\/Review\/rv-export\/part-</);
    assert.ok(!review.commands.join('\n').includes('sig='), 'no SAS in the commands');
  });
});

describe('review of a files → Kusto job', () => {
  test('into an existing table: a file column the table lacks will not land, a table column the files lack is named; the preview is the files\' rows', async () => {
    const review = await buildJobReview(filesSpec('rv-existing', 'csv', 'Existing'), env);
    assert.deepEqual(review.columns.map((c) => [c.source, c.sourceType, c.target, c.targetType, c.risk ?? 'none']), [
      ['id', 'CSV text', 'id', 'long', 'none'],
      ['name', 'CSV text', 'name', 'string', 'none'],
      ['newcol', 'CSV text', '', '', 'error'],
    ]);
    assert.match(column(review, 'newcol').note ?? '', /table Existing has no column "newcol": its values are not ingested/);
    assert.ok(review.warnings.some((w) => /column "extra" of table Existing gets no value from the files/.test(w)), review.warnings.join('\n'));
    assert.deepEqual(review.preview, { from: 'files', columns: ['id', 'name', 'newcol'], rows: [['1', 'Ann', 'n1'], ['2', 'Bob', 'n2'], ['3', 'Cy', 'n3']] });
    assert.equal(review.estimate.rows, 3);
    assert.equal(review.estimate.bytes, 33 + 23); // the two part files
    assert.equal(review.newTable, undefined);
  });

  test('create-merge: the missing column is a new column the table gains', async () => {
    const review = await buildJobReview(filesSpec('rv-merge', 'csv', 'Existing', { tableCreation: 'createMerge' }), env);
    assert.deepEqual([column(review, 'newcol').target, column(review, 'newcol').targetType, column(review, 'newcol').risk], ['newcol', 'string', 'info']);
    assert.match(column(review, 'newcol').note ?? '', /create-merge adds it to table Existing/);
    assert.ok(review.commands.includes(".create-merge table ['Existing'] (['newcol']:string)"), review.commands.join('\n'));
  });

  test('a new table: the inferred schema with the edits applied; the commands are what the job sends (queued)', async () => {
    const spec = filesSpec('rv-new', 'csv', 'Fresh', { columns: [{ source: 'id', name: 'id', type: 'long' }, { source: 'name', name: 'customer', type: 'string' }] }, proxy.url);
    const review = await buildJobReview(spec, env);
    assert.deepEqual(review.newTable, { name: 'Fresh', columns: [{ name: 'id', type: 'long', source: 'id' }, { name: 'customer', type: 'string', source: 'name' }] });
    assert.deepEqual([column(review, 'newcol').target, column(review, 'newcol').conversion], ['', 'left out']);
    proxy.sent.length = 0;
    const result = await runJob(spec, { jobsDir: join(dir, 'jobs'), credentials: { resolve: () => admin } });
    assert.equal(result.state, 'succeeded', result.error);
    const sent = proxy.sent.map((s) => s.csl).filter((csl) => !PREFLIGHT_READS.has(csl));
    const commands = review.commands.filter((c) => !c.startsWith('//'));
    assert.deepEqual(sent, commands);
    assert.ok(commands.includes(".create table ['Fresh'] (['id']:long, ['customer']:string)"));
    // The queued ingestion is no command: the review says so, with the mapping each file is sent with.
    assert.deepEqual(review.commands.filter((c) => c.startsWith('//')).length, 2);
    assert.match(review.commands.find((c) => c.startsWith('//')) ?? '', /queued ingestion .*part-00000-a\.c000\.csv into Fresh, format=csv, ignoreFirstRecord=true, ingestionMapping=\[\{"Column":"id","Properties":\{"Ordinal":"0"\}\},\{"Column":"customer","Properties":\{"Ordinal":"1"\}\}\]/);
  });

  test('streaming into a table with the streaming policy: the named mappings it creates and the row count it reads are what the job sends', async () => {
    await mgmt('.create table Streamed (id:long, name:string, newcol:string)');
    await mgmt('.alter table Streamed policy streamingingestion enable');
    const spec = filesSpec('rv-stream', 'csv', 'Streamed', { mode: 'streaming', tableCreation: 'failIfNotExists' }, proxy.url);
    const review = await buildJobReview(spec, env);
    proxy.sent.length = 0;
    const result = await runJob(spec, { jobsDir: join(dir, 'jobs'), credentials: { resolve: () => admin } });
    assert.equal(result.state, 'succeeded', result.error);
    assert.deepEqual(await rowsOfTable('Streamed | order by id asc'), [[1, 'Ann', 'n1'], [2, 'Bob', 'n2'], [3, 'Cy', 'n3']]);
    const sent = proxy.sent.map((s) => s.csl).filter((csl) => !PREFLIGHT_READS.has(csl));
    assert.deepEqual(sent, review.commands.filter((c) => !c.startsWith('//')));
    // Both files have the same columns: one named mapping serves them.
    assert.equal(sent.filter((c) => c.startsWith('.create-or-alter table')).length, 1);
  });

  test('transactional into an existing table: the commands match what the job sends, placeholders aside', async () => {
    await mgmt('.create table Tx (id:long, name:string, newcol:string)');
    const spec = filesSpec('rv-tx', 'csv', 'Tx', { mode: 'transactional', tableCreation: 'failIfNotExists' }, proxy.url);
    const review = await buildJobReview(spec, env);
    proxy.sent.length = 0;
    const result = await runJob(spec, { jobsDir: join(dir, 'jobs'), credentials: { resolve: () => admin } });
    assert.equal(result.state, 'succeeded', result.error);
    const sent = proxy.sent.map((s) => s.csl).filter((csl) => !PREFLIGHT_READS.has(csl));
    const commands = review.commands.filter((c) => !c.startsWith('//'));
    assert.equal(sent.length, commands.length, `sent:\n${sent.join('\n')}\nreview:\n${commands.join('\n')}`);
    commands.forEach((command, i) => assert.match(sent[i], commandPattern(command)));
  });
});

describe('review of a Parquet Spark folder → new table', () => {
  test('each Parquet type with its risk, the partition column typed from its folders, rows from the footer, the preview as Kusto will hold it', async () => {
    const review = await buildJobReview(filesSpec('rv-parquet', 'parquet', 'PqNew'), env);
    assert.deepEqual(review.columns.map((c) => [c.source, c.sourceType, c.targetType, c.risk ?? 'none']), [
      ['id', 'Parquet INT64', 'long', 'none'],
      ['ts', 'Parquet INT96', 'datetime', 'warn'],
      ['blob', 'Parquet BYTE_ARRAY', 'string', 'warn'],
      ['f', 'Parquet FLOAT', 'real', 'warn'],
      ['amount', 'Parquet FIXED_LEN_BYTE_ARRAY DECIMAL(10,2)', 'decimal', 'none'], // pyarrow writes decimal128 as fixed-length bytes
      ['year', 'partition folder name', 'long', 'none'],
    ]);
    assert.match(column(review, 'ts').note ?? '', /INT96 .* is read as UTC/);
    assert.match(column(review, 'blob').note ?? '', /base64/);
    assert.deepEqual(review.newTable, { name: 'PqNew', columns: [
      { name: 'id', type: 'long', source: 'id' }, { name: 'ts', type: 'datetime', source: 'ts' }, { name: 'blob', type: 'string', source: 'blob' },
      { name: 'f', type: 'real', source: 'f' }, { name: 'amount', type: 'decimal', source: 'amount' }, { name: 'year', type: 'long', source: 'year' },
    ] });
    assert.deepEqual(review.preview, { from: 'files', columns: ['id', 'ts', 'blob', 'f', 'amount', 'year'], rows: [
      ['1', '2024-01-31T12:00:00.123456Z', 'AAH/', '1.5', '12.5', '2024'],
      ['2', '', '', '-3.25', '-0.01', '2024'],
    ] });
    assert.ok(review.warnings.some((w) => /preview shows the Parquet decimal column\(s\) amount as doubles/.test(w)), review.warnings.join('\n'));
    assert.equal(review.estimate.rows, 2);
    assert.match(review.estimate.why, /rows from the Parquet footers/);
  });
});

describe('review of a blob source (Azurite)', () => {
  test('the same Parquet folder in blob storage: the same columns and preview, read by byte ranges', async () => {
    const container = BlobServiceClient.fromConnectionString(emulator.azurite.connectionString).getContainerClient('lake');
    await container.createIfNotExists();
    const part = 'year=2024/part-00000-q.c000.snappy.parquet';
    const bytes = readFileSync(join(dir, 'parquet', part));
    await container.getBlockBlobClient(`pq/${part}`).upload(bytes, bytes.length);
    await container.getBlockBlobClient('pq/_SUCCESS').upload('', 0);
    const local = await buildJobReview(filesSpec('rv-local-pq', 'parquet', 'PqBlob'), env);
    const blobSpec: JobSpec = { ...filesSpec('rv-blob-pq', 'parquet', 'PqBlob'), source: { kind: 'files', location: { kind: 'blob', url: `${emulator.azurite.blobUrl}/lake/pq`, secretRef: 'key', authKind: 'accountKey' } } };
    const review = await buildJobReview(blobSpec, { ...env, secrets: { resolve: async (ref) => (ref === 'key' ? AZURITE_KEY : undefined) } });
    assert.deepEqual(review.columns, local.columns);
    assert.deepEqual(review.preview, local.preview);
    assert.deepEqual(review.estimate, local.estimate);
    assert.ok(!JSON.stringify(review).includes(AZURITE_KEY), 'the account key is in no field of the review');
  });
});

describe('review pre-flight', () => {
  test('a viewer-only identity is refused an ingest before anything runs, with the grant command', async () => {
    const review = await buildJobReview(filesSpec('rv-viewer', 'csv', 'Existing'), { tokenProvider: viewer });
    assert.ok('ok' in review.preflight && !review.preflight.ok, JSON.stringify(review.preflight));
    assert.match(review.preflight.message, new RegExp(`${VIEWER.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} lacks database ingestor on "Review" to ingest into table "Existing"`));
    assert.ok(review.preflight.message.includes(`.add database ['Review'] ingestors ('${VIEWER}')`));
  });

  test('the same identity may run a query: allowed, with its role', async () => {
    const review = await buildJobReview(querySpec('rv-viewer-q', 'Typed', 'csv'), { tokenProvider: viewer });
    assert.deepEqual(review.preflight, { ok: true, roles: ['database viewer'] });
  });

  test('no sign-in: the pre-flight is skipped and says why', async () => {
    const review = await buildJobReview(querySpec('rv-open', 'print 1', 'csv'), {});
    assert.ok('skipped' in review.preflight);
  });
});
