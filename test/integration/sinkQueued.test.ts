// Files → Kusto against the local emulator (queued ingestion through Azurite): every format,
// compressed and not, Spark batch and streaming layouts, table options, and a bad file.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { BlobServiceClient } from '@azure/storage-blob';
import { createHash } from 'node:crypto';
import { fileIdentity } from '../../src/spark/sparkFolderReader';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { startEmulator } from '../emulator/index';
import type { JobContext } from '../../src/engine/jobContext';
import type { JobSpec, KustoTableDestination } from '../../src/engine/jobSpec';
import { runFilesToKusto, type SinkResult } from '../../src/engine/sink/runFilesToKusto';
import type { FilesToKustoPlan } from '../../src/engine/sink/planFilesToKusto';
import { executeManagement, executeManagementRecords } from '../../src/kusto/managementClient';
import { sparkPython } from '../helpers/toolsCache';

const python = sparkPython();
type Emulator = Awaited<ReturnType<typeof startEmulator>>;
let emulator: Emulator;
let dir: string;
const DB = 'Sink';
let jobCounter = 0;
const logs: string[] = [];

function put(path: string, content: string | Buffer): string {
  const full = join(dir, path);
  mkdirSync(join(full, '..'), { recursive: true });
  writeFileSync(full, content);
  return full;
}

function spec(path: string, table: string, destination: Partial<KustoTableDestination> = {}, source: Partial<JobSpec['source']> = {}): JobSpec {
  return {
    version: 1,
    id: `sinkq-${++jobCounter}`,
    createdAt: '2026-01-01T00:00:00Z',
    source: { kind: 'files', location: { kind: 'local', path: join(dir, path) }, ...source } as JobSpec['source'],
    destination: { kind: 'kustoTable', connection: { clusterUrl: emulator.url, database: DB }, table, mode: 'queued', tableCreation: 'createIfNotExists', statusPollIntervalMs: 20, statusTimeoutMs: 20_000, ...destination },
  };
}

/** The dry run as users get it: `kusto-data-mover copy job.json --plan` (the CLI from src/, run by tsx). */
async function planViaCli(job: JobSpec): Promise<FilesToKustoPlan> {
  const file = join(dir, `${job.id}.json`);
  writeFileSync(file, JSON.stringify(job));
  // Asynchronously: the emulator answers from this process.
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', join(__dirname, '..', '..', 'src', 'cli.ts'), 'copy', file, '--plan'], { encoding: 'utf8', env: { ...process.env, KUSTO_ACCESS_TOKEN: '' } });
  return JSON.parse(stdout) as FilesToKustoPlan;
}

function run(job: JobSpec): Promise<SinkResult> {
  const ctx: JobContext = {
    jobId: job.id,
    signal: new AbortController().signal,
    log: { info: (m) => logs.push(m), warn: (m) => logs.push(`WARN ${m}`), error: (m) => logs.push(`ERROR ${m}`), debug: () => undefined },
    progress: () => undefined,
    credentials: { resolve: () => undefined },
    jobDir: join(dir, 'jobs', job.id),
  };
  return runFilesToKusto(job, ctx, { concurrency: 4, statusTableCa: emulator.statusTable.caPem });
}

async function rows(query: string): Promise<unknown[][]> {
  const [table] = await executeManagement({ clusterUrl: emulator.url, database: DB }, query, 'v1/rest/query');
  return table?.rows ?? [];
}

/** Blobs in every container of the emulator's storage (the ingestion temp containers among them). */
async function blobCount(): Promise<number> {
  const service = BlobServiceClient.fromConnectionString(emulator.azurite.connectionString);
  let count = 0;
  for await (const container of service.listContainers()) for await (const _blob of service.getContainerClient(container.name).listBlobsFlat()) count++;
  return count;
}

