// Kusto → files through the engine against the local Kusto emulator (Kusto prints datetimes
// without a zero fraction, 0001-01-01T00:00:00Z, and the row model keeps Kusto's text): every type exactly into CSV,
// JSON lines and Parquet (judged by pyarrow), cancel at several points, and a CLI killed with
// SIGKILL mid-way that resumes to a complete, correct output.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { createReadStream, existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, test } from 'node:test';
import type { JobSpec } from '../../src/engine/jobSpec';
import { runJob } from '../../src/engine/runner';
import { runJobCancelledAt } from './cancelJobAt';
import { executeManagement } from '../../src/kusto/managementClient';
import { startEmulator } from '../emulator/index';
import { sparkPython } from '../helpers/toolsCache';

type Emulator = Awaited<ReturnType<typeof startEmulator>>;

const root = resolve(__dirname, '..', '..');
const python = sparkPython();
let emulator: Emulator;
let work: string;
const DB = 'Tests';

const typesTable = `.set-or-append AllTypes <| datatable(n:int, b:bool, i:int, l:long, r:real, d:decimal, s:string, t:datetime, ts:timespan, g:guid, dyn:dynamic)[
  1, true, 2147483647, 9223372036854775807, 0.1, decimal(1234567890.123456789012345678), "tab\\there \\"q\\", ünï 😀", datetime(9999-12-31T23:59:59.9999999), timespan(-2.00:00:02.0020002), guid(123e27de-1e4e-49d9-b579-fe0b331d3642), dynamic({"a":[1,{"b":null}],"c":"x"}),
  2, false, -2147483648, -9223372036854775807, real(nan), decimal(-0.000000000000000001), "", datetime(0001-01-01T00:00:00.0000000), timespan(00:00:00), guid(00000000-0000-0000-0000-000000000000), dynamic([]),
  3, bool(null), int(null), long(null), real(null), decimal(null), "", datetime(null), timespan(null), guid(null), dynamic(null),
  4, true, 0, 0, real(-inf), decimal(79228162514264337593543950335), "line1\\nline2", datetime(2020-03-04T14:05:01.3109965), timespan(1.00:00:00), guid(00000000-0000-0000-0000-000000000001), dynamic("text")
]`;

const expectedCsv = [
  'n,b,i,l,r,d,s,t,ts,g,dyn',
  '1,true,2147483647,9223372036854775807,0.1,1234567890.123456789012345678,"tab\there ""q"", ünï 😀",9999-12-31T23:59:59.9999999Z,-2.00:00:02.0020002,123e27de-1e4e-49d9-b579-fe0b331d3642,"{""a"":[1,{""b"":null}],""c"":""x""}"',
  '2,false,-2147483648,-9223372036854775807,NaN,-0.000000000000000001,"",0001-01-01T00:00:00Z,00:00:00,00000000-0000-0000-0000-000000000000,[]',
  '3,,,,,,"",,,,',
  '4,true,0,0,-Infinity,79228162514264337593543950335,"line1\nline2",2020-03-04T14:05:01.3109965Z,1.00:00:00,00000000-0000-0000-0000-000000000001,"""text"""',
  '',
].join('\n');

