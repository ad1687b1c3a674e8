// Exactly once and all or nothing for files → Kusto when jobs meet, replies are lost and commands
// fail once (issue 22, items 1–5), against the emulator with Azurite: two transactional jobs at
// once, a rerun from the CLI, a streaming answer cut after the service ingested, 503/429 on
// management commands, a lost `.move extents` answer, and statuses that are not final in time.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator, trustEmulatorCertificate } from '../emulator/index';
import { holdEmulatorIngestion } from '../helpers/ingestionGate';
import type { JobContext } from '../../src/engine/jobContext';
import type { JobSpec, KustoTableDestination } from '../../src/engine/jobSpec';
import { resumeJob } from '../../src/engine/runner';
import { type FilesToKustoDeps, runFilesToKusto, type SinkResult } from '../../src/engine/sink/runFilesToKusto';
import { executeManagement, executeManagementRecords } from '../../src/kusto/managementClient';
import { fileIdentity } from '../../src/spark/sparkFolderReader';

type Emulator = Awaited<ReturnType<typeof startEmulator>>;
let emulator: Emulator;
let dir: string;
const DB = 'Sink';
const root = join(__dirname, '..', '..');

function put(path: string, content: string): void {
  const full = join(dir, path);
  mkdirSync(join(full, '..'), { recursive: true });
  writeFileSync(full, content);
}

/** Four CSV part files, ids 1..100 (25 each), name "n<id>". */
function writeHundredRows(folder: string): void {
  for (let p = 0; p < 4; p++) {
    const lines = ['id,name'];
    for (let id = p * 25 + 1; id <= (p + 1) * 25; id++) lines.push(`${id},n${id}`);
    put(`${folder}/part-0000${p}-abc.c000.csv`, `${lines.join('\n')}\n`);
  }
  put(`${folder}/_SUCCESS`, '');
}

function spec(id: string, folder: string, table: string, destination: Partial<KustoTableDestination> = {}): JobSpec {
  return {
    version: 1,
    id,
    createdAt: '2026-01-01T00:00:00Z',
    source: { kind: 'files', location: { kind: 'local', path: join(dir, folder) } },
    destination: { kind: 'kustoTable', connection: { clusterUrl: emulator.url, database: DB }, table, mode: 'queued', tableCreation: 'createIfNotExists', statusPollIntervalMs: 20, statusTimeoutMs: 20_000, ...destination },
    options: { retry: { maxAttempts: 4, initialDelayMs: 10, maxDelayMs: 20 } },
  };
}

const warnings: string[] = [];

function run(job: JobSpec, deps: FilesToKustoDeps = {}): Promise<SinkResult> {
  const ctx: JobContext = {
    jobId: job.id,
    signal: new AbortController().signal,
    log: { info: () => undefined, warn: (m) => warnings.push(m), error: () => undefined, debug: () => undefined },
    progress: () => undefined,
    credentials: { resolve: () => undefined },
    jobDir: join(dir, 'jobs', job.id),
  };
  return runFilesToKusto(job, ctx, { concurrency: 1, statusTableCa: emulator.statusTable.caPem, ...deps });
}

async function rows(query: string): Promise<unknown[][]> {
  const [table] = await executeManagement({ clusterUrl: emulator.url, database: DB }, query, 'v1/rest/query');
  return table?.rows ?? [];
}

async function mgmt(command: string): Promise<Array<Record<string, unknown>>> {
  return executeManagementRecords({ clusterUrl: emulator.url, database: DB }, command);
}

async function tempTables(): Promise<string[]> {
  return (await mgmt('.show tables')).map((r) => String(r.TableName)).filter((t) => t.includes('_kdm_tmp_'));
}

/** Row count, and sha256 of "id,name" lines ordered by id. */
async function contentOf(table: string): Promise<{ count: number; sha256: string }> {
  const all = await rows(`${table} | order by id asc | project id, name`);
  return { count: all.length, sha256: createHash('sha256').update(all.map((r) => `${r[0]},${r[1]}`).join('\n')).digest('hex') };
}

const HUNDRED = { count: 100, sha256: '78820d6f2983fefa94935aa2ff856405a2b4cab25d6a41d851b33776cec7d928' };

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/** Waits for `promise`, or gives up after `ms` (so that a test whose other side failed ends instead of hanging). */
function within(promise: Promise<void>, ms: number): Promise<void> {
  return Promise.race([promise, new Promise<void>((r) => setTimeout(r, ms).unref())]);
}

