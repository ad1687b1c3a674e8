// Streaming mode (≤ 4 MB requests, falling back to queued when the policy refuses or the file is
// too big) and continuous mode (watch a Spark streaming output, ingest each newly committed batch
// once, checkpoint kept across a restart), against the emulator.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator } from '../emulator/index';
import type { JobContext } from '../../src/engine/jobContext';
import type { JobSpec, KustoTableDestination } from '../../src/engine/jobSpec';
import { runFilesToKusto, type SinkResult } from '../../src/engine/sink/runFilesToKusto';
import { executeManagement, executeManagementRecords } from '../../src/kusto/managementClient';

type Emulator = Awaited<ReturnType<typeof startEmulator>>;
let emulator: Emulator;
let dir: string;
const DB = 'Sink';
const warnings: string[] = [];

function put(path: string, content: string): void {
  const full = join(dir, path);
  mkdirSync(join(full, '..'), { recursive: true });
  writeFileSync(full, content);
}

function spec(id: string, path: string, table: string, destination: Partial<KustoTableDestination> = {}): JobSpec {
  return {
    version: 1,
    id,
    createdAt: '2026-01-01T00:00:00Z',
    source: { kind: 'files', location: { kind: 'local', path: join(dir, path) } },
    destination: { kind: 'kustoTable', connection: { clusterUrl: emulator.url, database: DB }, table, mode: 'streaming', tableCreation: 'createIfNotExists', statusPollIntervalMs: 20, statusTimeoutMs: 20_000, ...destination },
    options: { retry: { maxAttempts: 2, initialDelayMs: 10, maxDelayMs: 20 } },
  };
}

function run(job: JobSpec, signal?: AbortSignal, onRound?: () => void): Promise<SinkResult> {
  const ctx: JobContext = {
    jobId: job.id,
    signal: signal ?? new AbortController().signal,
    log: { info: () => undefined, warn: (m) => warnings.push(m), error: () => undefined, debug: () => undefined },
    progress: () => undefined,
    credentials: { resolve: () => undefined },
    jobDir: join(dir, 'jobs', job.id),
  };
  return runFilesToKusto(job, ctx, { concurrency: 2, statusTableCa: emulator.statusTable.caPem, checkpoint: (point) => (point === 'round' ? onRound?.() : undefined) });
}

async function rows(query: string): Promise<unknown[][]> {
  const [table] = await executeManagement({ clusterUrl: emulator.url, database: DB }, query, 'v1/rest/query');
  return table?.rows ?? [];
}

async function mgmt(command: string): Promise<void> {
  await executeManagementRecords({ clusterUrl: emulator.url, database: DB }, command);
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kdm-sink-stream-'));
  emulator = await startEmulator({ databases: [DB], auth: 'open', ingestionPollMs: 50 });
  put('small/p=a/part-00000.csv', 'id,name\n1,"x, 1"\n2,y\n');
  put('small/p=b/part-00001.json', '{"id":3,"name":"z"}\n');
  // 5.4 MB: above the streaming limit, so it goes queued.
  const big = ['id,name'];
  for (let id = 100; big.length < 300_001; id++) big.push(`${id},nnnnnnnnnnnn`);
  put('small/p=c/part-00002.csv', `${big.join('\n')}\n`);
  put('small/_SUCCESS', '');
});

after(async () => {
  await emulator?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('streaming mode', () => {
  test('with the streaming policy on, small files stream (header dropped, partitions kept) and the big one goes queued', async () => {
    await mgmt('.create table Streamed (id:long, name:string, p:string)');
    await mgmt('.alter table Streamed policy streamingingestion enable');
    const result = await run(spec('st-on', 'small', 'Streamed'));
    assert.equal(result.state, 'succeeded', result.error);
    assert.deepEqual(result.files.map((f) => [f.relativePath, f.status, f.via]), [
      ['p=a/part-00000.csv', 'Succeeded', 'streaming'],
      ['p=b/part-00001.json', 'Succeeded', 'streaming'],
      ['p=c/part-00002.csv', 'Succeeded', 'queued'],
    ]);
    assert.deepEqual(await rows('Streamed | where id < 100 | order by id asc | project id, name, p'), [[1, 'x, 1', 'a'], [2, 'y', 'a'], [3, 'z', 'b']]);
    assert.deepEqual(await rows('Streamed | where p == "c" | count'), [[300000]]);
  });

  test('without the policy, the refusal (@permanent) sends every file queued at once, without retrying it', async () => {
    await mgmt('.create table NoPolicy (id:long, name:string, p:string)');
    warnings.length = 0;
    const result = await run(spec('st-off', 'small', 'NoPolicy'));
    assert.equal(result.state, 'succeeded', result.error);
    assert.deepEqual(result.files.map((f) => f.via), ['queued', 'queued', 'queued']);
    assert.equal(warnings.filter((w) => /streaming ingestion refused: .*Streaming ingestion policy is not enabled/.test(w)).length, 1);
    assert.deepEqual(await rows('NoPolicy | count'), [[300003]]);
  });
});

describe('continuous mode', () => {
  test('each newly committed Spark batch lands once; the stray file never; a restart resumes from the journal', async () => {
    const root = join(dir, 'live');
    const line = (name: string): string => JSON.stringify({ path: `file://${root}/${name}`, size: 1, isDir: false, modificationTime: 1, blockReplication: 1, blockSize: 1, action: 'add' });
    put('live/part-00000-b0.json', '{"n":1}\n{"n":2}\n');
    put('live/_spark_metadata/0', `v1\n${line('part-00000-b0.json')}\n`);
    const job = spec('cont', 'live', 'Live', { mode: 'queued', continuous: { pollIntervalMs: 50 } });
    const controller = new AbortController();
    let rounds = 0;
    const running = run(job, controller.signal, () => {
      rounds++;
      if (rounds === 1) {
        // Spark commits batch 1 and leaves a file of an uncommitted batch 2 behind.
        put('live/part-00001-b1.json', '{"n":3}\n');
        put('live/_spark_metadata/1', `v1\n${line('part-00001-b1.json')}\n`);
        put('live/part-00002-b2-uncommitted.json', '{"n":999}\n');
      }
      if (rounds === 3) controller.abort();
    });
    const result = await running;
    assert.equal(result.state, 'succeeded', result.error);
    assert.deepEqual(result.files.map((f) => [f.relativePath, f.batchId]), [['part-00000-b0.json', 0], ['part-00001-b1.json', 1]]);
    assert.deepEqual(await rows('Live | order by n asc | project n'), [[1], [2], [3]]);
    const state = JSON.parse(readFileSync(join(dir, 'jobs', 'cont', 'sink-state.json'), 'utf8')) as { checkpointBatchId?: number };
    assert.equal(state.checkpointBatchId, 1);

    // "Reload": the job starts again from its journal; Spark commits batch 2 meanwhile.
    put('live/_spark_metadata/2', `v1\n${line('part-00002-b2-uncommitted.json')}\n`);
    const again = new AbortController();
    await run(job, again.signal, () => again.abort());
    assert.deepEqual(await rows('Live | order by n asc | project n'), [[1], [2], [3], [999]]);
    const after2 = JSON.parse(readFileSync(join(dir, 'jobs', 'cont', 'sink-state.json'), 'utf8')) as { checkpointBatchId?: number };
    assert.equal(after2.checkpointBatchId, 2);
  });
});
