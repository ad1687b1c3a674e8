// Issue 23: real and hostile input, moved as a new user would — the README's emulator flow
// (`npm run emulator -- --seed sample`, then the CLI), without NODE_EXTRA_CA_CERTS. Each test
// checks what lands in the table (or that nothing was created) and what the CLI says.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { StartedProcess } from '../helpers/processes';
import { type CliRun, runCli, startReadmeEmulator } from '../helpers/readmeEmulator';
import { executeManagement, executeManagementRecords } from '../../src/kusto/managementClient';
import { sparkPython } from '../helpers/toolsCache';

const root = resolve(__dirname, '..', '..');
const python = sparkPython();
const DB = 'Samples';
let emulator: StartedProcess;
let cluster: string;
let dir: string;

const cli = (args: string[]): Promise<CliRun> => runCli(root, dir, args);

function put(path: string, content: string | Buffer): string {
  const full = join(dir, path);
  mkdirSync(join(full, '..'), { recursive: true });
  writeFileSync(full, content);
  return full;
}

async function query(q: string): Promise<unknown[][]> {
  const [table] = await executeManagement({ clusterUrl: cluster, database: DB }, q, 'v1/rest/query');
  return table?.rows ?? [];
}

async function tableNames(): Promise<string[]> {
  return (await executeManagementRecords({ clusterUrl: cluster, database: DB }, '.show tables')).map((r) => String(r.TableName));
}