function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [join(root, 'dist', 'cli.js'), ...args], { env: { ...process.env, NODE_EXTRA_CA_CERTS: emulator.statusTable.caPemPath }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
  return new Promise((resolve) => child.on('close', (code) => {
    clearTimeout(timer);
    resolve({ code, stdout, stderr });
  }));
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kdm-sink-once-'));
  emulator = await startEmulator({ databases: [DB], auth: 'open', ingestionPollMs: 50 });
  trustEmulatorCertificate(emulator);
  writeHundredRows('hundred');
});

after(async () => {
  await emulator?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('two transactional jobs at once (item 1)', () => {
  test('ids that end alike: the failed job commits nothing, the good one exactly its rows, no temp table left', async () => {
    await mgmt('.create table TxShared (id:long, name:string)');
    put('withbad/a-good.json', '{"id":1001,"name":"b1"}\n{"id":1002,"name":"b2"}\n');
    put('withbad/z-bad.json', '{"id": 2, "name\n');
    const good = spec('nightly-load-customers-2024-t1', 'hundred', 'TxShared', { mode: 'transactional' });
    const bad = spec('weekly-load-customers-2024-t1', 'withbad', 'TxShared', { mode: 'transactional' });
    (bad.source as { format?: string }).format = 'json';
    // Interleave them so that both transactions are open together: the good job moves its extents
    // only once every file of the bad job sits in the bad job's temp table, and the bad job aborts
    // only after that move.
    const badAllFinal = deferred();
    const goodMoved = deferred();
    let badFinals = 0;
    const goodRun = run(good, {
      checkpoint: async (point) => {
        if (point === 'beforeMove') await within(badAllFinal.promise, 20_000);
        if (point === 'afterMove') goodMoved.resolve();
      },
    }).finally(goodMoved.resolve);
    const badRun = run(bad, {
      checkpoint: async (point) => {
        if (point !== 'fileFinal') return;
        if (++badFinals === 2) badAllFinal.resolve();
        await within(goodMoved.promise, 20_000);
      },
    }).finally(badAllFinal.resolve);
    const [goodResult, badResult] = await Promise.all([goodRun, badRun]);
    assert.equal(badFinals, 2, 'both files of the failing job reached a final status before it aborted');
    assert.equal(goodResult.state, 'succeeded', goodResult.error);
    assert.equal(badResult.state, 'failed');
    assert.match(badResult.error ?? '', /nothing was committed to TxShared: 1 file\(s\) failed: z-bad\.json/);
    assert.deepEqual(await rows('TxShared | where id > 1000 | count'), [[0]], 'no row of the failed job is in the table');
    assert.deepEqual(await contentOf('TxShared'), HUNDRED);
    assert.deepEqual(await tempTables(), []);
  });
});

describe('a rerun from the CLI (item 2)', () => {
  test('the same copy --from twice leaves the row count unchanged; --reingest doubles it and says so', { skip: !existsSync(join(root, 'dist', 'cli.js')) && 'needs npm run build' }, async () => {
    const jobsDir = join(dir, 'cli-jobs');
    const args = ['copy', '--from', join(dir, 'hundred'), '--cluster', emulator.url, '--db', DB, '--table', 'CliRerun', '--jobs-dir', jobsDir, '--progress', 'none'];
    const first = await runCli(args);
    assert.equal(first.code, 0, first.stderr);
    assert.deepEqual(await contentOf('CliRerun'), HUNDRED);

    const second = await runCli(args);
    assert.equal(second.code, 0, second.stderr);
    assert.deepEqual(await contentOf('CliRerun'), HUNDRED, 'a rerun (a new job id) ingests nothing twice');
    assert.match(second.stderr, /warning: 4 file\(s\) were already in table CliRerun .* skipped.*--reingest/);

    const third = await runCli([...args, '--reingest']);
    assert.equal(third.code, 0, third.stderr);
    assert.deepEqual(await rows('CliRerun | count'), [[200]]);
    assert.deepEqual(await rows('CliRerun | summarize n = count() by id | where n != 2 | count'), [[0]], 'every row exactly twice');
    assert.match(third.stderr, /warning: re-ingest: 4 file\(s\) were ingested into table CliRerun whether or not their rows were there already/);
  });
});

describe('a deliberate re-ingest resumed after a crash (item 2)', () => {
  test('killed after two files, its record of them lost: the resume finds its own re-ingest tags, each row exactly twice', async () => {
    const first = await run(spec('reingest-base', 'hundred', 'Reingested'));
    assert.equal(first.state, 'succeeded', first.error);
    const job = spec('reingest-kill', 'hundred', 'Reingested');
    job.options = { ...job.options, reingest: true };
    const specFile = join(dir, 'reingest-kill.json');
    writeFileSync(specFile, JSON.stringify(job));
    const jobDir = join(dir, 'jobs', job.id);
    const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'sinkKillChild.ts'), specFile, jobDir, 'fileFinal:2'], { env: { ...process.env, NODE_EXTRA_CA_CERTS: emulator.statusTable.caPemPath }, stdio: 'ignore' });
    const signal = await new Promise<NodeJS.Signals | null>((resolve) => child.on('close', (_code, sig) => resolve(sig)));
    assert.equal(signal, 'SIGKILL');
    // As if the state write of those two files was lost: only the tags can tell.
    const stateFile = join(jobDir, 'sink-state.json');
    writeFileSync(stateFile, JSON.stringify({ ...JSON.parse(readFileSync(stateFile, 'utf8')), files: {} }));
    const resumed = await run(job);
    assert.equal(resumed.state, 'succeeded', resumed.error);
    // The two files final before the kill are skipped by their re-ingest tag; the other two were
    // enqueued before the kill too (uploads do not wait for statuses) and are skipped or sent now.
    assert.ok(resumed.files.filter((f) => f.status === 'Skipped').length >= 2, JSON.stringify(resumed.files.map((f) => f.status)));
    assert.ok(resumed.files.every((f) => f.status === 'Skipped' || f.status === 'Succeeded'));
    assert.deepEqual(await rows('Reingested | summarize n = count() by id | summarize ids = count(), min(n), max(n)'), [[100, 2, 2]]);
  });
});

