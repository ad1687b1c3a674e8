// Schema edits of a new table (destination.columns, as the wizard's review makes them): a CSV and
// a Parquet Spark folder go into new tables with one column renamed, one retyped and one dropped.
// The table's schema and its rows are exactly as asked (emulator, queued ingestion through Azurite).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startEmulator } from '../emulator/index';
import type { JobSpec, KustoTableDestination } from '../../src/engine/jobSpec';
import { runJob } from '../../src/engine/runner';
import { JobSpecError, validateJobSpec } from '../../src/engine/validateJobSpec';
import { executeManagement, executeManagementRecords } from '../../src/kusto/managementClient';
import { trustEmulatorCertificate } from '../emulator/index';
import { sparkPython } from '../helpers/toolsCache';

const python = sparkPython();
const DB = 'Edits';
let emulator: Awaited<ReturnType<typeof startEmulator>>;
let dir: string;

function spec(id: string, folder: string, table: string, columns: KustoTableDestination['columns']): JobSpec {
  return {
    version: 1,
    id,
    createdAt: '2026-01-01T00:00:00Z',
    source: { kind: 'files', location: { kind: 'local', path: join(dir, folder) } },
    destination: { kind: 'kustoTable', connection: { clusterUrl: emulator.url, database: DB }, table, mode: 'queued', tableCreation: 'createIfNotExists', statusPollIntervalMs: 20, statusTimeoutMs: 20_000, columns },
    options: { retry: { maxAttempts: 2, initialDelayMs: 10 } },
  };
}

async function schemaOf(table: string): Promise<string[]> {
  const rows = await executeManagementRecords({ clusterUrl: emulator.url, database: DB }, `.show table ${table} schema as json`);
  const schema = JSON.parse(String(rows[0].Schema)) as { OrderedColumns: Array<{ Name: string; CslType: string }> };
  return schema.OrderedColumns.map((c) => `${c.Name}:${c.CslType}`);
}

async function rowsOf(query: string): Promise<unknown[][]> {
  const [table] = await executeManagement({ clusterUrl: emulator.url, database: DB }, query, 'v1/rest/query');
  return table?.rows ?? [];
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kdm-review-edits-'));
  emulator = await startEmulator({ databases: [DB], auth: 'open', ingestionPollMs: 50 });
  trustEmulatorCertificate(emulator);
  // A Spark CSV folder: two part files with headers, _SUCCESS.
  mkdirSync(join(dir, 'csv'));
  writeFileSync(join(dir, 'csv', 'part-00000-x.c000.csv'), 'id,name,amount,secret\n1,Ann,10,s1\n2,Bob,25,s2\n');
  writeFileSync(join(dir, 'csv', 'part-00001-x.c000.csv'), 'id,name,amount,secret\n3,Cy,7,s3\n');
  writeFileSync(join(dir, 'csv', '_SUCCESS'), '');
  // A Spark-style partitioned Parquet folder, written by pyarrow (a writer we did not write).
  execFileSync(python, ['-c', `
import sys, os, pyarrow as pa, pyarrow.parquet as pq
root = sys.argv[1]
def write(rel, ids, names, secrets):
    os.makedirs(os.path.dirname(os.path.join(root, rel)), exist_ok=True)
    pq.write_table(pa.table({'id': pa.array(ids, pa.int32()), 'name': pa.array(names, pa.string()), 'secret': pa.array(secrets, pa.string())}), os.path.join(root, rel))
write('region=eu/part-00000-p.c000.snappy.parquet', [1, 2], ['Ann', 'Bob'], ['s1', 's2'])
write('region=us/part-00001-p.c000.snappy.parquet', [3], ['Cy'], ['s3'])
open(os.path.join(root, '_SUCCESS'), 'w').close()
`, join(dir, 'parquet')], { stdio: 'inherit' });
});

after(async () => {
  await emulator?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('destination.columns: a new table with renamed, retyped and dropped columns', () => {
  test('a CSV Spark folder: name → customer, amount long → real, secret dropped', async () => {
    const result = await runJob(spec('edits-csv', 'csv', 'CsvEdited', [
      { source: 'id', name: 'id', type: 'long' },
      { source: 'name', name: 'customer', type: 'string' },
      { source: 'amount', name: 'amount', type: 'real' },
    ]), { jobsDir: join(dir, 'jobs') });
    assert.equal(result.state, 'succeeded', result.error);
    assert.deepEqual(await schemaOf('CsvEdited'), ['id:long', 'customer:string', 'amount:real']);
    assert.deepEqual(await rowsOf('CsvEdited | order by id asc'), [[1, 'Ann', 10], [2, 'Bob', 25], [3, 'Cy', 7]]);
    assert.equal(result.rows, 3);
  });

  test('a partitioned Parquet Spark folder: region → area, id int → long, secret dropped', async () => {
    const result = await runJob(spec('edits-parquet', 'parquet', 'ParquetEdited', [
      { source: 'id', name: 'id', type: 'long' },
      { source: 'name', name: 'name', type: 'string' },
      { source: 'region', name: 'area', type: 'string' },
    ]), { jobsDir: join(dir, 'jobs') });
    assert.equal(result.state, 'succeeded', result.error);
    assert.deepEqual(await schemaOf('ParquetEdited'), ['id:long', 'name:string', 'area:string']);
    assert.deepEqual(await rowsOf('ParquetEdited | order by id asc'), [[1, 'Ann', 'eu'], [2, 'Bob', 'eu'], [3, 'Cy', 'us']]);
  });

  test('a source column the files do not have is refused before the table is created', async () => {
    const result = await runJob(spec('edits-unknown', 'csv', 'NeverCreated', [{ source: 'nope', name: 'x', type: 'string' }]), { jobsDir: join(dir, 'jobs') });
    assert.equal(result.state, 'failed');
    assert.match(result.error ?? '', /destination\.columns names source column\(s\) "nope" that the files do not have \(their columns: "id", "name", "amount", "secret"\)/);
    const tables = await executeManagementRecords({ clusterUrl: emulator.url, database: DB }, '.show tables');
    assert.ok(!tables.some((t) => t.TableName === 'NeverCreated'), 'no table was created');
  });

  test('invalid edits are refused when the job is validated: a bad name, an unknown type, a name twice, with a mapping reference', () => {
    const base = spec('edits-invalid', 'csv', 'T', undefined);
    const problems = (columns: unknown, extra: object = {}): string => {
      try {
        validateJobSpec({ ...base, destination: { ...base.destination, columns, ...extra } });
        return '';
      } catch (err) {
        assert.ok(err instanceof JobSpecError);
        return err.message;
      }
    };
    assert.match(problems([{ source: 'id', name: 'a;b', type: 'long' }]), /destination\.columns\[0\]\.name: "a;b" holds ";"/);
    assert.match(problems([{ source: 'id', name: 'id', type: 'integer' }]), /destination\.columns\[0\]\.type: must be one of "bool", "int", "long"/);
    assert.match(problems([{ source: 'id', name: 'x', type: 'long' }, { source: 'name', name: 'X', type: 'string' }]), /destination\.columns\[1\]\.name: "X" is already the name of another column/);
    assert.match(problems([{ source: 'id', name: 'id', type: 'long' }], { mappingReference: 'm' }), /destination\.columns: cannot be used with mappingReference/);
    assert.equal(problems([{ source: 'id', name: 'id', type: 'long' }]), '');
  });
});
