// Streaming mode killed (SIGKILL, in its own process) in the instant between the service's answer
// to a file's streaming request and the sink state recording it: streamed rows carry no extent tag,
// so the resume cannot ask the table whether that file landed. It must never send it blind again:
// the file is reported Unknown (with how to check), every other file lands once.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { JobContext } from '../../src/engine/jobContext';
import type { JobSpec } from '../../src/engine/jobSpec';
import { runFilesToKusto } from '../../src/engine/sink/runFilesToKusto';
import { executeManagement, executeManagementRecords } from '../../src/kusto/managementClient';
import { startEmulator } from '../emulator/index';

type Emulator = Awaited<ReturnType<typeof startEmulator>>;
const root = join(__dirname, '..', '..');
const DB = 'StreamKill';
let emulator: Emulator;
let dir: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kdm-stream-kill-'));
  emulator = await startEmulator({ databases: [DB], auth: 'open', ingestionPollMs: 50 });
});
after(async () => {
  await emulator?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function folderOfThreeFiles(name: string): string {
  const folder = join(dir, name);
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, 'part-00000.csv'), 'id,name\n1,a\n2,b\n3,c\n');
  writeFileSync(join(folder, 'part-00001.csv'), 'id,name\n4,d\n5,e\n6,f\n');
  writeFileSync(join(folder, 'part-00002.csv'), 'id,name\n7,g\n8,h\n9,i\n');
  writeFileSync(join(folder, '_SUCCESS'), '');
  return folder;
}

function streamingSpec(id: string, folder: string, table: string): JobSpec {
  return {
    version: 1, id, createdAt: '2026-01-01T00:00:00Z',
    source: { kind: 'files', location: { kind: 'local', path: folder } },
    destination: { kind: 'kustoTable', connection: { clusterUrl: emulator.url, database: DB }, table, mode: 'streaming', tableCreation: 'failIfNotExists', statusPollIntervalMs: 20, statusTimeoutMs: 20_000 },
    options: { retry: { maxAttempts: 3, initialDelayMs: 10, maxDelayMs: 20 } },
  };
}

async function ids(table: string): Promise<number[]> {
  const [t] = await executeManagement({ clusterUrl: emulator.url, database: DB }, `['${table}'] | project id`, 'v1/rest/query');
  return (t?.rows ?? []).map((r) => Number(r[0])).sort((a, b) => a - b);
}

/** Runs the job in a child process that SIGKILLs itself at `killAt` (see test/integration/sinkKillChild.ts). */
function runKilledAt(job: JobSpec, killAt: string): Promise<NodeJS.Signals | null> {
  const specFile = join(dir, `${job.id}.json`);
  writeFileSync(specFile, JSON.stringify(job));
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'test', 'integration', 'sinkKillChild.ts'), specFile, join(dir, 'jobs', job.id), killAt, '1'],
    { env: { ...process.env, NODE_EXTRA_CA_CERTS: emulator.statusTable.caPemPath }, stdio: ['ignore', 'ignore', 'pipe'] });
  return new Promise((resolve) => child.on('close', (_code, signal) => resolve(signal)));
}

function resume(job: JobSpec): ReturnType<typeof runFilesToKusto> {
  const quiet = (): void => undefined;
  const ctx: JobContext = {
    jobId: job.id, signal: new AbortController().signal, log: { info: quiet, warn: quiet, error: quiet, debug: quiet }, progress: quiet,
    credentials: { resolve: () => undefined }, jobDir: join(dir, 'jobs', job.id),
  };
  return runFilesToKusto(job, ctx, { concurrency: 1, statusTableCa: emulator.statusTable.caPem });
}

describe('streaming mode killed while a file is in flight', () => {
  test('killed after the 2nd file was streamed but before it was recorded: the resume never streams it again and reports it Unknown', async () => {
    const table = 'KilledAfterSend';
    await executeManagementRecords({ clusterUrl: emulator.url, database: DB }, `.create table ${table} (id:long, name:string)`);
    await executeManagementRecords({ clusterUrl: emulator.url, database: DB }, `.alter table ${table} policy streamingingestion enable`);
    const job = streamingSpec('stream-kill-after-send', folderOfThreeFiles('after-send'), table);

    assert.equal(await runKilledAt(job, 'streamSent:2'), 'SIGKILL');
    assert.deepEqual(await ids(table), [1, 2, 3, 4, 5, 6], 'the kill came after the 2nd file had landed');
    const journal = JSON.parse(readFileSync(join(dir, 'jobs', job.id, 'sink-state.json'), 'utf8')) as { files: Record<string, { relativePath: string; status: string }> };
    const second = Object.values(journal.files).find((f) => f.relativePath === 'part-00001.csv');
    assert.equal(second?.status, 'Unknown', 'the in-flight file is journaled before its request, as Unknown');

    const resumed = await resume(job);
    assert.deepEqual(await ids(table), [1, 2, 3, 4, 5, 6, 7, 8, 9], 'every row once: the in-flight file was not streamed again');
    assert.equal(resumed.state, 'unknown');
    const byPath = new Map(resumed.files.map((f) => [f.relativePath, f]));
    assert.equal(byPath.get('part-00000.csv')?.status, 'Succeeded');
    assert.equal(byPath.get('part-00001.csv')?.status, 'Unknown');
    assert.equal(byPath.get('part-00001.csv')?.via, 'streaming');
    assert.match(byPath.get('part-00001.csv')?.details ?? '', /in flight when the job stopped/);
    assert.equal(byPath.get('part-00002.csv')?.status, 'Succeeded');
    assert.match(resumed.error ?? '', /1 of 3 file\(s\) have an unknown outcome/);

    // A second resume changes nothing and still sends nothing twice.
    const again = await resume(job);
    assert.equal(again.state, 'unknown');
    assert.deepEqual(await ids(table), [1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });
});