describe('a job begun by an earlier version (item 2)', () => {
  test('a file that version tagged with the job id (ingest-by:<jobId>:<identity>) is skipped on resume, not ingested again', async () => {
    put('legacy/part-00000.csv', 'id,name\n7,old\n');
    put('legacy/part-00001.csv', 'id,name\n8,new\n');
    await mgmt('.create table Legacy (id:long, name:string)');
    // What the earlier version left: the first file's rows under its old tag (killed before it journaled the outcome).
    const contentHash = createHash('sha256').update(readFileSync(join(dir, 'legacy/part-00000.csv'))).digest('hex');
    const oldTag = `ingest-by:legacy-job:${fileIdentity(contentHash, 'part-00000.csv', {})}`;
    await mgmt(`.set-or-append Legacy with (tags='["${oldTag}"]') <| datatable(id:long, name:string)[7, "old"]`);
    const result = await run(spec('legacy-job', 'legacy', 'Legacy'));
    assert.equal(result.state, 'succeeded', result.error);
    assert.deepEqual(result.files.map((f) => [f.relativePath, f.status]), [['part-00000.csv', 'Skipped'], ['part-00001.csv', 'Succeeded']]);
    assert.deepEqual(await rows('Legacy | order by id asc | project id, name'), [[7, 'old'], [8, 'new']]);
  });
});

describe('streaming with a lost answer (item 3)', () => {
  test('the connection is cut after the service ingested: the file is not sent again and its outcome is Unknown, also on resume', async () => {
    const lines = ['id,name'];
    for (let id = 1; id <= 3000; id++) lines.push(`${id},s${id}`);
    put('stream3000/part-00000.csv', `${lines.join('\n')}\n`);
    await mgmt('.create table StreamCut (id:long, name:string)');
    await mgmt('.alter table StreamCut policy streamingingestion enable');
    const fault = emulator.addFault({ endpoint: 'rest/ingest', resetAfterBytes: 0, times: 1 });
    try {
      const job = spec('stream-cut', 'stream3000', 'StreamCut', { mode: 'streaming' });
      const result = await run(job);
      assert.deepEqual(await rows('StreamCut | count'), [[3000]], 'the ingested rows are in the table once');
      assert.deepEqual(await rows('StreamCut | summarize n = count() by id | where n > 1 | count'), [[0]]);
      assert.equal(result.state, 'unknown', result.error);
      assert.deepEqual(result.files.map((f) => [f.status, f.via]), [['Unknown', 'streaming']]);
      assert.match(result.error ?? '', /1 of 1 file\(s\) have an unknown outcome .*the answer to its streaming request was lost.*not sent again/);
      const again = await run(job);
      assert.equal(again.state, 'unknown');
      assert.deepEqual(await rows('StreamCut | count'), [[3000]], 'the resume does not send it blind either');
    } finally {
      emulator.removeFault(fault);
    }
  });
});

