import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type FakeKustoServer, progressiveResponse, startFakeKusto } from '../kusto/fakeKustoServer';

const root = resolve(__dirname, '..', '..', '..');
let server: FakeKustoServer;
let work: string;
before(async () => {
  server = await startFakeKusto();
  work = await mkdtemp(join(tmpdir(), 'kdm-cli-'));
});
after(async () => {
  await server?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'src', 'cli.ts'), ...args], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((done) => child.once('exit', (code) => done({ code, stdout, stderr })));
}

describe('kusto-data-mover CLI', () => {
  test('copy with flags writes the file, prints a summary and exits 0; the token comes from KUSTO_ACCESS_TOKEN', async () => {
    server.script([{ chunks: progressiveResponse([['n', 'long'], ['s', 'string']], [['[1,"a"]', '[2,"b,c"]']]) }]);
    const out = join(work, 'quick.csv');
    const r = await cli(['copy', '--cluster', server.url, '--db', 'Db', '--query', 'T', '--out', out, '--format', 'csv', '--layout', 'singleFile', '--read-mode', 'stream', '--job-id', 'cli-1', '--jobs-dir', join(work, 'jobs'), '--progress', 'lines'], { KUSTO_ACCESS_TOKEN: 'cli-token' });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await readFile(out, 'utf8'), 'n,s\n1,a\n2,"b,c"\n');
    assert.match(r.stdout, /^Done: 2 rows, 16 B written, 1 file in \d+\.\d\d s \(\d+(\.\d)?k? rows\/s\), read mode stream$/m);
    assert.match(r.stdout, /^Job: cli-1$/m);
    assert.match(r.stderr, /^done: 2 rows \d+ B read 1 file/m);
    assert.equal(server.requests[0].headers.authorization, 'Bearer cli-token');
  });

  test('copy <job.json> with an invalid spec exits 2 naming the field', async () => {
    const file = join(work, 'bad.json');
    await writeFile(file, JSON.stringify({ version: 1, id: 'bad', createdAt: '2025-01-01T00:00:00Z', source: { kind: 'kustoQuery', connection: { clusterUrl: 'nope', database: 'Db' }, query: 'T' }, destination: { kind: 'files', location: { kind: 'local', path: '/tmp/x' }, format: 'xlsx' } }));
    const r = await cli(['copy', file, '--jobs-dir', join(work, 'jobs')]);
    assert.equal(r.code, 2);
    assert.equal(r.stderr.trim(), 'Invalid job spec:\n  - source.connection.clusterUrl: is not a valid URL: "nope"\n  - destination.format: must be one of "parquet", "csv", "json" (got "xlsx")');
  });

  test('copy --parse-workers puts the Parquet parse workers in the job options', async () => {
    const r = await cli(['copy', '--cluster', 'http://127.0.0.1:1', '--db', 'Db', '--query', 'T', '--out', 'out', '--format', 'parquet', '--parse-workers', '2', '--print-spec', '--jobs-dir', join(work, 'jobs')]);
    assert.equal(r.code, 0, r.stderr);
    const spec = JSON.parse(r.stdout) as { options?: unknown; destination: { format: string } };
    assert.deepEqual(spec.options, { parseWorkers: 2 });
    assert.equal(spec.destination.format, 'parquet');
  });

  test('copy --from builds a files → Kusto job; --print-spec prints it without running anything', async () => {
    const r = await cli(['copy', '--from', 'spark-out', '--cluster', 'https://c.kusto.windows.net', '--db', 'Db', '--table', 'Events', '--mode', 'transactional', '--table-creation', 'merge', '--job-id', 'ingest-1', '--print-spec', '--jobs-dir', join(work, 'jobs')]);
    assert.equal(r.code, 0, r.stderr);
    const spec = JSON.parse(r.stdout) as Record<string, unknown>;
    assert.deepEqual([spec.id, spec.source, spec.destination], [
      'ingest-1',
      { kind: 'files', location: { kind: 'local', path: join(root, 'spark-out') }, layout: 'auto' },
      { kind: 'kustoTable', connection: { clusterUrl: 'https://c.kusto.windows.net', database: 'Db' }, table: 'Events', mode: 'transactional', tableCreation: 'createMerge' },
    ]);
    const missing = await cli(['copy', '--from', 'x', '--cluster', 'https://c.kusto.windows.net', '--db', 'Db']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /^copy --from needs the flags --table$/m);
  });

  test('a failed job exits 1 with the service message; unknown commands exit 2', async () => {
    server.script([{ status: 400, chunks: ['{"error":{"code":"General_BadRequest","@message":"Syntax error: SYN0002: A recognition error occurred.","@permanent":true}}'] }]);
    const r = await cli(['copy', '--cluster', server.url, '--db', 'Db', '--query', 'T |', '--out', join(work, 'x.csv'), '--format', 'csv', '--read-mode', 'stream', '--jobs-dir', join(work, 'jobs'), '--progress', 'none']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^Failed: Syntax error: SYN0002: A recognition error occurred\.$/m);
    assert.equal((await cli(['frobnicate'])).code, 2);
  });
});
