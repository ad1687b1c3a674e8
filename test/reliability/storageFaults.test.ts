// Seeded reliability runs under the faults seededRuns.test.ts does not draw (issue 27): storage
// outages (Azurite's endpoint closed and reopened, its data intact) in the middle of an upload, an
// enqueue or a download; storage and Kusto answers stalled for seconds; a status table that answers
// late (sometimes after the job's statusTimeoutMs); and continuous ingestion of a growing Spark
// streaming folder (batch log compacted at batch 9, a stray uncommitted file) under faults, stopped
// and restarted mid-way. All storage traffic (ours and the emulator's) goes through
// StorageFaultProxy. Every run ends exact (row count + checksum of the generated rows) or failed
// with a clear message and nothing visible; a resume without faults then ends exact.
//   KDM_RELIABILITY_SEED=<n>   replay one seed      KDM_RELIABILITY_LONG=1   more seeds
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { JobContext } from '../../src/engine/jobContext';
import type { JobSpec, KustoTableDestination } from '../../src/engine/jobSpec';
import { resumeJob, runJob, type JobResult } from '../../src/engine/runner';
import { runFilesToKusto, type SinkResult } from '../../src/engine/sink/runFilesToKusto';
import { executeManagement } from '../../src/kusto/managementClient';
import { startEmulator, trustEmulatorCertificate } from '../emulator/index';
import { type Azurite, createStagingContainer, type StagingContainer, startAzurite } from '../helpers/azurite';
import { readBackParquet } from '../unit/parquetReadBack';
import { assertClearError, assertSubset, exactCheck } from './outcomeChecks';
import { countedFault } from './countedFault';
import { contentOf, Draw, drawFaults, generateRows, kqlString, type Row, split, toCsv } from './seededData';
import { StorageFaultProxy } from './storageFaultProxy';

type Emulator = Awaited<ReturnType<typeof startEmulator>>;
const root = join(__dirname, '..', '..');
const DB = 'RelStorage';
const LONG = process.env.KDM_RELIABILITY_LONG === '1';
const ONE_SEED = process.env.KDM_RELIABILITY_SEED ? Number(process.env.KDM_RELIABILITY_SEED) : undefined;
const SEEDS = ONE_SEED !== undefined ? [ONE_SEED] : Array.from({ length: LONG ? 120 : 15 }, (_, i) => i + 1);
const CAP_MS = 120_000;
const replay = (seed: number): string => `KDM_RELIABILITY_SEED=${seed} node --import tsx --test test/reliability/storageFaults.test.ts`;

let azurite: Azurite;
let blob: StorageFaultProxy;
let queue: StorageFaultProxy;
let table: StorageFaultProxy;
let emulator: Emulator;
let staging: StagingContainer;
let dir: string;
const totals = { runs: 0, resumes: 0, restarts: 0, faultsDrawn: 0, faultsFired: 0, rowsChecked: 0, failedCleanly: 0, unknownReported: 0 };
const firedByKind: Record<string, number> = {};
const outcomes: Array<{ case: string; seed: number; result: 'passed' | 'failed'; detail?: string; replay: string }> = [];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kdm-rel-storage-'));
  azurite = await startAzurite();
  [blob, queue, table] = await Promise.all([StorageFaultProxy.start(azurite.blobUrl), StorageFaultProxy.start(azurite.queueUrl), StorageFaultProxy.start(azurite.tableUrl)]);
  const proxied: Azurite = {
    blobUrl: blob.url, queueUrl: queue.url, tableUrl: table.url,
    connectionString: azurite.connectionString.replace(azurite.blobUrl, blob.url).replace(azurite.queueUrl, queue.url).replace(azurite.tableUrl, table.url),
    stop: () => Promise.resolve(),
  };
  emulator = await startEmulator({ databases: [DB], auth: 'open', ingestionPollMs: 50, azurite: proxied });
  trustEmulatorCertificate(emulator);
  staging = await createStagingContainer(blob.url);
});

