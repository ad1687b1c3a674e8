// Transactional files → Kusto (temp table, one .move extents, drop) and exactly-once resumes after
// a crash (SIGKILL of a child process at a checkpoint), against the emulator with Azurite.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator } from '../emulator/index';
import type { JobSpec, KustoTableDestination } from '../../src/engine/jobSpec';
import type { SinkResult } from '../../src/engine/sink/runFilesToKusto';
import { executeManagement, executeManagementRecords } from '../../src/kusto/managementClient';

type Emulator = Awaited<ReturnType<typeof startEmulator>>;
let emulator: Emulator;
let dir: string;
const DB = 'Sink';

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
    destination: { kind: 'kustoTable', connection: { clusterUrl: emulator.url, database: DB }, table, mode: 'transactional', tableCreation: 'createIfNotExists', statusPollIntervalMs: 20, statusTimeoutMs: 20_000, ...destination },
  };
}

/**
 * Runs the job in a child process; with `killAt` the child SIGKILLs itself there. Asynchronous:
 * the emulator serves the child from this process's event loop.
 */
function runChild(job: JobSpec, killAt?: string): Promise<{ result?: SinkResult; killed: boolean; stderr: string }> {
  const specFile = join(dir, `${job.id}.json`);
  writeFileSync(specFile, JSON.stringify(job));
  const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'sinkKillChild.ts'), specFile, join(dir, 'jobs', job.id), ...(killAt ? [killAt] : [])], {
    env: { ...process.env, NODE_EXTRA_CA_CERTS: emulator.statusTable.caPemPath },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  return new Promise((resolve) => {
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ result: code === 0 ? (JSON.parse(stdout) as { result: SinkResult }).result : undefined, killed: signal === 'SIGKILL', stderr });
    });
  });
}

async function rows(query: string): Promise<unknown[][]> {
  const [table] = await executeManagement({ clusterUrl: emulator.url, database: DB }, query, 'v1/rest/query');
  return table?.rows ?? [];
}

async function tables(): Promise<string[]> {
  return (await executeManagementRecords({ clusterUrl: emulator.url, database: DB }, '.show tables')).map((r) => String(r.TableName)).sort();
}

/** Row count, and sha256 of "id,name" lines ordered by id. */
async function contentOf(table: string): Promise<{ count: number; sha256: string }> {
  const all = await rows(`${table} | order by id asc | project id, name`);
  return { count: all.length, sha256: createHash('sha256').update(all.map((r) => `${r[0]},${r[1]}`).join('\n')).digest('hex') };
}

const HUNDRED = { count: 100, sha256: '78820d6f2983fefa94935aa2ff856405a2b4cab25d6a41d851b33776cec7d928' };

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kdm-sink-tx-'));
  emulator = await startEmulator({ databases: [DB], auth: 'open', ingestionPollMs: 50 });
  writeHundredRows('hundred');
});