describe('streaming with an error answer (item 3)', () => {
  test('a 503 from the streaming endpoint is clear (nothing ingested): the request is sent again, every row once', async () => {
    put('stream2/part-00000.csv', 'id,name\n1,a\n2,b\n');
    await mgmt('.create table Stream503 (id:long, name:string)');
    await mgmt('.alter table Stream503 policy streamingingestion enable');
    const fault = emulator.addFault({ endpoint: 'rest/ingest/Sink/Stream503', status: 503, times: 1, retryAfterSeconds: 0 });
    try {
      const result = await run(spec('stream-503', 'stream2', 'Stream503', { mode: 'streaming' }));
      assert.equal(result.state, 'succeeded', result.error);
      assert.deepEqual(result.files.map((f) => [f.status, f.via]), [['Succeeded', 'streaming']]);
      assert.deepEqual(await rows('Stream503 | order by id asc | project id, name'), [[1, 'a'], [2, 'b']]);
    } finally {
      emulator.removeFault(fault);
    }
  });
});

describe('transient faults of management commands (item 4)', () => {
  test('one 503 or 429 on .get ingestion resources, .show table, .create table: retried, every row once', async () => {
    const faults = [
      emulator.addFault({ endpoint: 'v1/rest/mgmt', command: '^\\.get ingestion resources', status: 503, times: 1, retryAfterSeconds: 0 }),
      emulator.addFault({ endpoint: 'v1/rest/mgmt', command: '^\\.show table \\W{0,2}MgmtFaults\\W{0,2} (cslschema|schema as json)', status: 503, times: 1, retryAfterSeconds: 0 }),
      emulator.addFault({ endpoint: 'v1/rest/mgmt', command: '^\\.create table \\W{0,2}MgmtFaults\\W{0,2}', status: 429, times: 1, retryAfterSeconds: 0 }),
    ];
    try {
      const result = await run(spec('mgmt-faults', 'hundred', 'MgmtFaults'));
      assert.equal(result.state, 'succeeded', result.error);
      assert.deepEqual(await contentOf('MgmtFaults'), HUNDRED);
      assert.ok(warnings.some((w) => /^\.get ingestion resources: attempt 1 failed/.test(w)), 'the retry is logged');
    } finally {
      for (const id of faults) emulator.removeFault(id);
    }
  });

  test('a job whose files land one by one (streaming) stops half-way: it says how many files landed before, and its resume sends only the others', async () => {
    put('twoformats/a.csv', 'id,name\n1,a\n');
    put('twoformats/b.json', '{"id":2,"name":"b"}\n');
    await mgmt('.create table HalfWay (id:long, name:string)');
    await mgmt('.alter table HalfWay policy streamingingestion enable');
    // The second file's mapping (JSON; the first is CSV) is refused for good.
    const fault = emulator.addFault({ endpoint: 'v1/rest/mgmt', command: '^\\.create-or-alter table \\W{0,2}HalfWay\\W{0,2} ingestion json mapping', status: 400, message: 'mapping refused' });
    const job = spec('half-way', 'twoformats', 'HalfWay', { mode: 'streaming' });
    try {
      await assert.rejects(run(job), /mapping refused \(before this, 1 of 2 file\(s\) landed in HalfWay and stay there; a resume sends only the others\)/);
    } finally {
      emulator.removeFault(fault);
    }
    assert.deepEqual(await rows('HalfWay | project id'), [[1]]);
    const resumed = await run(job);
    assert.equal(resumed.state, 'succeeded', resumed.error);
    assert.deepEqual(await rows('HalfWay | order by id asc | project id'), [[1], [2]]);
  });

  test('the temp table cannot be dropped after the move: the job succeeds with a warning that names the command', async () => {
    const fault = emulator.addFault({ endpoint: 'v1/rest/mgmt', command: '^\\.drop table \\W{0,2}TxDropFails_kdm_tmp_\\W{0,2}', status: 503, retryAfterSeconds: 0 });
    let result: SinkResult;
    try {
      result = await run(spec('tx-drop-fails', 'hundred', 'TxDropFails', { mode: 'transactional' }));
    } finally {
      emulator.removeFault(fault);
    }
    assert.equal(result.state, 'succeeded', result.error);
    assert.deepEqual(await contentOf('TxDropFails'), HUNDRED);
    const [temp] = await tempTables().then((t) => t.filter((n) => n.startsWith('TxDropFails_')));
    assert.ok(temp, 'the temp table is still there');
    const warning = result.warnings.find((w) => w.includes(temp));
    assert.match(warning ?? '', /the rows are committed to TxDropFails, but the temp table .* could not be dropped .*drop it with: \.drop table \S+ ifexists/);
    // The command the warning gives does the clean-up.
    await mgmt(/drop it with: (\.drop table \S+ ifexists)/.exec(warning ?? '')?.[1] ?? '');
    assert.deepEqual((await tempTables()).filter((n) => n.startsWith('TxDropFails_')), []);
  });

  test('the answer to .move extents is lost after the move ran: the job checks the target, succeeds, every row once', async () => {
    // The first move is the privilege probe on the empty temp table; the second is the commit.
    const fault = emulator.addFault({ endpoint: 'v1/rest/mgmt', command: '^\\.move extents all from table \\W{0,2}TxMoveLost_kdm_tmp_\\W{0,2}', resetAfterBytes: 0, everyNth: 2, times: 1 });
    let result: SinkResult;
    try {
      result = await run(spec('tx-move-lost', 'hundred', 'TxMoveLost', { mode: 'transactional' }));
    } finally {
      emulator.removeFault(fault);
    }
    assert.equal(result.state, 'succeeded', result.error);
    assert.deepEqual(await contentOf('TxMoveLost'), HUNDRED);
    assert.deepEqual((await tempTables()).filter((n) => n.startsWith('TxMoveLost_')), []);
    assert.ok(warnings.some((w) => /the answer to the move into TxMoveLost was lost .*4 of 4 file\(s\) are tagged in TxMoveLost/.test(w)));
  });
});

