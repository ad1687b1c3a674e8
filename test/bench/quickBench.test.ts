// The benchmark harness in quick mode, as CI runs it: every scenario and variant finishes, moves
// the same data, and leaves output that is checked here (row counts read back from the files and
// the table, byte counts). Speed is never asserted: ratios are for people (npm run bench).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { readParquetSchema } from '../../src/formats/parquetSchemaReader';

const run = promisify(execFile);
const root = resolve(__dirname, '..', '..');

interface ResultRow {
  scenario: string;
  variant: string;
  rows: number;
  bytesOut: number;
  seconds: number;
  maxRssMB: number;
  enqueuedSeconds?: number;
  failed?: string;
}

interface Results {
  mode: string;
  results: ResultRow[];
  extension?: { activationMs: number; vsixBytes: number };
}

function partFiles(folder: string, suffix: string): string[] {
  return readdirSync(folder).filter((n) => n.startsWith('part-') && n.endsWith(suffix)).map((n) => join(folder, n));
}

describe('npm run bench -- --quick', () => {
  let dir: string;
  let results: Results;
  const row = (scenario: string, variant: string): ResultRow => {
    const found = results.results.find((r) => r.scenario === scenario && r.variant === variant);
    assert.ok(found, `${scenario} / ${variant} ran`);
    assert.equal(found.failed, undefined, `${scenario} / ${variant} failed: ${found.failed}`);
    return found;
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kdm-bench-quick-'));
    await run(process.execPath, ['--import', 'tsx', join(root, 'test', 'bench', 'run.ts'), '--quick'], {
      cwd: root,
      env: { ...process.env, KDM_BENCH_DIR: dir },
      maxBuffer: 64 << 20,
      timeout: 600_000,
    });
    results = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as Results;
  });

  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  // The raw copy parses nothing: judged by its file, byte for byte the recorded response, whose
  // PrimaryResult rows are counted here by JSON.parse (the variant counts them by its own scan).
  const judgeRawCopy = (scenario: string, format: string): void => {
    const raw = row(scenario, 'raw copy (limit)');
    const copied = readFileSync(join(dir, 'work', `raw-${format}.json`));
    assert.ok(copied.equals(readFileSync(join(dir, 'work', 'response-20000.json'))), `raw-${format}.json is the recorded response`);
    assert.equal(raw.bytesOut, copied.length);
    const frames = JSON.parse(copied.toString('utf8')) as Array<{ TableKind?: string; Rows?: unknown[] }>;
    assert.equal(frames.find((f) => f.TableKind === 'PrimaryResult')?.Rows?.length, 20_000);
    assert.equal(raw.rows, 20_000);
  };
  const csvDataLines = (folder: string): number => partFiles(folder, '.csv').flatMap((f) => readFileSync(f, 'utf8').trimEnd().split('\n').slice(1)).length;

  test('Kusto → Parquet: the engine (also with 2 parse workers, a rows-per-file limit, partitions), the SDK way and the raw copy each move the 20,000 rows, counted in what each wrote', async () => {
    const scenario = 'kusto→parquet 20,000 rows';
    judgeRawCopy(scenario, 'parquet');
    for (const [variant, folder] of [['sdk execute + write', 'sdk-parquet'], ['engine', 'engine-parquet'], ['engine, 2 parse workers', 'engine-workers-parquet']]) {
      let rows = 0;
      for (const part of partFiles(join(dir, 'work', folder), '.parquet')) rows += (await readParquetSchema(part)).numRows;
      assert.equal(rows, 20_000, `${folder} footers`);
      assert.equal(row(scenario, variant).rows, rows, `${variant} reports the rows its files hold`);
    }
    // A rows-per-file limit of 5,000: four files of exactly that many rows, read from their footers.
    const perFile: number[] = [];
    for (const part of partFiles(join(dir, 'work', 'engine-maxrows-parquet'), '.parquet').sort()) perFile.push((await readParquetSchema(part)).numRows);
    assert.deepEqual(perFile, [5000, 5000, 5000, 5000], 'engine-maxrows-parquet footers');
    assert.equal(row(scenario, 'engine, maxRowsPerFile').rows, 20_000);
    // Partitioned by a column of 50 values: a bucket=N folder per value, whose footers add up to the rows.
    const partitioned = join(dir, 'work', 'engine-partitioned-parquet');
    const buckets = readdirSync(partitioned).filter((n) => n.startsWith('bucket='));
    assert.equal(buckets.length, 50, 'partition folders');
    let partitionedRows = 0;
    for (const bucket of buckets) for (const part of partFiles(join(partitioned, bucket), '.parquet')) partitionedRows += (await readParquetSchema(part)).numRows;
    assert.equal(partitionedRows, 20_000, 'engine-partitioned-parquet footers');
    assert.equal(row(scenario, 'engine, partitionBy').rows, 20_000);
    // Writes nothing: its rows are those its own JSON.parse found in the response.
    assert.equal(row(scenario, 'JSON.parse only (reference)').rows, 20_000);
  });

  test('Kusto → CSV: every variant moves the 20,000 rows, counted in what each wrote; the engine folder is a finished Spark folder', () => {
    const scenario = 'kusto→csv 20,000 rows';
    judgeRawCopy(scenario, 'csv');
    for (const [variant, folder] of [['sdk execute + write', 'sdk-csv'], ['engine', 'engine-csv']]) {
      assert.equal(csvDataLines(join(dir, 'work', folder)), 20_000, `${folder} lines`);
      assert.equal(row(scenario, variant).rows, 20_000);
    }
    assert.ok(readdirSync(join(dir, 'work', 'engine-csv')).includes('_SUCCESS'));
  });

  test('Kusto → JSON lines: every variant moves the 20,000 rows, counted in what each wrote (one JSON object a line); the engine folder is a finished Spark folder', () => {
    const scenario = 'kusto→json 20,000 rows';
    judgeRawCopy(scenario, 'json');
    for (const [variant, folder] of [['sdk execute + write', 'sdk-json'], ['engine', 'engine-json']]) {
      const lines = partFiles(join(dir, 'work', folder), '.json').flatMap((f) => readFileSync(f, 'utf8').trimEnd().split('\n'));
      assert.equal(lines.length, 20_000, `${folder} lines`);
      // Each line is one row of the bench table: its id column counts 1..20,000 across the parts.
      const ids = lines.map((line) => (JSON.parse(line) as { id: number }).id).sort((a, b) => a - b);
      assert.deepEqual([ids[0], ids[19_999], new Set(ids).size], [1, 20_000, 20_000], `${folder} ids`);
      assert.equal(row(scenario, variant).rows, 20_000);
    }
    assert.ok(readdirSync(join(dir, 'work', 'engine-json')).includes('_SUCCESS'));
  });

  test('folder → Kusto: the engine and the SDK each land the 20,000 rows (counted in the table); the upload stored the folder\'s bytes (counted in storage)', () => {
    const engine = row('folder→kusto 10 Parquet parts', 'engine (queued)');
    const sdk = row('folder→kusto 10 Parquet parts', 'sdk ingestFromFile one by one');
    const upload = row('folder→kusto 10 Parquet parts', 'raw parallel upload (limit)');
    assert.equal(engine.rows, 20_000);
    assert.equal(sdk.rows, 20_000);
    const folderBytes = partFiles(join(dir, 'work', 'parquet-folder'), '.parquet').reduce((sum, f) => sum + statSync(f).size, 0);
    assert.ok(folderBytes > 4_000_000, `the folder holds ${folderBytes} bytes`);
    assert.equal(upload.bytesOut, folderBytes);
    // Each variant also says when everything was enqueued: before it was final, never after.
    for (const r of [engine, sdk, upload]) {
      assert.ok(r.enqueuedSeconds !== undefined && r.enqueuedSeconds > 0 && r.enqueuedSeconds <= r.seconds, `${r.variant}: enqueued after ${r.enqueuedSeconds} s of ${r.seconds} s`);
    }
  });

  test('files → Kusto upload, on loopback and from storage with latency (the loopback proxies): one by one and in parallel each land the 20,000 rows (counted in the table) and store the folder\'s bytes (counted in the ingestion storage)', () => {
    for (const [scenario, folder] of [['files→kusto upload 8 Parquet parts', 'upload-folder'], ['files→kusto upload 8 Parquet parts, remote storage (40 ms a request, 32 MB/s a connection)', 'upload-folder-remote']]) {
      const parts = partFiles(join(dir, 'work', folder), '.parquet');
      assert.equal(parts.length, 8, `${folder} parts`);
      const folderBytes = parts.reduce((sum, f) => sum + statSync(f).size, 0);
      for (const variant of ['one by one', 'engine (parallel)']) {
        const r = row(scenario, variant);
        assert.equal(r.rows, 20_000, `${scenario} / ${variant}: rows in the table`);
        assert.equal(r.bytesOut, folderBytes, `${scenario} / ${variant}: bytes in the ingestion storage`);
        assert.ok(r.enqueuedSeconds !== undefined && r.enqueuedSeconds > 0 && r.enqueuedSeconds <= r.seconds, `${scenario} / ${variant}: enqueued after ${r.enqueuedSeconds} s of ${r.seconds} s`);
      }
    }
  });

  test('the generated Parquet folder has 10 parts whose footers add up to 20,000 rows', async () => {
    const parts = partFiles(join(dir, 'work', 'parquet-folder'), '.parquet');
    assert.equal(parts.length, 10);
    let rows = 0;
    for (const part of parts) rows += (await readParquetSchema(part)).numRows;
    assert.equal(rows, 20_000);
  });

  test('export download: both ways fetch the 8 files of 1 MiB, counted on disk', () => {
    for (const [variant, folder] of [['one by one', 'one-by-one'], ['engine (parallel)', 'engine']]) {
      const r = row('export download 8 files', variant);
      const files = readdirSync(join(dir, 'work', 'download', folder)).map((n) => statSync(join(dir, 'work', 'download', folder, n)).size);
      assert.deepEqual(files, Array(8).fill(1024 * 1024), `${folder}: the downloaded files`);
      assert.equal(r.rows, 8);
      assert.equal(r.bytesOut, 8 * 1024 * 1024);
    }
  });

  test('export download from storage with latency (the loopback proxy): both ways fetch the 8 files of 1 MiB, counted on disk', () => {
    for (const [variant, folder] of [['one by one', 'one-by-one'], ['engine (parallel)', 'engine']]) {
      const r = row('export download 8 files, remote storage (40 ms a request, 32 MB/s a connection)', variant);
      const files = readdirSync(join(dir, 'work', 'download-remote', folder)).map((n) => statSync(join(dir, 'work', 'download-remote', folder, n)).size);
      assert.deepEqual(files, Array(8).fill(1024 * 1024), `${folder}: the downloaded files`);
      assert.equal(r.rows, 8);
      assert.equal(r.bytesOut, 8 * 1024 * 1024);
    }
  });

  test('extension host loop delay: the job in-process and in the job host both move the 20,000 rows into Parquet and report the delay', async () => {
    for (const [variant, folder] of [['job in-process', 'loop-in-process'], ['job host (job process)', 'loop-job-host']] as const) {
      const r = row('extension host loop delay, kusto→parquet 20,000 rows', variant);
      assert.equal(r.rows, 20_000);
      assert.match((r as ResultRow & { note?: string }).note ?? '', /p99 \d+\.\d ms/);
      let rows = 0;
      for (const part of partFiles(join(dir, 'work', folder), '.parquet')) rows += (await readParquetSchema(part)).numRows;
      assert.equal(rows, 20_000);
    }
  });

  test('jobs view at scale: both ways list the 1,000 jobs; ours reads no journal per progress tick, rereading all reads 2,000', () => {
    const ours = row('jobs view, 1,000 finished jobs', 'jobs view (cached reader)') as ResultRow & { note?: string };
    const all = row('jobs view, 1,000 finished jobs', 'reread every journal') as ResultRow & { note?: string };
    assert.equal(ours.rows, 1000);
    assert.equal(all.rows, 1000);
    assert.match(ours.note ?? '', /with 0 journal\/result reads/);
    assert.match(all.note ?? '', /with 2000 journal\/result reads/);
  });

  test('the extension figures are measured: activation time and VSIX size', () => {
    assert.ok(results.extension, 'extension figures present');
    assert.ok(results.extension.activationMs > 0);
    assert.ok(results.extension.vsixBytes > 100_000, `VSIX of ${results.extension.vsixBytes} bytes`);
  });
});