async function columnsOf(table: string): Promise<string[]> {
  const [row] = await executeManagementRecords({ clusterUrl: cluster, database: DB }, `.show table ['${table}'] schema as json`);
  return (JSON.parse(String(row.Schema)) as { OrderedColumns: Array<{ Name: string; CslType: string }> }).OrderedColumns.map((c) => `${c.Name}:${c.CslType}`);
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kdm-real-input-'));
  ({ emulator, cluster } = await startReadmeEmulator(root));
});
after(async () => {
  await emulator?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('real input through the CLI and the local emulator', () => {
  test('item 6: the README flow (copy --from file.csv --mode queued) works without NODE_EXTRA_CA_CERTS', async () => {
    const file = put('readme/people.csv', 'name,age\nalice,31\nbob,42\n');
    const r = await cli(['copy', '--from', file, '--cluster', cluster, '--db', DB, '--table', 'ReadmeFlow', '--mode', 'queued']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Done: 1 file ingested/m);
    assert.deepEqual(await query('ReadmeFlow | order by age asc | project name, age'), [['alice', 31], ['bob', 42]]);
  });

  test('item 1: a header like "id,amount.usd,1st seen" with an over-long row is a header, the row warned about once with file and line', async () => {
    const file = put('header/orders.csv', 'id,amount.usd,1st seen\n1,2.5,2024-01-31\n2,3.25,2024-02-01,EXTRA\n3,4,2024-02-02\n');
    const r = await cli(['copy', '--from', file, '--cluster', cluster, '--db', DB, '--table', 'Orders23', '--mode', 'queued']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Done: 1 file ingested \(3 rows, /m);
    assert.deepEqual(await columnsOf('Orders23'), ['id:long', 'amount.usd:real', '1st seen:datetime']);
    assert.deepEqual(await query("Orders23 | order by id asc | project id, ['amount.usd']"), [[1, 2.5], [2, 3.25], [3, 4]]);
    const warnings = r.stderr.split('\n').filter((l) => /line 3 has 4 fields/.test(l));
    assert.equal(warnings.length, 1, r.stderr);
    assert.match(warnings[0], /^warning: orders\.csv: line 3 has 4 fields where the header has 3/);
  });

  test('item 2: a Parquet column the service cannot name is refused before the table exists', async () => {
    execFileSync(python, ['-c', `
import sys, pyarrow as pa, pyarrow.parquet as pq
pq.write_table(pa.table({'id': pa.array([1, 2], pa.int64()), "it's": pa.array(['a', 'b']), 'back\\\\x': pa.array(['c', 'd']), "$['a']": pa.array([5, 6], pa.int64())}), sys.argv[1])
`, put('hostile/names.parquet', '')]);
    const r = await cli(['copy', '--from', join(dir, 'hostile', 'names.parquet'), '--cluster', cluster, '--db', DB, '--table', 'Hostile23', '--mode', 'queued']);
    assert.equal(r.code, 2, r.stdout); // bad input (item 7)
    assert.match(r.stderr, /names\.parquet: column "it's" holds "'" \(Kusto names may hold only letters, digits, "_", " ", "\." and "-"\)\. Rename it in the source/);
    assert.ok(!(await tableNames()).includes('Hostile23'), 'no table was created');
  });

  test('item 2: columns "id" and "Id" in one file are refused, not merged into one dynamic column', async () => {
    execFileSync(python, ['-c', `
import sys, pyarrow as pa, pyarrow.parquet as pq
pq.write_table(pa.table({'id': pa.array([1, 2], pa.int64()), 'Id': pa.array(['a', 'b'])}), sys.argv[1])
`, put('case/ids.parquet', '')]);
    const r = await cli(['copy', '--from', join(dir, 'case', 'ids.parquet'), '--cluster', cluster, '--db', DB, '--table', 'CaseIds23', '--mode', 'queued']);
    assert.equal(r.code, 2, r.stdout); // bad input (item 7)
    assert.match(r.stderr, /ids\.parquet: columns "id" and "Id" differ only in case/);
    assert.ok(!(await tableNames()).includes('CaseIds23'));
  });

  test('items 2 and 5: keyword and odd-but-valid names land under exactly their names; a rerun adds nothing and warns of nothing', async () => {
    execFileSync(python, ['-c', `
import sys, pyarrow as pa, pyarrow.parquet as pq
pq.write_table(pa.table({'where': pa.array(['w1', 'w2']), '1day': pa.array([1, 2], pa.int64()), 'my col': pa.array(['m1', 'm2']), 'a.b-c': pa.array([1.5, 2.5]), 'Größe': pa.array([7, 8], pa.int64())}), sys.argv[1])
`, put('keywords/k.parquet', '')]);
    const args = ['copy', '--from', join(dir, 'keywords', 'k.parquet'), '--cluster', cluster, '--db', DB, '--table', 'where', '--mode', 'queued', '--table-creation', 'merge'];
    const first = await cli(args);
    assert.equal(first.code, 0, first.stderr);
    assert.deepEqual(await columnsOf('where'), ['where:string', '1day:long', 'my col:string', 'a.b-c:real', 'Größe:long']);
    assert.deepEqual(await query("['where'] | order by ['1day'] asc | project ['where'], ['1day'], ['my col'], ['a.b-c'], ['Größe']"), [['w1', 1, 'm1', 1.5, 7], ['w2', 2, 'm2', 2.5, 8]]);
    // Sent again on purpose (a plain rerun skips the file: its ingest-by tag is on the table), into the
    // table that now exists: its schema is read back with every odd name, so nothing is "not ingested".
    const again = await cli([...args.slice(0, -6), '--table', 'where', '--mode', 'queued', '--table-creation', 'merge', '--job-id', 'keywords-rerun', '--reingest']);
    assert.equal(again.code, 0, again.stderr);
    assert.doesNotMatch(again.stderr, /not ingested|added column/i);
    assert.match(again.stderr, /re-ingest: 1 file\(s\)/);
    assert.equal((await query("['where'] | count"))[0][0], 4);
  });

  test('item 3: a decimal wider than Kusto can hold is refused by name; uint64 lands exactly, its max too', async () => {
    execFileSync(python, ['-c', `
import sys, decimal, pyarrow as pa, pyarrow.parquet as pq
pq.write_table(pa.table({'id': pa.array([1], pa.int64()), 'wide': pa.array([decimal.Decimal('1.5')], pa.decimal256(50, 10))}), sys.argv[1])
pq.write_table(pa.table({'id': pa.array([1, 2], pa.int64()), 'u': pa.array([2**64 - 1, 7], pa.uint64())}), sys.argv[2])
`, put('types/wide.parquet', ''), put('types/u64.parquet', '')]);
    const wide = await cli(['copy', '--from', join(dir, 'types', 'wide.parquet'), '--cluster', cluster, '--db', DB, '--table', 'Wide23', '--mode', 'queued']);
    assert.equal(wide.code, 2, wide.stdout); // bad input (item 7)
    assert.match(wide.stderr, /wide\.parquet: column "wide" is a decimal of precision 50/);
    assert.ok(!(await tableNames()).includes('Wide23'));
    const u64 = await cli(['copy', '--from', join(dir, 'types', 'u64.parquet'), '--cluster', cluster, '--db', DB, '--table', 'U64_23', '--mode', 'queued']);
    assert.equal(u64.code, 0, u64.stderr);
    assert.deepEqual(await columnsOf('U64_23'), ['id:long', 'u:decimal']);
    assert.deepEqual(await query('U64_23 | order by id asc | project id, s = tostring(u)'), [[1, '18446744073709551615'], [2, '7']]);
  });

  test('item 3: conversion risks are printed by the CLI, not only written to the job log', async () => {
    execFileSync(python, ['-c', `
import sys, datetime, pyarrow as pa, pyarrow.parquet as pq
pq.write_table(pa.table({'ts': pa.array([datetime.datetime(2024, 1, 31)], pa.timestamp('ms'))}), sys.argv[1])
`, put('risk/local.parquet', '')]);
    const r = await cli(['copy', '--from', join(dir, 'risk', 'local.parquet'), '--cluster', cluster, '--db', DB, '--table', 'Risk23', '--mode', 'queued']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^warning: conversion ts: .*taken as UTC/m);
  });

  test('item 7: https:// to the plain-http emulator says to use http://, exits 2, offers no resume', async () => {
    const file = put('scheme/a.csv', 'a,b\n1,x\n');
    const https = cluster.replace('http://', 'https://');
    const r = await cli(['copy', '--from', file, '--cluster', https, '--db', DB, '--table', 'Scheme23', '--mode', 'queued']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, new RegExp(`${https.replace(/[.]/g, '\\.')} does not answer HTTPS \\(it speaks plain HTTP\\): use ${cluster.replace(/[.]/g, '\\.')}`));
    assert.doesNotMatch(r.stderr, /wrong version number|resume with/);
  });

  test('item 7: a cluster URL with a database path is refused up front, naming --db', async () => {
    const file = put('path/a.csv', 'a,b\n1,x\n');
    const r = await cli(['copy', '--from', file, '--cluster', `${cluster}/${DB}`, '--db', DB, '--table', 'Path23']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /clusterUrl: has a path \("\/Samples"\): give the cluster's address alone \(http:\/\/127\.0\.0\.1:\d+\) and the database in "database"/);
    assert.doesNotMatch(r.stderr, /no endpoint/);
  });

  test('item 7: a missing source, an empty folder and a glob matching nothing are bad input (exit 2), not "Done: 0 files"', async () => {
    mkdirSync(join(dir, 'empty'), { recursive: true });
    put('someparquet/a.csv', 'a\n1\n');
    for (const [from, why] of [[join(dir, 'nowhere'), /does not exist/], [join(dir, 'empty'), /no files to ingest/], [join(dir, 'someparquet', '*.parquet'), /no files to ingest/]] as const) {
      const r = await cli(['copy', '--from', from, '--cluster', cluster, '--db', DB, '--table', 'Nothing23']);
      assert.equal(r.code, 2, `${from}: ${r.stdout}${r.stderr}`);
      assert.match(r.stderr, why, from);
      assert.doesNotMatch(r.stdout, /Done/);
      assert.doesNotMatch(r.stderr, /resume with/);
    }
    assert.ok(!(await tableNames()).includes('Nothing23'));
  });

  test('item 7: resume with a path for a job id exits 2', async () => {
    const r = await cli(['resume', '../../etc']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /is not a job id/);
  });

  test('item 9: a gzip CSV ingest reports the rows the service counted', async () => {
    const lines = ['n,s', ...Array.from({ length: 250 }, (_, i) => `${i},row${i}`)].join('\n') + '\n';
    const file = put('gz/part-0.csv.gz', gzipSync(lines));
    const r = await cli(['copy', '--from', file, '--cluster', cluster, '--db', DB, '--table', 'Gz23', '--mode', 'queued']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await query('Gz23 | count'))[0][0], 250);
    assert.match(r.stdout, /^Done: 1 file ingested \(250 rows, /m);
  });
});