describe('a lost answer to the move probe (item 4)', () => {
  test('the first move (temp table still empty) loses its answer: it is sent again, the job succeeds, every row once', async () => {
    const fault = emulator.addFault({ endpoint: 'v1/rest/mgmt', command: '^\\.move extents all from table \\W{0,2}TxProbeLost_kdm_tmp_\\W{0,2}', resetAfterBytes: 0, times: 1 });
    let result: SinkResult;
    try {
      result = await run(spec('tx-probe-lost', 'hundred', 'TxProbeLost', { mode: 'transactional' }));
    } finally {
      emulator.removeFault(fault);
    }
    assert.equal(result.state, 'succeeded', result.error);
    assert.deepEqual(await contentOf('TxProbeLost'), HUNDRED);
    assert.deepEqual((await tempTables()).filter((n) => n.startsWith('TxProbeLost_')), []);
  });
});

describe('statuses not final in time (item 5)', () => {
  test('reported unknown, not failed, by the CLI; resume reads the statuses again and sends nothing twice', { skip: !existsSync(join(root, 'dist', 'cli.js')) && 'needs npm run build' }, async () => {
    const jobsDir = join(dir, 'runner-jobs');
    const jobFile = join(dir, 'status-late.json');
    writeFileSync(jobFile, JSON.stringify(spec('status-late', 'hundred', 'StatusLate', { statusTimeoutMs: 300 })));
    const gate = await holdEmulatorIngestion(emulator.url, DB);
    let first;
    try {
      first = await runCli(['copy', jobFile, '--jobs-dir', jobsDir, '--progress', 'none']);
    } finally {
      gate.open();
      await gate.close();
    }
    assert.equal(first.code, 1);
    assert.match(first.stderr, /^Unknown: 4 of 4 file\(s\) have an unknown outcome \(neither failed nor confirmed; their rows may be in StatusLate or may still land\): part-00000-abc\.c000\.csv \(Unknown: no final status within \d+ s/m);
    assert.match(first.stderr, /Check later with: kusto-data-mover resume status-late \(it reads their ingestion statuses again and sends nothing twice\)/);
    assert.doesNotMatch(first.stderr, /did not land|^Failed/m);

    // The held ingestions go on once the gate opens: wait until they landed, so the resume finds final statuses.
    for (let i = 0; i < 400 && (await rows('StatusLate | count'))[0]?.[0] !== 100; i++) await new Promise((r) => setTimeout(r, 50));
    const resumed = await resumeJob('status-late', { jobsDir });
    assert.equal(resumed.state, 'succeeded', resumed.error);
    assert.deepEqual(await contentOf('StatusLate'), HUNDRED);
    const state = JSON.parse(readFileSync(join(jobsDir, 'status-late', 'sink-state.json'), 'utf8')) as { files: Record<string, { status: string }> };
    // Succeeded, not Skipped: the first ingestions' statuses were read; nothing was sent again.
    assert.deepEqual(Object.values(state.files).map((f) => f.status), ['Succeeded', 'Succeeded', 'Succeeded', 'Succeeded']);
  });
});