after(async () => {
  await emulator?.stop();
  await Promise.all([blob?.stop(), queue?.stop(), table?.stop()]);
  await azurite?.stop();
  for (const proxy of [blob, queue, table]) for (const [k, n] of Object.entries(proxy?.fired ?? {})) firedByKind[k] = (firedByKind[k] ?? 0) + n;
  const artifacts = join(process.env.KDM_TEST_ARTIFACTS ?? join(root, 'test-artifacts'), 'reliability');
  mkdirSync(artifacts, { recursive: true });
  const failed = outcomes.filter((o) => o.result === 'failed');
  const summary = { mode: ONE_SEED !== undefined ? `seed ${ONE_SEED}` : LONG ? 'long' : 'fast', ...totals, firedByKind, passed: outcomes.length - failed.length, failed, outcomes };
  writeFileSync(join(artifacts, 'storage-faults.json'), `${JSON.stringify(summary, null, 2)}\n`);
  process.stdout.write(`reliability, storage faults (${summary.mode}): ${outcomes.length} cases, ${totals.runs} runs + ${totals.resumes} resumes + ${totals.restarts} restarts survived, `
    + `${totals.faultsFired} faults fired (${totals.faultsDrawn} drawn), ${totals.rowsChecked} rows checked, ${totals.failedCleanly} clean failures, ${totals.unknownReported} unknown outcomes reported; `
    + `${failed.length} failed -> ${join(artifacts, 'storage-faults.json')}\n`);
  rmSync(dir, { recursive: true, force: true });
});

function seededCase(name: string, seed: number, body: () => Promise<void>): void {
  test(`${name} seed ${seed}`, { timeout: CAP_MS }, async () => {
    try {
      await body();
      outcomes.push({ case: name, seed, result: 'passed', replay: replay(seed) });
    } catch (err) {
      outcomes.push({ case: name, seed, result: 'failed', detail: (err as Error).message.slice(0, 600), replay: replay(seed) });
      (err as Error).message = `${(err as Error).message}\n  replay: ${replay(seed)}`;
      throw err;
    } finally {
      emulator.clearFaults();
      for (const proxy of [blob, queue, table]) proxy.clear();
      await Promise.all([blob.settled(), queue.settled(), table.settled()]);
    }
  });
}

// ---- helpers -------------------------------------------------------------------------------------

async function mgmt(text: string): Promise<void> {
  await executeManagement({ clusterUrl: emulator.url, database: DB }, text);
}
async function tableRows(name: string): Promise<Row[]> {
  const [t] = await executeManagement({ clusterUrl: emulator.url, database: DB }, '.show tables');
  if (!(t?.rows ?? []).some((r) => r[0] === name)) return [];
  const [rows] = await executeManagement({ clusterUrl: emulator.url, database: DB }, `['${name}'] | project id, name`, 'v1/rest/query');
  return (rows?.rows ?? []).map((r) => ({ id: Number(r[0]), name: String(r[1]) }));
}
const assertExact = exactCheck(totals);
/** Counts the Kusto faults the emulator applied. */
function armKusto(rules: Array<{ label: string; rule: Parameters<Emulator['addFault']>[0] }>): () => number {
  const counted = rules.map((f) => ({ ...countedFault(f.rule), label: f.label }));
  for (const c of counted) emulator.addFault(c.rule);
  totals.faultsDrawn += counted.length;
  return () => counted.reduce((sum, c) => {
    const n = c.fired();
    if (n > 0) firedByKind[c.label] = (firedByKind[c.label] ?? 0) + n;
    return sum + n;
  }, 0);
}
function storageFired(): number {
  return [blob, queue, table].reduce((sum, p) => sum + Object.values(p.fired).reduce((a, b) => a + b, 0), 0);
}

type SinkMode = 'queued' | 'transactional';

function writeFolder(name: string, rows: Row[], parts: number): string {
  const folder = join(dir, name);
  mkdirSync(folder, { recursive: true });
  split(rows, parts).forEach((slice, i) => writeFileSync(join(folder, `part-${String(i).padStart(5, '0')}-${name}.c000.csv`), toCsv(slice)));
  writeFileSync(join(folder, '_SUCCESS'), '');
  return folder;
}

function sinkSpec(id: string, folder: string, target: string, mode: SinkMode, extra: Partial<KustoTableDestination> = {}): JobSpec {
  return {
    version: 1, id, createdAt: '2026-01-01T00:00:00Z',
    source: { kind: 'files', location: { kind: 'local', path: folder } },
    destination: { kind: 'kustoTable', connection: { clusterUrl: emulator.url, database: DB }, table: target, mode, tableCreation: 'createIfNotExists', statusPollIntervalMs: 20, statusTimeoutMs: 30_000, ...extra },
    options: { retry: { maxAttempts: 5, initialDelayMs: 20, maxDelayMs: 200 } },
  };
}

function sinkContext(job: JobSpec, signal = new AbortController().signal): JobContext {
  const quiet = (): void => undefined;
  return { jobId: job.id, signal, log: { info: quiet, warn: quiet, error: quiet, debug: quiet }, progress: quiet, credentials: { resolve: () => undefined }, jobDir: join(dir, 'jobs', job.id) };
}