const expectedJsonLines = [
  '{"n":1,"b":true,"i":2147483647,"l":9223372036854775807,"r":0.1,"d":"1234567890.123456789012345678","s":"tab\\there \\"q\\", ünï 😀","t":"9999-12-31T23:59:59.9999999Z","ts":"-2.00:00:02.0020002","g":"123e27de-1e4e-49d9-b579-fe0b331d3642","dyn":{"a":[1,{"b":null}],"c":"x"}}',
  '{"n":2,"b":false,"i":-2147483648,"l":-9223372036854775807,"r":"NaN","d":"-0.000000000000000001","s":"","t":"0001-01-01T00:00:00Z","ts":"00:00:00","g":"00000000-0000-0000-0000-000000000000","dyn":[]}',
  '{"n":3,"b":null,"i":null,"l":null,"r":null,"d":null,"s":"","t":null,"ts":null,"g":null,"dyn":null}',
  '{"n":4,"b":true,"i":0,"l":0,"r":"-Infinity","d":"79228162514264337593543950335","s":"line1\\nline2","t":"2020-03-04T14:05:01.3109965Z","ts":"1.00:00:00","g":"00000000-0000-0000-0000-000000000001","dyn":"text"}',
  '',
].join('\n');

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'kdm-source-'));
  emulator = await startEmulator({ auth: 'open', databases: [DB] });
  await executeManagement({ clusterUrl: emulator.url, database: DB }, typesTable);
});
after(async () => {
  await emulator?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

let jobCount = 0;
function job(query: string, destination: Partial<Extract<JobSpec['destination'], { kind: 'files' }>>): JobSpec {
  jobCount++;
  return {
    version: 1,
    id: `src-${jobCount}`,
    createdAt: new Date().toISOString(),
    source: { kind: 'kustoQuery', connection: { clusterUrl: emulator.url, database: DB }, query, readMode: 'stream' },
    destination: { kind: 'files', location: { kind: 'local', path: join(work, `out-${jobCount}`) }, format: 'csv', layout: 'singleFile', ...destination },
    options: { retry: { maxAttempts: 3, initialDelayMs: 10, maxDelayMs: 50 }, progressIntervalMs: 1 },
  };
}

function outputOf(spec: JobSpec): string {
  return (spec.destination as { location: { path: string } }).location.path;
}

async function visibleEntries(): Promise<string[]> {
  return (await readdir(work)).filter((n) => !n.startsWith('jobs'));
}

describe('Kusto → files against the emulator', () => {
  test('every type, null and edge value lands exactly in CSV', async () => {
    const spec = job('AllTypes | order by n asc', { format: 'csv' });
    const result = await runJob(spec, { jobsDir: join(work, 'jobs') });
    assert.equal(result.state, 'succeeded', result.error);
    assert.equal(result.rows, 4);
    assert.equal(await readFile(outputOf(spec), 'utf8'), expectedCsv);
  });

  test('every type lands exactly in JSON lines', async () => {
    const spec = job('AllTypes | order by n asc', { format: 'json' });
    const result = await runJob(spec, { jobsDir: join(work, 'jobs') });
    assert.equal(result.state, 'succeeded', result.error);
    assert.equal(await readFile(outputOf(spec), 'utf8'), expectedJsonLines);
  });

  test('every type lands exactly in a Spark folder of Parquet, as pyarrow reads it', async () => {
    // Row 4 holds the largest Kusto decimal, which DECIMAL(38,18) cannot hold: the Parquet writer refuses it.
    const spec = job('AllTypes | where n < 4 | order by n asc', { format: 'parquet', layout: 'sparkFolder' });
    const result = await runJob(spec, { jobsDir: join(work, 'jobs') });
    assert.equal(result.state, 'succeeded', result.error);
    const folder = outputOf(spec);
    const names = (await readdir(folder)).sort();
    assert.deepEqual(names, ['_SUCCESS', '_kdm_output.json', `part-00000-${spec.id}-c000.snappy.parquet`]);
    const script = `
import decimal, json, sys, pyarrow.parquet as pq
t = pq.read_table(sys.argv[1])
print(json.dumps([str(f.type) for f in t.schema]))
def show(v):
    if v is None or isinstance(v, (bool, int, str)): return v
    if isinstance(v, decimal.Decimal): return format(v, 'f')
    return str(v)
for row in t.to_pylist():
    print(json.dumps({k: show(v) for k, v in row.items()}, ensure_ascii=False))
`;
    const out = execFileSync(python, ['-c', script, join(folder, names[2])]).toString().trim().split('\n');
    assert.deepEqual(out, [
      '["int32", "bool", "int32", "int64", "double", "decimal128(38, 18)", "string", "timestamp[us, tz=UTC]", "int64", "string", "string"]',
      '{"n": 1, "b": true, "i": 2147483647, "l": 9223372036854775807, "r": "0.1", "d": "1234567890.123456789012345678", "s": "tab\\there \\"q\\", ünï 😀", "t": "9999-12-31 23:59:59.999999+00:00", "ts": -1728020020002, "g": "123e27de-1e4e-49d9-b579-fe0b331d3642", "dyn": "{\\"a\\":[1,{\\"b\\":null}],\\"c\\":\\"x\\"}"}',
      '{"n": 2, "b": false, "i": -2147483648, "l": -9223372036854775807, "r": "nan", "d": "-0.000000000000000001", "s": "", "t": "0001-01-01 00:00:00+00:00", "ts": 0, "g": "00000000-0000-0000-0000-000000000000", "dyn": "[]"}',
      '{"n": 3, "b": null, "i": null, "l": null, "r": null, "d": null, "s": "", "t": null, "ts": null, "g": null, "dyn": null}',
    ]);
  });

  test('an empty result gives a file with the header only', async () => {
    const spec = job('AllTypes | where n > 100 | project n, s', { format: 'csv' });
    const result = await runJob(spec, { jobsDir: join(work, 'jobs') });
    assert.equal(result.state, 'succeeded', result.error);
    assert.equal(result.rows, 0);
    assert.equal(await readFile(outputOf(spec), 'utf8'), 'n,s\n');
  });

  test('a bad query fails with the service message and leaves nothing', async () => {
    const spec = job('NoSuchTable | take 1', { format: 'csv' });
    const result = await runJob(spec, { jobsDir: join(work, 'jobs') });
    assert.equal(result.state, 'failed');
    assert.match(result.error ?? '', /NoSuchTable/);
    assert.ok(!existsSync(outputOf(spec)));
  });

  test('a 503, a 429 and a connection cut mid-stream are retried, and every row is written exactly once', async () => {
    const query = 'range i from 1 to 20000 step 1 | extend marker = "FaultT"';
    // Every matching request counts for every rule: the 1st gets the 503, the 2nd the 429, the 3rd the cut.
    emulator.addFault({ endpoint: 'v2/rest/query', command: 'FaultT', status: 503, times: 1 });
    emulator.addFault({ endpoint: 'v2/rest/query', command: 'FaultT', status: 429, retryAfterSeconds: 0, everyNth: 2, times: 1 });
    emulator.addFault({ endpoint: 'v2/rest/query', command: 'FaultT', resetAfterBytes: 50_000, everyNth: 3, times: 1 });
    const warnings: string[] = [];
    const spec = job(query, { format: 'csv', layout: 'sparkFolder', maxRowsPerFile: 7000 });
    spec.options = { ...spec.options, retry: { maxAttempts: 5, initialDelayMs: 10, maxDelayMs: 50 } };
    try {
      const result = await runJob(spec, { jobsDir: join(work, 'jobs'), log: { info: () => undefined, debug: () => undefined, error: () => undefined, warn: (m) => warnings.push(m) } });
      assert.equal(result.state, 'succeeded', result.error);
      assert.equal(warnings.length, 3, warnings.join('\n'));
      assert.deepEqual(await sumCsvFolder(outputOf(spec)), { rows: 20_000, sum: 200_010_000n });
      // 3 part files, _SUCCESS and our marker.
      assert.equal((await readdir(outputOf(spec))).length, 5);
    } finally {
      emulator.clearFaults();
    }
  });

  for (const point of ['before the start', 'after the first rows', 'at commit'] as const) {
    test(`cancel ${point} leaves no visible or hidden output`, async () => {
      const before = await visibleEntries();
      const spec = job('range i from 1 to 300000 step 1', { format: 'parquet', layout: 'sparkFolder' });
      const result = await runJobCancelledAt(spec, join(work, 'jobs'), point);
      assert.equal(result.state, 'canceled');
      assert.deepEqual(await visibleEntries(), before);
    });
  }
});

async function sumCsvFolder(folder: string): Promise<{ rows: number; sum: bigint }> {
  let rows = 0;
  let sum = 0n;
  for (const name of (await readdir(folder)).filter((n) => n.endsWith('.csv')).sort()) {
    let header = true;
    for await (const line of createInterface({ input: createReadStream(join(folder, name)) })) {
      if (header) {
        header = false;
        continue;
      }
      if (line === '') continue;
      rows++;
      sum += BigInt(line.split(',')[0]);
    }
  }
  return { rows, sum };
}

describe('CLI killed with SIGKILL mid-way', () => {
  test('resume <jobId> ends with the complete, correct output (2,000,000 rows, checksum)', async () => {
    const out = join(work, 'killed');
    const jobsDir = join(work, 'jobs-cli');
    const args = [join(root, 'dist', 'cli.js'), 'copy', '--cluster', emulator.url, '--db', DB, '--query', 'range i from 1 to 2000000 step 1 | extend s = strcat("r", tostring(i))', '--out', out, '--format', 'csv', '--layout', 'sparkFolder', '--max-rows-per-file', '500000', '--read-mode', 'stream', '--job-id', 'killed-1', '--jobs-dir', jobsDir, '--progress', 'json'];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let killedAtRows = 0;
    const exited = new Promise<NodeJS.Signals | null>((done) => child.once('exit', (_code, signal) => done(signal)));
    for await (const line of createInterface({ input: child.stderr })) {
      const rows = (JSON.parse(line) as { progress?: { rows?: number } }).progress?.rows ?? 0;
      if (rows >= 300_000) {
        killedAtRows = rows;
        child.kill('SIGKILL');
        break;
      }
    }
    assert.equal(await exited, 'SIGKILL');
    assert.ok(killedAtRows >= 300_000 && killedAtRows < 2_000_000, `killed at ${killedAtRows} rows`);
    assert.ok(!existsSync(out), 'nothing is visible under the final name after the kill');
    const journal = JSON.parse(await readFile(join(jobsDir, 'killed-1', 'journal.json'), 'utf8')) as { state: string };
    assert.equal(journal.state, 'running');

    const resumed = spawn(process.execPath, [join(root, 'dist', 'cli.js'), 'resume', 'killed-1', '--jobs-dir', jobsDir, '--progress', 'none'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    resumed.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    const code = await new Promise<number | null>((done) => resumed.once('exit', (c) => done(c)));
    assert.equal(code, 0, stdout);
    assert.match(stdout, /^Done: 2000000 rows/m);
    assert.deepEqual(await sumCsvFolder(out), { rows: 2_000_000, sum: 2_000_001_000_000n });
    assert.deepEqual((await readdir(work)).filter((n) => n.startsWith('.killed')), []);
  });
});
