// Issue 23, gaps found by the audit: each test runs the CLI against the local emulator started as the
// README says, and checks what the CLI says, its exit code and what is (or is not) on disk or in the table.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { gzipSync } from 'node:zlib';
import { join, resolve } from 'node:path';
import type { StartedProcess } from '../helpers/processes';
import { type CliRun, runCli, startReadmeEmulator } from '../helpers/readmeEmulator';
import { executeManagement } from '../../src/kusto/managementClient';
import { JobsFolderReader } from '../../src/jobHost/journalReader';
import { jobDetailsText } from '../../src/jobHost/jobDetails';

const root = resolve(__dirname, '..', '..');
const DB = 'Samples';
let emulator: StartedProcess;
let cluster: string;
let dir: string;

const cli = (args: string[]): Promise<CliRun> => runCli(root, dir, args);

async function query(q: string): Promise<unknown[][]> {
  const [table] = await executeManagement({ clusterUrl: cluster, database: DB }, q, 'v1/rest/query');
  return table?.rows ?? [];
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kdm-real-input2-'));
  ({ emulator, cluster } = await startReadmeEmulator(root));
});
after(async () => {
  await emulator?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('real input through the CLI and the local emulator (audit gaps)', () => {
  test('a hand-written job file without id or createdAt runs, twice, as two jobs of their own (issue 26)', async () => {
    const file = join(dir, 'hand-written.kdm.json');
    const runs: string[] = [];
    for (let i = 1; i <= 2; i++) {
      const out = join(dir, `hand-written-${i}.csv`);
      writeFileSync(file, JSON.stringify({ version: 1, source: { kind: 'kustoQuery', connection: { clusterUrl: cluster, database: DB }, query: 'StormEvents | where State == "TEXAS" | project EventId' }, destination: { kind: 'files', location: { kind: 'local', path: out }, format: 'csv', layout: 'singleFile' } }));
      const r = await cli(['copy', file]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^Done: 625 rows/m);
      const lines = readFileSync(out, 'utf8').split('\n').filter((l: string) => l !== '');
      assert.equal(lines.length, 626, 'a header and 625 rows');
      runs.push(...readdirSync(join(dir, 'jobs')).filter((n) => !runs.includes(n)));
    }
    assert.equal(new Set(runs).size, 2, `two jobs in the jobs folder: ${runs.join(', ')}`);
  });

  test('item 7: a partition value too long for a folder name says which column and what to do, exits 2, offers no resume, leaves nothing', async () => {
    const out = join(dir, 'long-partition');
    const long = 'x'.repeat(300);
    const r = await cli(['copy', '--cluster', cluster, '--db', DB, '--query', `print k='${long}', v=1`, '--out', out, '--format', 'parquet', '--partition-by', 'k']);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /partition column "k": a value of 300 bytes makes the folder name "k=x{20}…" 302 bytes long, over the file system's limit of 255 bytes/);
    assert.match(r.stderr, /Partition by a column with shorter values/);
    assert.doesNotMatch(r.stderr, /ENAMETOOLONG|resume with/);
    assert.ok(!existsSync(out), 'no output folder');
    assert.deepEqual(readdirSync(dir).filter((name) => name.includes('kdm-tmp')), [], 'no temp folder left');
  });

  test('item 9: a rerun that skips a file already in the table says it skipped it, not "1 file ingested (3 rows)"', async () => {
    const file = join(dir, 'rerun.csv');
    writeFileSync(file, 'name,age\nalice,31\nbob,42\ncarol,53\n');
    const args = ['copy', '--from', file, '--cluster', cluster, '--db', DB, '--table', 'Rerun23', '--mode', 'queued'];
    const first = await cli(args);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /^Done: 1 file ingested \(3 rows, /m);
    const again = await cli(args);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /^Done: 0 files ingested, 1 skipped \(already in the table\)/m);
    assert.doesNotMatch(again.stdout, /3 rows/);
    assert.equal((await query('Rerun23 | count'))[0][0], 3, 'no row ingested twice');
  });

  test('item 7: resume of a job id that is not in the jobs folder is bad input (exit 2) and says how to list the jobs', async () => {
    const r = await cli(['resume', 'job-that-never-ran']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /no job "job-that-never-ran" in .*jobs: list them with: kusto-data-mover jobs/);
  });

  // The service makes a value that does not parse as its column's type null and counts nothing: the
  // CLI counts them while the file uploads and says so per file and column, and once in total.
  test('item 3: CSV values past the sample that do not parse as the inferred type are counted and reported', async () => {
    const file = join(dir, 'late.csv');
    writeFileSync(file, ['id,amount', ...Array.from({ length: 3000 }, (_, i) => `${i},${i}`), '3000,abc', '3001,n/a', '3002,'].join('\n') + '\n');
    const r = await cli(['copy', '--from', file, '--cluster', cluster, '--db', DB, '--table', 'Late23', '--mode', 'queued', '--job-id', 'late-csv-23']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Done: 1 file ingested \(3003 rows, /m);
    assert.deepEqual(await query('Late23 | where id >= 2999 | order by id asc | project id, amount'), [[2999, 2999], [3000, null], [3001, null], [3002, null]]);
    // The empty cell is null as it should be: not counted.
    assert.match(r.stderr, /^warning: late\.csv: column "amount" \(long\): 2 values do not parse as long and landed as null \(first: "abc" on line 3002\)$/m);
    const totals = r.stderr.split('\n').filter((l) => /values in total/.test(l));
    assert.deepEqual(totals, ['warning: 2 values in total did not parse as their column\'s type and landed as null (1 column of 1 file, listed above). To keep them, give such a column the type string: list the columns in destination.columns of a job file (--print-spec writes one), or create the table yourself with a string column and copy into it with --table-creation fail']);
    // The Jobs view's job details show the job's warnings: the same two lines.
    const entry = (await new JobsFolderReader(join(dir, 'jobs')).list()).find((e) => e.record.spec.id === 'late-csv-23');
    const details = jobDetailsText('late-csv-23', entry, 'succeededWithWarnings');
    assert.match(details, /## Warnings \(2\)\n\n- late\.csv: column "amount" \(long\): 2 values do not parse as long and landed as null \(first: "abc" on line 3002\)\n- 2 values in total did not parse/);
  });

  test('item 3: JSON lines values past the sample that do not parse as the inferred type are counted per column and reported', async () => {
    const file = join(dir, 'late.jsonl');
    const lines = Array.from({ length: 3000 }, (_, i) => JSON.stringify({ id: i, amount: i, flag: i % 2 === 0 }));
    lines.push('{"id":3000,"amount":1.5,"flag":"yes"}', '{"id":3001,"amount":"n/a","flag":true}', '{"id":3002,"amount":null,"flag":null}', '{"id":3003,"amount":"","flag":false}', '{"id":3004,"amount":9223372036854775807,"flag":"1"}');
    writeFileSync(file, lines.join('\n') + '\n');
    const r = await cli(['copy', '--from', file, '--cluster', cluster, '--db', DB, '--table', 'LateJson23', '--mode', 'queued']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(await query('LateJson23 | where id >= 3000 and id < 3004 | order by id asc | project id, amount, flag'), [[3000, null, null], [3001, null, true], [3002, null, null], [3003, null, false]]);
    // Long max is a long, exactly (a double would round it past the long's range): not counted.
    assert.deepEqual(await query('LateJson23 | where id == 3004 | project tostring(amount), flag'), [['9223372036854775807', true]]);
    assert.match(r.stderr, /^warning: late\.jsonl: column "amount" \(long\): 2 values do not parse as long and landed as null \(first: 1\.5 on line 3001\); column "flag" \(bool\): 1 value does not parse as bool and landed as null \(first: "yes" on line 3001\)$/m);
    assert.match(r.stderr, /^warning: 3 values in total did not parse as their column's type and landed as null \(2 columns of 1 file, listed above\)/m);
  });
  test('item 3: a gzip CSV into an existing typed table, transactional: counted on the way up, said after the commit', async () => {
    await executeManagement({ clusterUrl: cluster, database: DB }, '.create table TypedLate23 (id:long, at:datetime, ok:bool)');
    const file = join(dir, 'typed-late.csv.gz');
    const rows = Array.from({ length: 2000 }, (_, i) => `${i},2024-01-01T00:00:${String(i % 60).padStart(2, '0')}Z,true`);
    rows.push('2000,soon,yes', '2001,01/02/2024,false', '2002,,');
    writeFileSync(file, gzipSync(['id,at,ok', ...rows].join('\n') + '\n'));
    const r = await cli(['copy', '--from', file, '--cluster', cluster, '--db', DB, '--table', 'TypedLate23', '--mode', 'transactional', '--table-creation', 'fail']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(await query('TypedLate23 | where id >= 2000 | order by id asc | project id, isnull(at), ok'), [[2000, true, null], [2001, true, false], [2002, true, null]]);
    assert.equal((await query('TypedLate23 | count'))[0][0], 2003);
    assert.match(r.stderr, /^warning: typed-late\.csv\.gz: column "at" \(datetime\): 2 values do not parse as datetime and landed as null \(first: "soon" on line 2002\); column "ok" \(bool\): 1 value does not parse as bool and landed as null \(first: "yes" on line 2002\)$/m);
    assert.match(r.stderr, /^warning: 3 values in total did not parse/m);
  });

  test('item 3: streaming mode counts the file it sends from memory', async () => {
    await executeManagement({ clusterUrl: cluster, database: DB }, '.create table StreamLate23 (id:long, score:real)');
    await executeManagement({ clusterUrl: cluster, database: DB }, '.alter table StreamLate23 policy streamingingestion enable');
    const file = join(dir, 'stream-late.csv');
    writeFileSync(file, ['id,score', ...Array.from({ length: 1500 }, (_, i) => `${i},${i}.5`), '1500,abc', '1501,NaN'].join('\n') + '\n');
    const r = await cli(['copy', '--from', file, '--cluster', cluster, '--db', DB, '--table', 'StreamLate23', '--mode', 'streaming', '--table-creation', 'fail']);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /falling back to queued/);
    assert.deepEqual(await query('StreamLate23 | where id >= 1499 | order by id asc | project id, isnull(score)'), [[1499, false], [1500, true], [1501, false]]);
    assert.match(r.stderr, /^warning: stream-late\.csv: column "score" \(real\): 1 value does not parse as real and landed as null \(first: "abc" on line 1502\)$/m);
  });
  test('item 3: --fail-on-unparsed commits nothing in transactional mode, exits 2 without a resume hint, and is refused in queued mode', async () => {
    const file = join(dir, 'fail-late.csv');
    writeFileSync(file, ['id,amount', ...Array.from({ length: 1200 }, (_, i) => `${i},${i}`), '1200,abc', '1201,1.5'].join('\n') + '\n');
    const r = await cli(['copy', '--from', file, '--cluster', cluster, '--db', DB, '--table', 'FailLate23', '--mode', 'transactional', '--fail-on-unparsed']);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /^Failed: nothing was committed to FailLate23: 2 values in 1 column of 1 file do not parse as their column's type and would land as null \(destination\.unparsedValues is "fail"; .*\)\. To keep them, give such a column the type string/m);
    assert.match(r.stderr, /^warning: fail-late\.csv: column "amount" \(long\): 2 values do not parse as long and landed as null \(first: "abc" on line 1202\)$/m);
    assert.doesNotMatch(r.stderr, /resume with|values in total/);
    assert.equal((await query('FailLate23 | count'))[0][0], 0, 'no row committed');
    const tables = (await executeManagement({ clusterUrl: cluster, database: DB }, '.show tables'))[0]?.rows.map((row) => String(row[0])) ?? [];
    assert.deepEqual(tables.filter((t) => t.startsWith('FailLate23_kdm_tmp')), [], 'the temp table is dropped');

    const queued = await cli(['copy', '--from', file, '--cluster', cluster, '--db', DB, '--table', 'FailLateQueued23', '--mode', 'queued', '--fail-on-unparsed']);
    assert.equal(queued.code, 2, queued.stderr);
    assert.match(queued.stderr, /destination\.unparsedValues: "fail" needs mode "transactional"/);
    const after = (await executeManagement({ clusterUrl: cluster, database: DB }, '.show tables'))[0]?.rows.map((row) => String(row[0])) ?? [];
    assert.ok(after.includes('FailLate23') && !after.includes('FailLateQueued23'), `refused before the table is created: ${after.join(', ')}`);
  });
});