async function runSink(job: JobSpec): Promise<Pick<SinkResult, 'state' | 'error' | 'files'>> {
  try {
    return await runFilesToKusto(job, sinkContext(job), { concurrency: 2, statusTableCa: emulator.statusTable.caPem });
  } catch (err) {
    return { state: 'failed', error: (err as Error).message, files: [] };
  }
}

/** One files → table run under faults, judged, then resumed without faults until exact. */
async function sinkRun(mode: SinkMode, job: JobSpec, target: string, source: Row[], what: string, kustoFired: () => number): Promise<void> {
  const before = storageFired();
  const result = await runSink(job);
  totals.runs++;
  totals.faultsFired += kustoFired() + storageFired() - before;
  emulator.clearFaults();
  for (const proxy of [blob, queue, table]) proxy.clear();
  await Promise.all([blob.settled(), queue.settled(), table.settled()]);
  const rows = await tableRows(target);
  assertSubset(rows, source, what);
  if (result.state === 'succeeded') {
    assertExact(contentOf(rows), contentOf(source), what);
    return;
  }
  if (result.state === 'unknown') totals.unknownReported++;
  else {
    assertClearError(result.error, `${what} (${result.state})`);
    totals.failedCleanly++;
  }
  if (mode === 'transactional' && result.state === 'failed') assert.equal(rows.length, 0, `${what}: a failed transaction left ${rows.length} rows visible`);
  const resumed = await runSink(job);
  totals.resumes++;
  assert.equal(resumed.state, 'succeeded', `${what}: the resume did not finish: ${resumed.error}`);
  const after = await tableRows(target);
  assertSubset(after, source, `${what}, resumed`);
  assertExact(contentOf(after), contentOf(source), `${what}, resumed`);
}

function sinkCase(seed: number, draw: Draw): { mode: SinkMode; source: Row[]; target: string; job: JobSpec; folder: string } {
  const mode = draw.pick(['queued', 'transactional'] as const);
  const source = generateRows(draw, draw.int(40, 300));
  const folder = writeFolder(`s${seed}`, source, draw.int(1, 4));
  const target = `St${seed}_${mode}`;
  return { mode, source, target, folder, job: sinkSpec(`rel-storage-${seed}`, folder, target, mode) };
}

// ---- the cases -----------------------------------------------------------------------------------

/** Storage goes down in the middle of a file's upload to the ingestion container, or of its enqueue. */
async function outageMidUpload(seed: number): Promise<void> {
  const draw = new Draw(seed + 11_000);
  const { mode, source, target, job } = sinkCase(seed, draw);
  if (draw.chance(0.7)) blob.add({ kind: 'outage', method: 'PUT', path: /^\/devstoreaccount1\/tempstorage\/./, direction: 'upload', afterBytes: draw.int(0, 400), downMs: draw.int(200, 2500) });
  else queue.add({ kind: 'outage', method: 'POST', path: /\/messages$/, direction: 'upload', afterBytes: draw.int(0, 100), downMs: draw.int(200, 2500) });
  totals.faultsDrawn++;
  await sinkRun(mode, job, target, source, `${mode}, storage outage mid-upload`, armKusto([]));
}

/** The ingestion status table answers late: status reads held back, some beyond the job's statusTimeoutMs. */
async function statusTableLate(seed: number): Promise<void> {
  const draw = new Draw(seed + 12_000);
  const { mode, source, target, folder } = sinkCase(seed, draw);
  const statusTimeoutMs = draw.pick([1_500, 30_000]);
  const job = sinkSpec(`rel-storage-${seed}`, folder, target, mode, { statusTimeoutMs });
  table.add({ kind: 'delay', method: 'GET', path: /^\/devstoreaccount1\/ingestionsstatus/, delayMs: draw.int(300, 2500), times: draw.int(2, 6) });
  totals.faultsDrawn++;
  await sinkRun(mode, job, target, source, `${mode}, status table late (statusTimeoutMs ${statusTimeoutMs})`, armKusto([]));
}

