// The benchmark harness in quick mode, as CI runs it: every scenario and variant finishes, moves
// the same data, and leaves output that is checked here (row counts read back from the files and
// the table, byte counts). Speed is never asserted: ratios are for people (npm run bench).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
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

  test('Kusto → Parquet: the engine (and with 2 parse workers), the SDK way and the raw copy each move the 20,000 rows; the Parquet files hold them', async () => {
    for (const variant of ['raw copy (limit)', 'sdk execute + write', 'engine', 'engine, 2 parse workers', 'JSON.parse only (reference)']) assert.equal(row('kusto→parquet 20,000 rows', variant).rows, 20_000);
    for (const variant of ['engine-parquet', 'engine-workers-parquet', 'sdk-parquet']) {
      let rows = 0;
      for (const part of partFiles(join(dir, 'work', variant), '.parquet')) rows += (await readParquetSchema(part)).numRows;
      assert.equal(rows, 20_000, `${variant} footers`);
    }
  });

  test('Kusto → CSV: every variant moves the 20,000 rows and the engine folder has a header and 20,000 lines', () => {
    for (const variant of ['raw copy (limit)', 'sdk execute + write', 'engine']) assert.equal(row('kusto→csv 20,000 rows', variant).rows, 20_000);
    const folder = join(dir, 'work', 'engine-csv');
    const lines = partFiles(folder, '.csv').flatMap((f) => readFileSync(f, 'utf8').trimEnd().split('\n').slice(1));
    assert.equal(lines.length, 20_000);
    assert.ok(readdirSync(folder).includes('_SUCCESS'));
  });

  test('folder → Kusto: the engine and the SDK each land the 20,000 rows (counted in the table); the upload moves the same bytes', () => {
    const engine = row('folder→kusto 10 Parquet parts', 'engine (queued)');
    const sdk = row('folder→kusto 10 Parquet parts', 'sdk ingestFromFile one by one');
    const upload = row('folder→kusto 10 Parquet parts', 'raw parallel upload (limit)');
    assert.equal(engine.rows, 20_000);
    assert.equal(sdk.rows, 20_000);
    assert.equal(upload.bytesOut, engine.bytesOut);
    assert.ok(engine.bytesOut > 4_000_000, `the folder holds ${engine.bytesOut} bytes`);
    // Each variant also says when everything was enqueued: before it was final, never after.
    for (const r of [engine, sdk, upload]) {
      assert.ok(r.enqueuedSeconds !== undefined && r.enqueuedSeconds > 0 && r.enqueuedSeconds <= r.seconds, `${r.variant}: enqueued after ${r.enqueuedSeconds} s of ${r.seconds} s`);
    }
  });

  test('the generated Parquet folder has 10 parts whose footers add up to 20,000 rows', async () => {
    const parts = partFiles(join(dir, 'work', 'parquet-folder'), '.parquet');
    assert.equal(parts.length, 10);
    let rows = 0;
    for (const part of parts) rows += (await readParquetSchema(part)).numRows;
    assert.equal(rows, 20_000);
  });

  test('export download: both ways fetch the 8 files of 1 MiB', () => {
    for (const variant of ['one by one', 'engine (parallel)']) {
      const r = row('export download 8 files', variant);
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

  test('the extension figures are measured: activation time and VSIX size', () => {
    assert.ok(results.extension, 'extension figures present');
    assert.ok(results.extension.activationMs > 0);
    assert.ok(results.extension.vsixBytes > 100_000, `VSIX of ${results.extension.vsixBytes} bytes`);
  });
});
