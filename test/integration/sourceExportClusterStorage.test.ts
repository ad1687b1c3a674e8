// Large reads without bringing storage: with no staging location, auto and export read modes export
// into the cluster's own export containers (`.show export containers`, real Azurite containers the
// emulator hands out with a SAS), as the Spark connector does by default. The user's staging wins
// when given, and its exported blobs are removed when the job succeeds unless the spec keeps them.
// An export already done is reused by a rerun of the same job instead of exporting again.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import type { JobSpec, KustoQuerySource } from '../../src/engine/jobSpec';
import { runJob, type RunJobOptions } from '../../src/engine/runner';
import { executeManagement, executeManagementRecords } from '../../src/kusto/managementClient';
import { AZURITE_ACCOUNT, AZURITE_KEY, createStagingContainer, type StagingContainer } from '../helpers/azurite';
import { startEmulator } from '../emulator/index';
import { readBackParquet } from '../unit/parquetReadBack';

type Emulator = Awaited<ReturnType<typeof startEmulator>>;

const DB = 'Tests';
let emulator: Emulator;
let work: string;
let staging: StagingContainer;

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'kdm-export-cluster-'));
  emulator = await startEmulator({ auth: 'open', databases: [DB] });
  staging = await createStagingContainer(emulator.azurite.blobUrl, 'userstaging');
  await executeManagement({ clusterUrl: emulator.url, database: DB }, '.set-or-append Numbers <| range i from 1 to 5000 step 1 | extend s = strcat("v", tostring(i))');
});
after(async () => {
  await emulator?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

function spec(id: string, out: string, source: Partial<KustoQuerySource>): JobSpec {
  return {
    version: 1,
    id,
    createdAt: new Date().toISOString(),
    source: { kind: 'kustoQuery', connection: { clusterUrl: emulator.url, database: DB }, query: 'Numbers', readMode: 'auto', exportThresholdRows: 1000, ...source },
    destination: { kind: 'files', location: { kind: 'local', path: out }, format: 'parquet', layout: 'sparkFolder' },
    options: { exportPollMaxIntervalMs: 200, estimateTimeoutMs: 5000 },
  };
}

function runOptions(logs: string[]): RunJobOptions {
  return {
    jobsDir: join(work, 'jobs'),
    secrets: { resolve: async (ref) => (ref === 'env:USER_STAGING_SAS' ? staging.sas : undefined) },
    log: { info: (m) => logs.push(m), warn: (m) => logs.push(m), error: (m) => logs.push(m), debug: (m) => logs.push(m) },
  };
}

/** Rows and the sum of column i over every Parquet part of a local Spark folder, read by hyparquet. */
async function folderContents(folder: string): Promise<{ names: string[]; rows: number; sum: bigint }> {
  const names = (await readdir(folder)).sort();
  let rows = 0;
  let sum = 0n;
  for (const name of names.filter((n) => n.endsWith('.parquet'))) {
    const back = await readBackParquet(await readFile(join(folder, name)));
    rows += back.rows.length;
    for (const row of back.rows) sum += BigInt(row.i as bigint);
  }
  return { names, rows, sum };
}

async function blobsUnder(containerName: string, prefix: string): Promise<string[]> {
  const service = new BlobServiceClient(emulator.azurite.blobUrl, new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY));
  const names: string[] = [];
  for await (const b of service.getContainerClient(containerName).listBlobsFlat({ prefix })) names.push(b.name);
  return names;
}

async function exportOperations(): Promise<number> {
  const rows = await executeManagementRecords({ clusterUrl: emulator.url, database: DB }, '.show operations');
  return rows.filter((r) => /export/i.test(String(r.Operation))).length;
}

describe('export through the cluster\'s own storage when no staging is set (emulator + Azurite)', () => {
  test('auto mode above the threshold, no staging: exports into the cluster\'s export container and lands every row locally', async () => {
    const out = join(work, 'auto-cluster');
    const logs: string[] = [];
    const result = await runJob(spec('cluster-auto', out, {}), runOptions(logs));
    assert.equal(result.state, 'succeeded', result.error);
    assert.equal(result.readMode, 'export');
    assert.equal(result.rows, 5000);
    assert.equal(result.exportStorage?.kind, 'cluster');
    assert.match(result.exportStorage?.reason ?? '', /no staging location/);
    assert.match(result.exportStorage?.url ?? '', /\/exportstorage\/kusto-data-mover\/Tests\/cluster-auto$/);
    // The files went into the container `.show export containers` names, under the job's folder.
    const parts = await blobsUnder('exportstorage', 'kusto-data-mover/Tests/cluster-auto/');
    assert.ok(parts.some((n) => n.endsWith('.parquet')), parts.join(', '));
    // Locally: a complete Spark folder, every row once (sum 1..5000).
    const local = await folderContents(out);
    assert.ok(local.names.includes('_SUCCESS'), local.names.join(', '));
    assert.deepEqual([local.rows, local.sum], [5000, 12502500n]);
    // The log and the journal say which storage and why, without the container's SAS.
    assert.ok(logs.some((l) => /export storage: the cluster's export container/.test(l)), logs.join('\n'));
    const journal = JSON.parse(await readFile(join(work, 'jobs', 'cluster-auto', 'journal.json'), 'utf8')) as { export?: { storage?: { kind: string } } };
    assert.equal(journal.export?.storage?.kind, 'cluster');
    const [root] = await executeManagementRecords({ clusterUrl: emulator.url, database: DB }, '.show export containers');
    const signature = new URL(String(root.StorageRoot)).searchParams.get('sig') as string;
    for (const text of [logs.join('\n'), JSON.stringify(result), await readFile(join(work, 'jobs', 'cluster-auto', 'job.log'), 'utf8'), JSON.stringify(journal)]) {
      assert.ok(!text.includes(signature) && !text.includes(encodeURIComponent(signature)), 'the export container\'s SAS leaked');
    }
  });

  test('readMode "export" with no staging is a valid job and exports through the cluster\'s storage', async () => {
    const out = join(work, 'forced-cluster');
    const result = await runJob(spec('cluster-forced', out, { readMode: 'export' }), runOptions([]));
    assert.equal(result.state, 'succeeded', result.error);
    assert.equal(result.exportStorage?.kind, 'cluster');
    assert.deepEqual((await folderContents(out)).rows, 5000);
  });

  test('the user\'s staging wins when given, and its exported blobs are removed when the job succeeds', async () => {
    const out = join(work, 'user-staging');
    const result = await runJob(spec('user-clean', out, { staging: { kind: 'blob', url: `${staging.url}/exports`, secretRef: 'env:USER_STAGING_SAS', authKind: 'sas' } }), runOptions([]));
    assert.equal(result.state, 'succeeded', result.error);
    assert.equal(result.exportStorage?.kind, 'staging');
    assert.equal(result.exportStorage?.cleanedUp, true);
    assert.deepEqual([(await folderContents(out)).rows, (await folderContents(out)).sum], [5000, 12502500n]);
    assert.deepEqual(await blobsUnder('userstaging', 'exports/Tests/user-clean/'), []);
    assert.deepEqual(await blobsUnder('exportstorage', 'kusto-data-mover/Tests/user-clean/'), [], 'nothing went to the cluster\'s storage');
  });

  test('keepExportedFiles keeps the exported parts and _SUCCESS in the user\'s staging', async () => {
    const out = join(work, 'user-keep');
    const result = await runJob(spec('user-keep', out, { staging: { kind: 'blob', url: `${staging.url}/exports`, secretRef: 'env:USER_STAGING_SAS', authKind: 'sas' }, keepExportedFiles: true }), runOptions([]));
    assert.equal(result.state, 'succeeded', result.error);
    assert.equal(result.exportStorage?.cleanedUp, false);
    const kept = await blobsUnder('userstaging', 'exports/Tests/user-keep/');
    assert.ok(kept.includes('exports/Tests/user-keep/_SUCCESS'), kept.join(', '));
    assert.ok(kept.some((n) => n.endsWith('.parquet')), kept.join(', '));
  });

  test('a rerun of a job that failed after its export reuses that export instead of exporting again', async () => {
    const out = join(work, 'rerun');
    // The output folder is in the way: the job exports, then refuses to overwrite it and fails.
    await mkdir(out, { recursive: true });
    await writeFile(join(out, 'someone-elses.txt'), 'keep me');
    const job = spec('rerun-reuse', out, { staging: { kind: 'blob', url: `${staging.url}/exports`, secretRef: 'env:USER_STAGING_SAS', authKind: 'sas' } });
    const before = await exportOperations();
    const first = await runJob(job, runOptions([]));
    assert.equal(first.state, 'failed');
    assert.match(first.error ?? '', /already exists|exists/);
    assert.equal(await exportOperations(), before + 1);
    // The failed job kept its exported files (a rerun needs them).
    assert.ok((await blobsUnder('userstaging', 'exports/Tests/rerun-reuse/')).some((n) => n.endsWith('.parquet')));

    await rm(out, { recursive: true, force: true });
    const logs: string[] = [];
    const second = await runJob(job, runOptions(logs));
    assert.equal(second.state, 'succeeded', second.error);
    assert.equal(await exportOperations(), before + 1, 'the rerun started a second export');
    assert.ok(logs.some((l) => /reusing the export of the earlier run/.test(l)), logs.join('\n'));
    assert.deepEqual([(await folderContents(out)).rows, (await folderContents(out)).sum], [5000, 12502500n]);
    assert.deepEqual(await blobsUnder('userstaging', 'exports/Tests/rerun-reuse/'), [], 'cleaned up once the job succeeded');
  });

  test('a rerun does not reuse an export whose blobs are gone: it exports again', async () => {
    const out = join(work, 'rerun-gone');
    await mkdir(out, { recursive: true });
    await writeFile(join(out, 'x.txt'), 'x');
    const job = spec('rerun-gone', out, { staging: { kind: 'blob', url: `${staging.url}/exports`, secretRef: 'env:USER_STAGING_SAS', authKind: 'sas' } });
    const before = await exportOperations();
    assert.equal((await runJob(job, runOptions([]))).state, 'failed');
    for (const name of await blobsUnder('userstaging', 'exports/Tests/rerun-gone/')) await staging.container.deleteBlob(name);
    await rm(out, { recursive: true, force: true });
    const second = await runJob(job, runOptions([]));
    assert.equal(second.state, 'succeeded', second.error);
    assert.equal(await exportOperations(), before + 2);
    assert.equal((await folderContents(out)).rows, 5000);
  });
});