async function mgmt(command: string): Promise<Array<Record<string, unknown>>> {
  return executeManagementRecords({ clusterUrl: emulator.url, database: DB }, command);
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kdm-sink-int-'));
  emulator = await startEmulator({ databases: [DB], auth: 'open', ingestionPollMs: 50 });
  // A Spark-style partitioned Parquet folder, written by pyarrow (a writer we did not write).
  execFileSync(python, ['-c', `
import sys, os, datetime, pyarrow as pa, pyarrow.parquet as pq
root = sys.argv[1]
def write(rel, ids, names, ts):
    os.makedirs(os.path.dirname(os.path.join(root, rel)), exist_ok=True)
    t = pa.table({'id': pa.array(ids, pa.int64()), 'name': pa.array(names, pa.string()), 'score': pa.array([i * 1.5 for i in ids], pa.float64()),
                  'ts': pa.array(ts, pa.timestamp('us', tz='UTC'))})
    pq.write_table(t, os.path.join(root, rel))
d = datetime.datetime
write('year=2024/city=São Paulo%2FSP/part-00000-a.c000.snappy.parquet', [1, 2, 3], ['a', 'b', None], [d(2024, 1, 31, 12, 0, 0, 123456), d(2024, 2, 1), None])
write('year=__HIVE_DEFAULT_PARTITION__/city=Oslo/part-00001-b.c000.snappy.parquet', [4, 5], ['d', 'e'], [d(1999, 12, 31, 23, 59, 59), d(2000, 1, 1)])
open(os.path.join(root, '_SUCCESS'), 'w').close()
open(os.path.join(root, 'year=2024/city=São Paulo%2FSP/.part-00000-a.c000.snappy.parquet.crc'), 'w').write('crc')
`, join(dir, 'parquet')], { stdio: 'inherit' });
});

