import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ProgressEvent } from '../../../src/engine/jobContext';
import type { JobSpec } from '../../../src/engine/jobSpec';
import type { JournalRecord } from '../../../src/engine/journal';
import { resumeJob, runJob } from '../../../src/engine/runner';
import { type FakeKustoServer, progressiveResponse, startFakeKusto } from '../kusto/fakeKustoServer';

let server: FakeKustoServer;
let work: string;
before(async () => {
  server = await startFakeKusto();
  work = await mkdtemp(join(tmpdir(), 'kdm-runner-'));
});
after(async () => {
  await server?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

const columns: Array<[string, string]> = [['id', 'long'], ['name', 'string'], ['at', 'datetime'], ['bag', 'dynamic']];
const fragments = [
  ['[9223372036854775807,"a\\"b","2020-03-04T14:05:01.3109965Z",{"k":[1,2]}]', '[2,"",null,null]'],
  ['[-3,"ünï",  "0001-01-01T00:00:00.0000000Z","x"]'],
];
const expectedJsonLines =
  '{"id":9223372036854775807,"name":"a\\"b","at":"2020-03-04T14:05:01.3109965Z","bag":{"k":[1,2]}}\n' +
  '{"id":2,"name":"","at":null,"bag":null}\n' +
  '{"id":-3,"name":"ünï","at":"0001-01-01T00:00:00.0000000Z","bag":"x"}\n';

let counter = 0;
function spec(overrides: Partial<JobSpec['destination']> = {}): JobSpec {
  counter++;
  return {
    version: 1,
    id: `unit-${counter}`,
    createdAt: '2025-01-01T00:00:00.000Z',
    source: { kind: 'kustoQuery', connection: { clusterUrl: server.url, database: 'Db' }, query: 'T', readMode: 'stream' },
    destination: { kind: 'files', location: { kind: 'local', path: join(work, `out-${counter}.json`) }, format: 'json', layout: 'singleFile', ...overrides } as JobSpec['destination'],
    options: { retry: { maxAttempts: 4, initialDelayMs: 1, maxDelayMs: 5 }, progressIntervalMs: 1 },
  };
}

function outPath(s: JobSpec): string {
  return (s.destination as { location: { path: string } }).location.path;
}

async function journal(jobsDir: string, id: string): Promise<JournalRecord> {
  return JSON.parse(await readFile(join(jobsDir, id, 'journal.json'), 'utf8')) as JournalRecord;
}

describe('runJob (Kusto query → files, against a fake v2 endpoint)', () => {
  test('streams the result into a JSON lines file with exact values and a journal that says succeeded', async () => {
    server.script([{ chunks: progressiveResponse(columns, fragments) }]);
    const s = spec();
    const jobsDir = join(work, 'jobs');
    const events: ProgressEvent[] = [];
    const result = await runJob(s, { jobsDir, onProgress: (e) => events.push(e) });
    assert.equal(result.state, 'succeeded', result.error);
    assert.equal(result.rows, 3);
    assert.deepEqual(result.files, [outPath(s)]);
    assert.equal(await readFile(outPath(s), 'utf8'), expectedJsonLines);
    assert.equal(server.requests[0].body.csl, 'set notruncation;\nT');
    const record = await journal(jobsDir, s.id);
    assert.equal(record.state, 'succeeded');
    assert.equal(record.readMode, 'stream');
    assert.equal(record.result?.rows, 3);
    assert.deepEqual([...new Set(events.map((e) => e.phase))], ['planning', 'reading', 'writing', 'committing', 'done']);
    assert.equal(events.at(-1)?.rows, 3);
  });

  test('retries a 503, a 429 and a reset mid-stream, and writes each row exactly once', async () => {
    const body = progressiveResponse(columns, fragments);
    server.script([
      { status: 503, chunks: ['Service Unavailable'] },
      { status: 429, headers: { 'Retry-After': '0' }, chunks: ['{"error":{"code":"TooManyRequests","@message":"throttled"}}'] },
      { chunks: body, resetAfterChunks: 3 },
      { chunks: body },
    ]);
    const s = spec();
    const result = await runJob(s, { jobsDir: join(work, 'jobs') });
    assert.equal(result.state, 'succeeded', result.error);
    assert.equal(server.requests.length, 4);
    assert.equal(await readFile(outPath(s), 'utf8'), expectedJsonLines);
  });

  test('fails at once on a permanent error, leaving no output and a journal with the message', async () => {
    server.script([{ status: 400, chunks: ['{"error":{"code":"General_BadRequest","@message":"Semantic error: SEM0100: Failed to resolve table \'T\'","@permanent":true}}'] }]);
    const s = spec();
    const jobsDir = join(work, 'jobs');
    const result = await runJob(s, { jobsDir });
    assert.equal(result.state, 'failed');
    assert.equal(result.error, "Semantic error: SEM0100: Failed to resolve table 'T'");
    assert.equal(server.requests.length, 1);
    assert.deepEqual((await readdir(work)).filter((n) => n.includes(`out-${counter}`)), []);
    assert.equal((await journal(jobsDir, s.id)).state, 'failed');
  });

  test('a OneApiError in the middle of the stream fails the job and leaves nothing visible', async () => {
    const chunks = progressiveResponse(columns, fragments);
    chunks.splice(3, 0, ',\n{"FrameType":"TableFragment","TableFragmentType":"DataAppend","TableId":1,"Rows":[{"OneApiErrors":[{"error":{"code":"LimitsExceeded","@message":"Query execution has exceeded the allowed limits (E_QUERY_RESULT_SET_TOO_LARGE).","@permanent":true}}]}]}');
    server.script([{ chunks }]);
    const s = spec({ layout: 'sparkFolder', location: { kind: 'local', path: join(work, `folder-${counter + 1}`) } } as Partial<JobSpec['destination']>);
    const result = await runJob(s, { jobsDir: join(work, 'jobs') });
    assert.equal(result.state, 'failed');
    assert.match(result.error ?? '', /E_QUERY_RESULT_SET_TOO_LARGE/);
    assert.match(result.error ?? '', /set notruncation;/);
    assert.deepEqual((await readdir(work)).filter((n) => n.includes(`folder-${counter}`)), []);
  });

  test('cancel mid-stream ends as canceled with no visible or hidden output left', async () => {
    server.script([{ chunks: progressiveResponse(columns, fragments), stallAfterChunks: 3 }]);
    const s = spec({ layout: 'sparkFolder', format: 'parquet', location: { kind: 'local', path: join(work, `cancel-${counter + 1}`) } } as Partial<JobSpec['destination']>);
    const controller = new AbortController();
    const result = await runJob(s, {
      jobsDir: join(work, 'jobs'),
      signal: controller.signal,
      onProgress: (e) => {
        if ((e.rows ?? 0) >= 2) controller.abort();
      },
    });
    assert.equal(result.state, 'canceled');
    assert.deepEqual((await readdir(work)).filter((n) => n.includes(`cancel-${counter}`)), []);
    assert.equal((await journal(join(work, 'jobs'), s.id)).state, 'canceled');
  });

  test('resume of a canceled job runs it again to completion; resume of a finished job returns its result', async () => {
    server.script([{ chunks: progressiveResponse(columns, fragments), stallAfterChunks: 3 }]);
    const s = spec();
    const jobsDir = join(work, 'jobs');
    const controller = new AbortController();
    const first = await runJob(s, { jobsDir, signal: controller.signal, onProgress: (e) => (e.rows ?? 0) >= 2 && controller.abort() });
    assert.equal(first.state, 'canceled');
    server.script([{ chunks: progressiveResponse(columns, fragments) }]);
    const second = await resumeJob(s.id, { jobsDir });
    assert.equal(second.state, 'succeeded', second.error);
    assert.equal(await readFile(outPath(s), 'utf8'), expectedJsonLines);
    assert.equal((await journal(jobsDir, s.id)).runs, 2);
    const third = await resumeJob(s.id, { jobsDir });
    assert.deepEqual([third.state, third.rows], ['succeeded', 3]);
    assert.equal(server.requests.length, 1);
  });

  test('never writes a token into the journal or the log', async () => {
    server.script([{ status: 401, chunks: ['{"error":{"code":"Unauthorized","@message":"token Bearer sekrit-token-value was rejected"}}'] }]);
    const s = spec();
    const jobsDir = join(work, 'jobs');
    const result = await runJob(s, { jobsDir, credentials: { resolve: () => ({ getToken: async () => 'sekrit-token-value' }) } });
    assert.equal(result.state, 'failed');
    const files = [await readFile(join(jobsDir, s.id, 'journal.json'), 'utf8'), await readFile(join(jobsDir, s.id, 'job.log'), 'utf8'), result.error ?? ''];
    for (const text of files) assert.ok(!text.includes('sekrit-token-value'), text);
    assert.match(result.error ?? '', /Bearer \*\*\*/);
  });

  test('a run killed after publishing but before journalling success is completed by resume without querying again', async () => {
    server.script([{ chunks: progressiveResponse(columns, fragments) }]);
    const s = spec({ layout: 'sparkFolder', location: { kind: 'local', path: join(work, `published-${counter + 1}`) } } as Partial<JobSpec['destination']>);
    const jobsDir = join(work, 'jobs');
    assert.equal((await runJob(s, { jobsDir })).state, 'succeeded');
    // What a kill -9 right after the rename leaves: the journal still says running, committing.
    const record = await journal(jobsDir, s.id);
    await writeFile(join(jobsDir, s.id, 'journal.json'), JSON.stringify({ ...record, state: 'running', phase: 'committing', pid: 4194000, result: { rows: 3, bytes: 0, files: [], seconds: 0 } }));
    server.script([{ status: 500, chunks: ['must not be asked'] }]);
    const resumed = await resumeJob(s.id, { jobsDir });
    assert.deepEqual([resumed.state, resumed.rows], ['succeeded', 3]);
    assert.equal(server.requests.length, 0);
  });
});
