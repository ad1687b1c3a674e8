// Kusto → Parquet on worker threads, against the emulator: the response is cut into spans that
// workers parse and encode as row groups. Judged by pyarrow: the same rows as the single-thread
// path, value for value, with strings made to mislead the cut (`],[` inside them, escaped quotes,
// multi-byte characters, rows longer than a span); a value the Parquet writer refuses fails the
// job with the same message either way, and nothing is left behind.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Journal } from '../../src/engine/journal';
import type { JobOptions, JobSpec } from '../../src/engine/jobSpec';
import { runJob } from '../../src/engine/runner';
import { runJobCancelledAt } from './cancelJobAt';
import { executeManagement } from '../../src/kusto/managementClient';
import { startEmulator } from '../emulator/index';
import { sparkPython } from '../helpers/toolsCache';

const python = sparkPython();
const DB = 'Spans';
const ROWS = 20_000;
/** A string longer than the spans below: its rows cannot be cut out, they are parsed on the job's thread. */
const LONG = 'long '.repeat(1200);

let emulator: Awaited<ReturnType<typeof startEmulator>>;
let work: string;

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'kdm-spans-'));
  emulator = await startEmulator({ auth: 'open', databases: [DB] });
  // s: every 3rd row holds `],[` in a string, every 5th escaped quotes around one, every 7th
  // multi-byte characters, every 1000th a string longer than a span.
  await executeManagement(
    { clusterUrl: emulator.url, database: DB },
    `.set-or-append Tricky <| range n from 1 to ${ROWS} step 1
     | extend s = case(n % 1000 == 0, strcat("${LONG}", tostring(n)),
                       n % 7 == 0, strcat("héllo wörld 日本語 😀 ", tostring(n)),
                       n % 5 == 0, strcat("quote \\"],[\\" ", tostring(n)),
                       n % 3 == 0, strcat("x],[", tostring(n), ",y"),
                       strcat("item-", tostring(n)))
     | extend r = todouble(n) / 3.0, at = datetime(2024-01-01) + n * 1s, d = todecimal(n)`,
  );
  await executeManagement({ clusterUrl: emulator.url, database: DB }, '.set-or-append Huge <| datatable(n:long, d:decimal)[1, decimal(1), 2, decimal(79228162514264337593543950335)]');
});
after(async () => {
  await emulator?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

let count = 0;
function job(query: string, options: JobOptions): JobSpec {
  count++;
  return {
    version: 1,
    id: `spans-${count}`,
    createdAt: new Date().toISOString(),
    source: { kind: 'kustoQuery', connection: { clusterUrl: emulator.url, database: DB }, query, readMode: 'stream' },
    destination: { kind: 'files', location: { kind: 'local', path: join(work, `out-${count}`) }, format: 'parquet', layout: 'sparkFolder' },
    options: { retry: { maxAttempts: 1 }, ...options },
  };
}

/** pyarrow's view of a folder: row groups per file, and the rows checked against the formula that made them. */
function judge(folder: string): { rowGroups: number; rows: number; mismatches: string[] } {
  const script = `
import datetime, decimal, json, sys, glob, pyarrow.parquet as pq
LONG = 'long ' * 1200
def expected_s(n):
    if n % 1000 == 0: return LONG + str(n)
    if n % 7 == 0: return 'héllo wörld 日本語 😀 ' + str(n)
    if n % 5 == 0: return 'quote "],[" ' + str(n)
    if n % 3 == 0: return 'x],[' + str(n) + ',y'
    return 'item-' + str(n)
files = sorted(glob.glob(sys.argv[1] + '/*.parquet'))
groups = sum(pq.ParquetFile(f).metadata.num_row_groups for f in files)
rows = [r for f in files for r in pq.read_table(f).to_pylist()]
base = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)
bad = []
for i, r in enumerate(rows):
    n = i + 1
    want = {'n': n, 's': expected_s(n), 'r': n / 3.0, 'at': base + datetime.timedelta(seconds=n), 'd': decimal.Decimal(n)}
    if r != want: bad.append(json.dumps({'row': i, 'got': str(r)[:200]}))
print(json.dumps({'rowGroups': groups, 'rows': len(rows), 'mismatches': bad[:5]}))
`;
  return JSON.parse(execFileSync(python, ['-c', script, folder], { maxBuffer: 64 << 20 }).toString()) as ReturnType<typeof judge>;
}

describe('Kusto → Parquet with worker threads', () => {
  test('spans cut anywhere give every row exactly once, in order, value for value (pyarrow)', async () => {
    const spec = job('Tricky | order by n asc', { parseWorkers: 2, spanBytes: 32 * 1024 });
    const result = await runJob(spec, { jobsDir: join(work, 'jobs') });
    assert.equal(result.state, 'succeeded', result.error);
    assert.equal(result.rows, ROWS);
    const seen = judge(join(work, `out-${count}`));
    assert.deepEqual(seen.mismatches, []);
    assert.equal(seen.rows, ROWS);
    // One row group per span: far more than the single-thread path's one.
    assert.ok(seen.rowGroups > 20, `row groups: ${seen.rowGroups}`);
  });

  test("on the job's own thread (parseWorkers 0, the default) the same rows come in one row group", async () => {
    const spec = job('Tricky | order by n asc', { parseWorkers: 0 });
    const result = await runJob(spec, { jobsDir: join(work, 'jobs') });
    assert.equal(result.state, 'succeeded', result.error);
    const seen = judge(join(work, `out-${count}`));
    assert.deepEqual(seen.mismatches, []);
    assert.equal(seen.rows, ROWS);
    assert.equal(seen.rowGroups, 1);
  });

  test("on the job's own thread with small row groups (32 KB of response each), every row once, in order, value for value", async () => {
    const spec = job('Tricky | order by n asc', { spanBytes: 32 * 1024 });
    const result = await runJob(spec, { jobsDir: join(work, 'jobs') });
    assert.equal(result.state, 'succeeded', result.error);
    const seen = judge(join(work, `out-${count}`));
    assert.deepEqual(seen.mismatches, []);
    assert.equal(seen.rows, ROWS);
    // A span is cut at the first row end after 32 KB, so it holds 32 KB up to 32 KB plus one network
    // chunk (64 KB): the ~1.3 MB response makes 14 to 41 row groups, by how the bytes arrive (20 seen
    // under load, 21+ on a quiet machine). The single-thread path without spans makes one.
    assert.ok(seen.rowGroups >= 13, `row groups: ${seen.rowGroups}`);
  });

  for (const point of ['after the first rows', 'at commit'] as const) {
    test(`cancel ${point} with workers busy leaves no visible or hidden output, and the journal says where it stopped`, async () => {
      const before = (await readdir(work)).sort();
      const spec = job('Tricky | order by n asc', { parseWorkers: 2, spanBytes: 16 * 1024, progressIntervalMs: 1 });
      const result = await runJobCancelledAt(spec, join(work, 'jobs'), point);
      assert.equal(result.state, 'canceled');
      assert.equal(result.error, 'the job was cancelled');
      // Nothing published, nothing hidden beside it (temp names are hidden siblings of the output).
      assert.ok(!existsSync(join(work, `out-${count}`)), 'the output folder was published');
      assert.deepEqual((await readdir(work)).sort(), before.includes('jobs') ? before : [...before, 'jobs'].sort());
      // The journal: cancelled, no process holds it, and a resume knows how far the run got.
      const record = (await Journal.load(join(work, 'jobs'), spec.id)).record;
      assert.equal(record.state, 'canceled');
      assert.equal(record.pid, undefined);
      assert.equal(record.error, 'the job was cancelled');
      if (point === 'at commit') {
        // Every row was read before the rename was cancelled: the journal holds all of them.
        assert.equal(record.phase, 'committing');
        assert.deepEqual(record.result, { rows: ROWS, bytes: 0, files: [], seconds: 0 });
      } else {
        // Cancelled while reading: the run never reached the commit.
        assert.notEqual(record.phase, 'committing');
        assert.equal(record.result, undefined);
      }
    });
  }

  test('a value Parquet cannot hold fails the job with the writer message either way, leaving nothing', async () => {
    const messages: string[] = [];
    for (const options of [{ parseWorkers: 2, spanBytes: 256 }, { parseWorkers: 0 }]) {
      const spec = job('Huge | order by n asc', options);
      const result = await runJob(spec, { jobsDir: join(work, 'jobs') });
      assert.equal(result.state, 'failed');
      messages.push(result.error ?? '');
      assert.ok(!existsSync(join(work, `out-${count}`)));
      assert.deepEqual((await readdir(work)).filter((name) => name.includes(`out-${count}`)), []);
    }
    assert.match(messages[0], /column "d" \(decimal\)/);
    assert.equal(messages[0], messages[1]);
  });
});