after(async () => {
  await emulator?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('queued ingestion of Spark output', () => {
  test('a partitioned Parquet folder lands as Parquet with typed partition columns (escapes decoded, default partition → null)', async () => {
    const result = await run(spec('parquet', 'Events'));
    assert.equal(result.state, 'succeeded', result.error);
    assert.deepEqual(result.files.map((f) => [f.relativePath, f.format, f.status]), [
      ['year=2024/city=São Paulo%2FSP/part-00000-a.c000.snappy.parquet', 'parquet', 'Succeeded'],
      ['year=__HIVE_DEFAULT_PARTITION__/city=Oslo/part-00001-b.c000.snappy.parquet', 'parquet', 'Succeeded'],
    ]);
    // Rows per file come from the Parquet footers (3 in the São Paulo part, 2 in the Oslo one).
    assert.deepEqual(result.files.map((f) => f.rows), [3, 2]);
    assert.deepEqual(result.columns.map((c) => `${c.name}:${c.type}`), ['id:long', 'name:string', 'score:real', 'ts:datetime', 'year:long', 'city:string']);
    assert.deepEqual(await rows('Events | order by id asc | project id, name, score, ts, year, city'), [
      [1, 'a', 1.5, '2024-01-31T12:00:00.123456Z', 2024, 'S\u00e3o Paulo/SP'],
      [2, 'b', 3, '2024-02-01T00:00:00Z', 2024, 'S\u00e3o Paulo/SP'],
      [3, '', 4.5, null, 2024, 'S\u00e3o Paulo/SP'],
      [4, 'd', 6, '1999-12-31T23:59:59Z', null, 'Oslo'],
      [5, 'e', 7.5, '2000-01-01T00:00:00Z', null, 'Oslo'],
    ]);
    // Each extent carries the file's ingest-by tag: the target table and the file's identity (no job id).
    const extents = await mgmt('.show table Events extents');
    assert.equal(extents.length, 2);
    for (const e of extents) assert.match(String(e.Tags), /^ingest-by:kdm:Events:[0-9a-f]{32}$/);
  });

  test('running the job again ingests nothing twice: its own record first, the ingest-by tags when that record is lost', async () => {
    const job = spec('parquet', 'Events');
    job.id = 'sinkq-1';
    const again = await run(job);
    assert.equal(again.state, 'succeeded', again.error);
    assert.deepEqual(again.files.map((f) => [f.status, f.details]), [['Succeeded', 'finished by an earlier run'], ['Succeeded', 'finished by an earlier run']]);
    rmSync(join(dir, 'jobs', 'sinkq-1', 'sink-state.json'));
    const lost = await run(job);
    assert.equal(lost.state, 'succeeded', lost.error);
    assert.deepEqual(lost.files.map((f) => f.status), ['Skipped', 'Skipped']);
    assert.deepEqual(await rows('Events | count'), [[5]]);
  });

  test('files touched since (same bytes, new mtime) are known by the hash their upload returns: nothing lands twice, and the next run uploads nothing', async () => {
    const job = spec('parquet', 'Events');
    job.id = 'sinkq-1';
    const later = new Date(Date.now() + 3600_000);
    for (const part of ['year=2024/city=São Paulo%2FSP/part-00000-a.c000.snappy.parquet', 'year=__HIVE_DEFAULT_PARTITION__/city=Oslo/part-00001-b.c000.snappy.parquet']) utimesSync(join(dir, 'parquet', part), later, later);
    const uploadsBefore = await blobCount();
    const touched = await run(job);
    assert.equal(touched.state, 'succeeded', touched.error);
    assert.deepEqual(touched.files.map((f) => f.details), ['finished by an earlier run (same content)', 'finished by an earlier run (same content)']);
    assert.equal(await blobCount(), uploadsBefore + 2, 'each touched file was uploaded once to learn its hash');
    const again = await run(job);
    assert.deepEqual(again.files.map((f) => f.details), ['finished by an earlier run', 'finished by an earlier run']);
    assert.equal(await blobCount(), uploadsBefore + 2, 'files known by size and mtime are not uploaded');
    assert.deepEqual(await rows('Events | count'), [[5]]);
  });

  test('a job begun by a version that hashed every file (records without fingerprints) keeps those identities: nothing is sent again', async () => {
    const body = 'id,name\n1,alpha\n2,beta\n';
    put('legacy/a.csv', body);
    const job = spec('legacy', 'Legacy');
    const sha256 = createHash('sha256').update(body).digest('hex');
    mkdirSync(join(dir, 'jobs', job.id), { recursive: true });
    writeFileSync(join(dir, 'jobs', job.id, 'sink-state.json'), JSON.stringify({ version: 1, files: { [fileIdentity(sha256, 'a.csv', {})]: { relativePath: 'a.csv', status: 'Succeeded' } } }));
    const uploadsBefore = await blobCount();
    const result = await run(job);
    assert.equal(result.state, 'succeeded', result.error);
    assert.deepEqual(result.files.map((f) => [f.relativePath, f.status, f.details]), [['a.csv', 'Succeeded', 'finished by an earlier run']]);
    assert.equal(await blobCount(), uploadsBefore);
    assert.deepEqual(await rows('Legacy | count'), [[0]]);
  });

  test('CSV, TSV, JSON lines and multi-line JSON, each plain and gzip, map by header/property name', async () => {
    put('text/a.csv', 'id,name\n1,alpha\n2,"be, ta"\n');
    put('text/b.csv.gz', gzipSync('name,id\ngamma,3\n'));
    put('text/c.tsv', 'id\tname\n4\tdelta\n');
    put('text/d.tsv.gz', gzipSync('id\tname\n5\tepsilon\n'));
    put('text/e.json', '{"id":6,"name":"zeta"}\n{"name":"eta","id":7}\n');
    put('text/f.json.gz', gzipSync('{"id":8,"name":"theta"}\n'));
    put('text/g.json', '[\n  {\n    "id": 9,\n    "name": "iota"\n  }\n]\n');
    put('text/h.json.gz', gzipSync('{\n  "name": "kappa",\n  "id": 10\n}\n'));
    const result = await run(spec('text', 'Words'));
    assert.equal(result.state, 'succeeded', result.error);
    assert.deepEqual(result.files.map((f) => [f.relativePath, f.format, f.status]), [
      ['a.csv', 'csv', 'Succeeded'], ['b.csv.gz', 'csv', 'Succeeded'], ['c.tsv', 'tsv', 'Succeeded'], ['d.tsv.gz', 'tsv', 'Succeeded'],
      ['e.json', 'json', 'Succeeded'], ['f.json.gz', 'json', 'Succeeded'], ['g.json', 'multijson', 'Succeeded'], ['h.json.gz', 'multijson', 'Succeeded'],
    ]);
    assert.deepEqual(await rows('Words | order by id asc | project id, name'), [
      [1, 'alpha'], [2, 'be, ta'], [3, 'gamma'], [4, 'delta'], [5, 'epsilon'], [6, 'zeta'], [7, 'eta'], [8, 'theta'], [9, 'iota'], [10, 'kappa'],
    ]);
  });

  test('a Structured Streaming folder: only committed files land, the stray uncommitted one never', async () => {
    const root = join(dir, 'stream');
    const line = (name: string, size: number): string => JSON.stringify({ path: `file://${root}/${name}`, size, isDir: false, modificationTime: 1, blockReplication: 1, blockSize: 1, action: 'add' });
    put('stream/part-00000-x.c000.json', '{"n":1}\n');
    put('stream/part-00001-y.c000.json', '{"n":2}\n{"n":3}\n');
    put('stream/part-00002-stray.c000.json', '{"n":999}\n');
    put('stream/_spark_metadata/0', `v1\n${line('part-00000-x.c000.json', 8)}\n`);
    put('stream/_spark_metadata/1', `v1\n${line('part-00001-y.c000.json', 16)}\n`);
    const result = await run(spec('stream', 'Ticks'));
    assert.equal(result.state, 'succeeded', result.error);
    assert.equal(result.layout, 'sparkStreaming');
    assert.deepEqual(result.files.map((f) => [f.relativePath, f.batchId, f.status]), [['part-00000-x.c000.json', 0, 'Succeeded'], ['part-00001-y.c000.json', 1, 'Succeeded']]);
    assert.deepEqual(await rows('Ticks | order by n asc | project n'), [[1], [2], [3]]);
  });

  test('fail-if-missing refuses a missing table; create-merge adds the new columns of an existing one', async () => {
    put('merge/one.csv', 'id,extra\n1,x\n');
    await assert.rejects(run(spec('merge', 'Missing', { tableCreation: 'failIfNotExists' })), /table "Missing" does not exist/);
    await mgmt('.create table Merged (id:long, name:string)');
    const result = await run(spec('merge', 'Merged', { tableCreation: 'createMerge' }));
    assert.equal(result.state, 'succeeded', result.error);
    assert.deepEqual(result.columnsAdded, ['extra']);
    assert.deepEqual(await rows('Merged | project id, name, extra'), [[1, '', 'x']]);
  });

  test('into an existing table with other column order, columns map by name, not position', async () => {
    await mgmt('.create table Ordered (name:string, flag:bool, id:long)');
    put('ordered/x.csv', 'id,name\n7,seven\n');
    const result = await run(spec('ordered', 'Ordered', { tableCreation: 'failIfNotExists' }));
    assert.equal(result.state, 'succeeded', result.error);
    assert.deepEqual(await rows('Ordered | project name, flag, id'), [['seven', null, 7]]);
  });

  test('the plan (`copy --plan`) shows, before anything moves, the table action, columns that would not land and type mismatches', async () => {
    await mgmt('.create table Planned (id:long, name:string)');
    put('planned/part-00000.parquet.not', '');
    put('planned/x.csv', 'id,name,extra\n1.5,a,b\n');
    const plan = await planViaCli(spec('planned', 'Planned', { tableCreation: 'createIfNotExists' }));
    assert.deepEqual(plan.files.map((f) => [f.relativePath, f.format, f.size]), [['x.csv', 'csv', 22]]);
    assert.deepEqual(plan.table, { name: 'Planned', exists: true, action: 'use', columnsToAdd: [], columns: [{ name: 'id', type: 'long' }, { name: 'name', type: 'string' }] });
    assert.deepEqual(plan.columnsNotIngested, ['extra']);
    assert.deepEqual(plan.typeMismatches, [{ column: 'id', source: 'real', table: 'long' }]);
    const merge = await planViaCli(spec('planned', 'Planned', { tableCreation: 'createMerge' }));
    assert.equal(merge.table.action, 'createMerge');
    assert.deepEqual(merge.table.columnsToAdd, [{ name: 'extra', type: 'string' }]);
    assert.deepEqual(await rows('Planned | count'), [[0]]);
  });

  test('one bad file: the others land and the bad one is reported Failed with the service\'s reason', async () => {
    put('bad/good1.json', '{"id":1}\n');
    put('bad/good2.json', '{"id":2}\n');
    put('bad/broken.json', '{"id": 3, "oops\n');
    const result = await run(spec('bad', 'Partial', {}, { format: 'json' }));
    assert.equal(result.state, 'partiallySucceeded');
    const broken = result.files.find((f) => f.relativePath === 'broken.json');
    assert.equal(broken?.status, 'Failed');
    assert.ok((broken?.details ?? '').length > 0, 'the reason is reported');
    assert.match(result.error ?? '', /1 of 3 file\(s\) did not land: broken\.json \(Failed: /);
    assert.deepEqual(await rows('Partial | order by id asc | project id'), [[1], [2]]);
  });
});