/** An answer stalls for seconds (not a slow trickle: nothing at all), from storage or from Kusto. */
async function stalledAnswers(seed: number): Promise<void> {
  const draw = new Draw(seed + 13_000);
  const { mode, source, target, job } = sinkCase(seed, draw);
  const stallMs = draw.int(3_000, 8_000);
  const where = draw.pick(['blob upload', 'enqueue', '.get ingestion resources', '.show table', 'any management command'] as const);
  let kusto: () => number = () => 0;
  if (where === 'blob upload') blob.add({ kind: 'delay', method: 'PUT', path: /^\/devstoreaccount1\/tempstorage\/./, delayMs: stallMs, times: 1 });
  else if (where === 'enqueue') queue.add({ kind: 'delay', method: 'POST', path: /\/messages$/, delayMs: stallMs, times: 1 });
  else {
    const command = where === 'any management command' ? undefined : where === '.show table' ? '\\.show table' : 'get ingestion resources';
    kusto = armKusto([{ label: `stalled ${where}`, rule: { endpoint: 'v1/rest/mgmt', command, delayMs: stallMs, everyNth: draw.int(1, 2), times: 1 } }]);
  }
  if (where === 'blob upload' || where === 'enqueue') totals.faultsDrawn++;
  await sinkRun(mode, job, target, source, `${mode}, stalled ${where} (${stallMs} ms)`, kusto);
}

/** Query → .export → Parquet folder: storage goes down in the middle of downloading an exported part. */
async function outageMidDownload(seed: number): Promise<void> {
  const draw = new Draw(seed + 14_000);
  const source = generateRows(draw, draw.int(50, 400));
  const srcTable = `Sx${seed}`;
  for (const chunk of split(source, Math.max(1, Math.ceil(source.length / 200)))) {
    await mgmt(`.set-or-append ['${srcTable}'] <| datatable(id:long, name:string)[${chunk.map((r) => `${r.id}, ${kqlString(r.name)}`).join(',\n')}]`);
  }
  const out = join(dir, `out-${seed}`);
  const job: JobSpec = {
    version: 1, id: `rel-storage-x${seed}`, createdAt: '2026-01-01T00:00:00Z',
    source: { kind: 'kustoQuery', connection: { clusterUrl: emulator.url, database: DB }, query: `['${srcTable}']`, readMode: 'export', staging: { kind: 'blob', url: `${staging.url}/exports`, secretRef: 'env:KDM_TEST_STAGING_SAS', authKind: 'sas' } },
    destination: { kind: 'files', location: { kind: 'local', path: out }, format: 'parquet', layout: 'sparkFolder' },
    options: { retry: { maxAttempts: 5, initialDelayMs: 20, maxDelayMs: 200 }, exportPollMaxIntervalMs: 100, estimateTimeoutMs: 5000 },
  };
  const stall = draw.chance(0.3);
  if (stall) blob.add({ kind: 'delay', method: 'GET', path: /^\/devstoreaccount1\/staging\/exports\/./, delayMs: draw.int(3_000, 8_000), times: 1 });
  else blob.add({ kind: 'outage', method: 'GET', path: /^\/devstoreaccount1\/staging\/exports\/./, direction: 'download', afterBytes: draw.int(0, 1500), downMs: draw.int(200, 2500) });
  totals.faultsDrawn++;
  const options = { jobsDir: join(dir, 'jobs'), secrets: { resolve: async (ref: string) => (ref === 'env:KDM_TEST_STAGING_SAS' ? staging.sas : undefined) } };
  const before = storageFired();
  const result = await runJob(job, options);
  totals.runs++;
  totals.faultsFired += storageFired() - before;
  blob.clear();
  await blob.settled();
  const what = `export, ${stall ? 'stalled' : 'storage outage'} mid-download`;
  const judge = async (r: JobResult, label: string): Promise<boolean> => {
    const visible = existsSync(out) ? await readParquetFolder(out) : undefined;
    if (r.state === 'succeeded') {
      assert.ok(visible, `${label}: succeeded without output`);
      assertExact(contentOf(visible), contentOf(source), label);
      return true;
    }
    assertClearError(r.error, `${label} (${r.state})`);
    assert.equal(visible, undefined, `${label}: a failed job left a visible output at ${out}`);
    totals.failedCleanly++;
    return false;
  };
  if (!(await judge(result, what))) {
    const resumed = await resumeJob(job.id, options);
    totals.resumes++;
    assert.equal(resumed.state, 'succeeded', `${what}: the resume did not finish: ${resumed.error}`);
    await judge(resumed, `${what}, resumed`);
  }
}

async function readParquetFolder(out: string): Promise<Row[]> {
  const rows: Row[] = [];
  for (const name of readdirSync(out).filter((n) => n.endsWith('.parquet'))) {
    const back = await readBackParquet(readFileSync(join(out, name)));
    for (const r of back.rows) rows.push({ id: Number(r.id), name: String(r.name) });
  }
  return rows;
}