after(async () => {
  await emulator?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('transactional ingestion', () => {
  test('all files land through one move, tags kept, and the temp table is gone', async () => {
    const { result, stderr } = await runChild(spec('tx-ok', 'hundred', 'TxOk'));
    assert.equal(result?.state, 'succeeded', stderr);
    assert.deepEqual(result?.files.map((f) => f.status), ['Succeeded', 'Succeeded', 'Succeeded', 'Succeeded']);
    assert.deepEqual(await contentOf('TxOk'), HUNDRED);
    assert.deepEqual(await tables(), ['TxOk']);
  });

  test('one bad file: nothing lands and no temp table remains', async () => {
    put('withbad/good.json', '{"id":1,"name":"x"}\n');
    put('withbad/bad.json', '{"id": 2, "name\n');
    const job = spec('tx-bad', 'withbad', 'TxBad');
    (job.source as { format?: string }).format = 'json';
    const { result, stderr } = await runChild(job);
    assert.equal(result?.state, 'failed', stderr);
    assert.match(result?.error ?? '', /nothing was committed to TxBad: 1 file\(s\) failed: bad\.json \(Failed: /);
    assert.deepEqual(await rows('TxBad | count'), [[0]]);
    assert.deepEqual((await tables()).filter((t) => t.includes('_kdm_tmp_')), []);
  });

  test('killed between two files, then resumed: each row exactly once', async () => {
    const job = spec('tx-kill-files', 'hundred', 'TxKillFiles');
    assert.equal((await runChild(job, 'fileFinal:2')).killed, true);
    assert.deepEqual(await rows('TxKillFiles | count'), [[0]], 'nothing is in the target before the move');
    const { result, stderr } = await runChild(job);
    assert.equal(result?.state, 'succeeded', stderr);
    assert.deepEqual(await contentOf('TxKillFiles'), HUNDRED);
    assert.deepEqual((await tables()).filter((t) => t.startsWith('TxKillFiles')), ['TxKillFiles']);
  });

  test('killed between the move and the drop, then resumed: each row exactly once, temp table dropped', async () => {
    const job = spec('tx-kill-move', 'hundred', 'TxKillMove');
    assert.equal((await runChild(job, 'afterMove')).killed, true);
    assert.deepEqual((await tables()).filter((t) => t.startsWith('TxKillMove')).length, 2, 'the temp table is still there after the kill');
    const { result, stderr } = await runChild(job);
    assert.equal(result?.state, 'succeeded', stderr);
    assert.deepEqual(await contentOf('TxKillMove'), HUNDRED);
    assert.deepEqual((await tables()).filter((t) => t.startsWith('TxKillMove')), ['TxKillMove']);
  });

  test('killed after the move but before the journal said so: the rerun finds the tags on the target and adds nothing', async () => {
    const job = spec('tx-kill-before-journal', 'hundred', 'TxKillBeforeJournal');
    // Kill right after the move, then forget that the move happened (as if the state write was lost).
    assert.equal((await runChild(job, 'afterMove')).killed, true);
    const stateFile = join(dir, 'jobs', job.id, 'sink-state.json');
    const { readFileSync } = await import('node:fs');
    const state = JSON.parse(readFileSync(stateFile, 'utf8')) as { transactionPhase?: string; files: Record<string, unknown> };
    writeFileSync(stateFile, JSON.stringify({ ...state, transactionPhase: 'ingesting', files: {} }));
    const { result, stderr } = await runChild(job);
    assert.equal(result?.state, 'succeeded', stderr);
    assert.deepEqual(result?.files.map((f) => f.status), ['Skipped', 'Skipped', 'Skipped', 'Skipped']);
    assert.deepEqual(await contentOf('TxKillBeforeJournal'), HUNDRED);
    assert.deepEqual((await tables()).filter((t) => t.startsWith('TxKillBeforeJournal')), ['TxKillBeforeJournal']);
  });
});

describe('transactional resume when the temp table vanished', () => {
  test('killed after two files, temp table dropped meanwhile (auto-delete): the resume re-ingests those files, each row once', async () => {
    const job = spec('tx-vanished', 'hundred', 'TxVanished');
    assert.equal((await runChild(job, 'fileFinal:2')).killed, true);
    const temps = (await tables()).filter((t) => t.startsWith('TxVanished_kdm_tmp_'));
    assert.equal(temps.length, 1);
    await executeManagementRecords({ clusterUrl: emulator.url, database: DB }, `.drop table ${temps[0]}`);
    const { result, stderr } = await runChild(job);
    assert.equal(result?.state, 'succeeded', stderr);
    assert.deepEqual(await contentOf('TxVanished'), HUNDRED);
  });
});

describe('queued ingestion resumed after a crash', () => {
  test('killed after two files, then resumed: each row exactly once', async () => {
    const job = spec('q-kill', 'hundred', 'QKill', { mode: 'queued' });
    assert.equal((await runChild(job, 'fileFinal:2')).killed, true);
    const { result, stderr } = await runChild(job);
    assert.equal(result?.state, 'succeeded', stderr);
    assert.deepEqual(await contentOf('QKill'), HUNDRED);
  });
});
