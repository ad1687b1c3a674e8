// Files → Kusto, queued: the sink keeps uploading and enqueuing while earlier files still wait for
// their final status, however many are pending (no window on pending files: 40 here, more than the
// 32 an earlier version let wait), instead of waiting for statuses before sending more. Proven
// without timing: a gate (test/helpers/ingestionGate.ts) holds the emulator's ingestion loop, so
// no file can reach a final status until the gate opens; every file must be enqueued before that.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator } from '../emulator/index';
import type { JobContext } from '../../src/engine/jobContext';
import type { JobSpec } from '../../src/engine/jobSpec';
import { runFilesToKusto } from '../../src/engine/sink/runFilesToKusto';
import { executeManagement } from '../../src/kusto/managementClient';
import { type IngestionGate, holdEmulatorIngestion } from '../helpers/ingestionGate';

type Emulator = Awaited<ReturnType<typeof startEmulator>>;
const DB = 'Ahead';
let emulator: Emulator;
let dir: string;
let gate: IngestionGate | undefined;

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kdm-sink-ahead-'));
  emulator = await startEmulator({ databases: [DB], auth: 'open', ingestionPollMs: 50 });
});

after(async () => {
  await gate?.close();
  await emulator?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('queued ingestion keeps sending while statuses are pending', () => {
  test('with two uploads at a time, all 40 files are enqueued before the first one can be final; then each of the 80 rows lands once', async () => {
    const FILES = 40;
    const folder = join(dir, 'forty');
    mkdirSync(folder, { recursive: true });
    // File i holds ids 2i+1 and 2i+2: ids 1..80, sum 3240.
    for (let i = 0; i < FILES; i++) writeFileSync(join(folder, `part-${String(i).padStart(5, '0')}.csv`), `${i * 2 + 1},a${i}\n${i * 2 + 2},b${i}\n`);

    const held = await holdEmulatorIngestion(emulator.url, DB, 15_000);
    gate = held;

    const job: JobSpec = {
      version: 1,
      id: 'ahead-1',
      createdAt: '2026-01-01T00:00:00Z',
      source: { kind: 'files', location: { kind: 'local', path: folder }, format: 'csv' },
      destination: { kind: 'kustoTable', connection: { clusterUrl: emulator.url, database: DB }, table: 'Ahead', mode: 'queued', tableCreation: 'createIfNotExists', statusPollIntervalMs: 20, statusTimeoutMs: 30_000 },
    };
    let queued = 0;
    let finalBeforeAllQueued = 0;
    let finals = 0;
    let allQueued: () => void = () => undefined;
    const everyFileQueued = new Promise<void>((resolve) => (allQueued = resolve));
    const quiet = (): void => undefined;
    const ctx: JobContext = {
      jobId: job.id,
      signal: new AbortController().signal,
      log: { info: quiet, warn: quiet, error: quiet, debug: quiet },
      progress: (event) => {
        if (event.message?.startsWith('queued ') && ++queued === FILES) allQueued();
      },
      credentials: { resolve: () => undefined },
      jobDir: join(dir, 'jobs', job.id),
    };
    const running = runFilesToKusto(job, ctx, {
      concurrency: 2,
      statusTableCa: emulator.statusTable.caPem,
      checkpoint: (point) => {
        if (point !== 'fileFinal') return;
        finals++;
        if (queued < FILES) finalBeforeAllQueued++;
      },
    });
    try {
      await withTimeout(everyFileQueued, 60_000, 'all 40 files to be enqueued while every status is pending');
    } finally {
      held.open();
    }
    const result = await running;
    assert.equal(queued, 40);
    assert.equal(finalBeforeAllQueued, 0);
    assert.equal(finals, 40);
    assert.equal(result.state, 'succeeded');
    assert.deepEqual(result.files.map((f) => f.status), Array.from({ length: 40 }, () => 'Succeeded'));
    const [table] = await executeManagement({ clusterUrl: emulator.url, database: DB }, 'Ahead | summarize n = count(), ids = dcount(Column1), total = sum(Column1)', 'v1/rest/query');
    assert.deepEqual(table?.rows, [[80, 80, 3240]]);
  });
});
