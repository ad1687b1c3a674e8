// Issue 23, gaps found by the audit: each test runs the CLI against the local emulator started as the
// README says, and checks what the CLI says, its exit code and what is (or is not) on disk or in the table.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { StartedProcess } from '../helpers/processes';
import { type CliRun, runCli, startReadmeEmulator } from '../helpers/readmeEmulator';
import { executeManagement } from '../../src/kusto/managementClient';

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

  // Still open (see the report of the issue-23 audit): values past the CSV sample that do not parse
  // as the column's inferred type land as null, and nothing says so. Kept as a todo that runs: it
  // fails today, and passes once the CLI reports how many values became null.
  test('item 3: values past the sample that do not parse as the inferred type are counted and reported', { todo: 'values that do not parse after the sample still land as null silently' }, async () => {
    const file = join(dir, 'late.csv');
    writeFileSync(file, ['id,amount', ...Array.from({ length: 3000 }, (_, i) => `${i},${i}`), '3000,abc', '3001,n/a'].join('\n') + '\n');
    const r = await cli(['copy', '--from', file, '--cluster', cluster, '--db', DB, '--table', 'Late23', '--mode', 'queued']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(await query('Late23 | where id >= 3000 | order by id asc | project id, amount'), [[3000, null], [3001, null]]);
    assert.match(r.stderr, /^warning: .*amount.*2 values.*null/m);
  });
});
