// Files → Kusto, queued: options.uploadConcurrency bounds how many files upload to the cluster's
// ingestion storage at once (1: one after another; by default DEFAULT_UPLOAD_CONCURRENCY). Counted,
// not timed: Azurite's endpoints sit behind the bench's latency proxy, which holds each request
// 100 ms (so uploads that may overlap do) and records the most uploads (Put Blob) in it at once.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { JobSpec } from '../../src/engine/jobSpec';
import { runJob } from '../../src/engine/runner';
import { DEFAULT_UPLOAD_CONCURRENCY } from '../../src/engine/sink/runFilesToKusto';
import { tableRowCount } from '../../src/kusto/tableRowCount';
import { openFileOutput } from '../../src/spark/sparkFolderWriter';
import { remoteAzurite } from '../bench/latencyProxy';
import { startAzurite, type Azurite } from '../helpers/azurite';
import { startEmulator, type RunningEmulator } from '../emulator/index';

const DB = 'Uploads';
const FILES = 8;
const ROWS_PER_FILE = 250;

describe('files → Kusto: options.uploadConcurrency', () => {
  let work: string;
  let folder: string;
  let csvFolder: string;
  let azurite: Azurite;
  let storage: Awaited<ReturnType<typeof remoteAzurite>>;
  let emulator: RunningEmulator;

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'kdm-upload-concurrency-'));
    folder = join(work, 'parts');
    // A Spark folder of 8 Parquet parts (each goes up in one Put Blob).
    const output = await openFileOutput({ folder, format: 'parquet', compression: 'snappy', maxRowsPerFile: ROWS_PER_FILE, jobId: 'parts', ifExists: 'replace', columns: [{ name: 'id', type: 'long' }, { name: 'name', type: 'string' }] });
    await output.write(Array.from({ length: FILES * ROWS_PER_FILE }, (_, i) => [BigInt(i), `row-${i}`]));
    await output.commit();
    // Eight small CSV files: text is gzipped on the way up, in buffered blocks (one Put Block and one Put Block List each).
    csvFolder = join(work, 'csv');
    mkdirSync(csvFolder);
    for (let f = 0; f < FILES; f++) writeFileSync(join(csvFolder, `part-${f}.csv`), ['id,name', ...Array.from({ length: ROWS_PER_FILE }, (_, i) => `${f * ROWS_PER_FILE + i},row-${i}`)].join('\n') + '\n');
    azurite = await startAzurite();
    storage = await remoteAzurite(azurite, { delayMs: 100, bytesPerSecond: 1e9 });
    emulator = await startEmulator({ seed: 'none', databases: [DB], auth: 'open', ingestionPollMs: 50, azurite: storage });
  });

  after(async () => {
    await emulator?.stop();
    await storage?.stop();
    await azurite?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const ingest = async (table: string, uploadConcurrency?: number, from = folder): Promise<number> => {
    storage.blobProxy.resetPeaks();
    storage.queueProxy.resetPeaks();
    const spec: JobSpec = {
      version: 1, id: `upload-${table}`, createdAt: new Date().toISOString(),
      source: { kind: 'files', location: { kind: 'local', path: from }, layout: from === folder ? 'spark' : 'plain' },
      destination: { kind: 'kustoTable', connection: { clusterUrl: emulator.url, database: DB }, table, mode: 'queued', tableCreation: 'createIfNotExists', statusPollIntervalMs: 50 },
      ...(uploadConcurrency === undefined ? {} : { options: { uploadConcurrency } }),
    };
    const result = await runJob(spec, { jobsDir: join(work, 'jobs') });
    assert.equal(result.state, 'succeeded', result.error);
    assert.equal(await tableRowCount({ clusterUrl: emulator.url, database: DB }, table), FILES * ROWS_PER_FILE);
    return storage.blobProxy.peakInFlight('PUT');
  };

  test('uploadConcurrency 1: the next file\'s bytes go up while a file\'s queue message is sent (the enqueue holds no upload slot)', async () => {
    assert.equal(await ingest('Pipelined', 1), 1);
    const puts = storage.blobProxy.spans('PUT');
    const messages = storage.queueProxy.spans('POST');
    assert.equal(messages.length, FILES);
    // Each request is held 100 ms in its proxy: a message sent only after the next upload may start never overlaps one.
    const overlapping = messages.filter((m) => puts.some((p) => p.start < m.end && m.start < p.end)).length;
    assert.ok(overlapping > 0, 'every queue message was sent while no file was uploading');
  });

  test('text gzipped on the way takes two upload slots (its blocks are buffered): half as many such files at once', async () => {
    assert.equal(await ingest('Csv', 4, csvFolder), 2);
  });

  test('uploadConcurrency 1 uploads one file at a time; the default uploads eight at once; both land every row', async () => {
    assert.equal(await ingest('OneByOne', 1), 1);
    assert.equal(DEFAULT_UPLOAD_CONCURRENCY, 8);
    assert.equal(await ingest('Parallel'), DEFAULT_UPLOAD_CONCURRENCY);
  });
});