/**
 * Continuous ingestion of a Spark streaming folder that grows while the job runs (one committed
 * batch per round, the log compacted at batch 9 as Spark does, a stray file of an uncommitted batch),
 * under Kusto faults and a storage outage; the job is stopped at a drawn round and started again.
 */
async function continuousUnderFaults(seed: number): Promise<void> {
  const draw = new Draw(seed + 15_000);
  const batches = split(generateRows(draw, draw.int(60, 240)), draw.int(11, 14));
  const source = batches.flat();
  const folder = join(dir, `live-${seed}`);
  mkdirSync(join(folder, '_spark_metadata'), { recursive: true });
  const target = `Live${seed}`;
  const entries: string[] = [];
  let written = 0;
  const commitNext = (): void => {
    const b = written++;
    const name = `part-00000-b${b}-${seed}.c000.csv`;
    writeFileSync(join(folder, name), toCsv(batches[b] as Row[]));
    entries.push(JSON.stringify({ path: `file://${join(folder, name)}`, size: 1, isDir: false, modificationTime: 1, blockReplication: 1, blockSize: 1, action: 'add' }));
    if (b === 9) {
      // Spark compacts every 10 batches: 9.compact holds batches 0-9, and the old log files go.
      writeFileSync(join(folder, '_spark_metadata', '9.compact'), `v1\n${entries.join('\n')}\n`);
      for (let i = 0; i < 9; i++) rmSync(join(folder, '_spark_metadata', String(i)), { force: true });
    } else {
      writeFileSync(join(folder, '_spark_metadata', String(b)), `v1\n${entries[entries.length - 1]}\n`);
    }
  };
  commitNext();
  // A task of a batch that never committed left its file behind: it must never land.
  writeFileSync(join(folder, `part-00001-b${batches.length}-${seed}-uncommitted.c000.csv`), toCsv([{ id: 999_999, name: 'uncommitted' }]));
  const job = sinkSpec(`rel-storage-live${seed}`, folder, target, 'queued', { continuous: { pollIntervalMs: 30 } });
  const kustoFired = armKusto(drawFaults('queued', draw));
  blob.add({ kind: 'outage', method: 'PUT', path: /^\/devstoreaccount1\/tempstorage\/./, direction: 'upload', afterBytes: draw.int(0, 300), downMs: draw.int(200, 1500) });
  totals.faultsDrawn++;
  const stopAtRound = draw.int(2, batches.length);
  const storageBefore = storageFired();
  let round = 0;
  let quietRounds = 0;
  for (let start = 1; start <= 6; start++) {
    const controller = new AbortController();
    let stopped = false;
    const run = runFilesToKusto(job, sinkContext(job, controller.signal), {
      concurrency: 2, statusTableCa: emulator.statusTable.caPem,
      checkpoint: (point) => {
        if (point !== 'round') return;
        round++;
        if (written < batches.length) commitNext();
        else if (++quietRounds >= 4) controller.abort();
        if (round === stopAtRound && !stopped) {
          stopped = true;
          controller.abort();
        }
      },
    }).then((r) => r, (err: unknown) => ({ state: 'failed' as const, error: (err as Error).message }));
    const result = await run;
    totals.runs++;
    if (start > 1) totals.restarts++;
    if (result.state === 'failed') {
      assertClearError(result.error, 'continuous under faults');
      totals.failedCleanly++;
    }
    assertSubset(await tableRows(target), source, `continuous, start ${start}`);
    if (start === 2) {
      totals.faultsFired += kustoFired() + storageFired() - storageBefore;
      emulator.clearFaults();
      blob.clear();
      await blob.settled();
    }
    if (written === batches.length && quietRounds >= 4 && result.state === 'succeeded' && 'files' in result && result.files.every((f) => f.status === 'Succeeded' || f.status === 'Skipped')) break;
  }
  const rows = await tableRows(target);
  assertSubset(rows, source, 'continuous under faults');
  assertExact(contentOf(rows), contentOf(source), 'continuous under faults (every committed row once, the uncommitted file never)');
}

describe('seeded runs under storage outages, stalls, a late status table, and continuous ingestion under faults', { timeout: Infinity }, () => {
  const kinds = [outageMidUpload, statusTableLate, stalledAnswers, outageMidDownload, continuousUnderFaults];
  const names = ['storage outage mid-upload', 'status table answers late', 'stalled answers', 'storage outage mid-download (export)', 'continuous, growing Spark streaming folder'];
  for (const seed of SEEDS) {
    const k = seed % kinds.length;
    seededCase(`storage/${names[k]}`, seed, () => (kinds[k] as (s: number) => Promise<void>)(seed));
  }
});
