// Seeded randomised reliability runs against the emulator and its Azurite (issue 27): each seed
// draws its data and its faults (429 with Retry-After, 500/503, resets after N bytes, lost replies
// on management commands / streaming ingest / .export / .move extents, slow answers), its
// concurrency case and its kill point. Every run must end complete and exact (row count and a
// checksum equal to the generated source's) or failed with a clear error and no visible partial
// result; then a resume without faults ends exact. A failing seed prints the command that replays it.
//   KDM_RELIABILITY_SEED=<n>   replay one seed (all of its cases)
//   KDM_RELIABILITY_LONG=1     many more seeds
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { JobContext } from '../../src/engine/jobContext';
import type { JobSpec, KustoTableDestination } from '../../src/engine/jobSpec';
import { type JobResult, resumeJob, runJob } from '../../src/engine/runner';
import { type FilesToKustoDeps, runFilesToKusto, type SinkResult } from '../../src/engine/sink/runFilesToKusto';
import { executeManagement } from '../../src/kusto/managementClient';
import { startEmulator, trustEmulatorCertificate } from '../emulator/index';
import { createStagingContainer, type StagingContainer } from '../helpers/azurite';
import { readBackParquet } from '../unit/parquetReadBack';
import { assertClearError, assertSubset, exactCheck } from './outcomeChecks';
import { countedFault, type CountedFault } from './countedFault';
import { knownFailing } from './knownFailing';
import { contentOf, Draw, type DrawnFault, drawFaults, generateRows, kqlString, type Row, type Scenario, split, toCsv } from './seededData';

type Emulator = Awaited<ReturnType<typeof startEmulator>>;
const root = join(__dirname, '..', '..');
const DB = 'Rel';
const LONG = process.env.KDM_RELIABILITY_LONG === '1';
const ONE_SEED = process.env.KDM_RELIABILITY_SEED ? Number(process.env.KDM_RELIABILITY_SEED) : undefined;
const FAULT_SEEDS = ONE_SEED !== undefined ? [ONE_SEED] : range(LONG ? 250 : 40);
const CONCURRENCY_SEEDS = ONE_SEED !== undefined ? [ONE_SEED] : range(LONG ? 60 : 12);
const KILL_SEEDS = ONE_SEED !== undefined ? [ONE_SEED] : range(LONG ? 60 : 12);
/** Time cap per seed: a hang is a failure of that seed, not of the whole run. */
const CAP_MS = 120_000;
const SCENARIOS: Scenario[] = ['stream', 'export', 'queued', 'streaming', 'transactional'];
const SINK_MODES = ['queued', 'streaming', 'transactional'] as const;
type SinkMode = (typeof SINK_MODES)[number];

function range(n: number): number[] { return Array.from({ length: n }, (_, i) => i + 1); }
const replay = (seed: number): string => `KDM_RELIABILITY_SEED=${seed} npm run test:reliability`;

let emulator: Emulator;
let staging: StagingContainer;
let dir: string;
const totals = { runs: 0, resumes: 0, faultsDrawn: 0, faultsFired: 0, kills: 0, rowsChecked: 0, unknownReported: 0, failedCleanly: 0, concurrentRuns: 0 };
const outcomes: Array<{ case: string; seed: number; result: 'passed' | 'failed' | 'known-failing'; detail?: string; replay: string }> = [];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kdm-reliability-'));
  emulator = await startEmulator({ databases: [DB], auth: 'open', ingestionPollMs: 50 });
  trustEmulatorCertificate(emulator);
  staging = await createStagingContainer(emulator.azurite.blobUrl);
});

after(async () => {
  await emulator?.stop();
  const artifacts = join(process.env.KDM_TEST_ARTIFACTS ?? join(root, 'test-artifacts'), 'reliability');
  mkdirSync(artifacts, { recursive: true });
  const summary = {
    mode: ONE_SEED !== undefined ? `seed ${ONE_SEED}` : LONG ? 'long' : 'fast',
    ...totals,
    firedByKind,
    passed: outcomes.filter((o) => o.result === 'passed').length,
    failed: outcomes.filter((o) => o.result === 'failed'),
    knownFailing: outcomes.filter((o) => o.result === 'known-failing'),
    knownFailingList: knownFailing,
    outcomes,
  };
  writeFileSync(join(artifacts, 'results.json'), `${JSON.stringify(summary, null, 2)}\n`);
  process.stdout.write(`reliability (${summary.mode}): ${outcomes.length} cases, ${totals.runs} runs + ${totals.resumes} resumes + ${totals.concurrentRuns} concurrent runs survived, ` +
    `${totals.faultsFired} faults fired (${totals.faultsDrawn} drawn), ${totals.kills} kills, ${totals.rowsChecked} rows checked, ${totals.failedCleanly} clean failures, ` +
    `${totals.unknownReported} unknown outcomes reported; ${summary.failed.length} failed, ${summary.knownFailing.length} known-failing -> ${join(artifacts, 'results.json')}\n`);
  rmSync(dir, { recursive: true, force: true });
});

/** Runs one seeded case; a known-failing one is marked todo (reported, never counted as passed). */
function seededCase(name: string, seed: number, body: () => Promise<void>): void {
  const key = `${name}:${seed}`;
  const known = knownFailing.find((k) => k.case === key || k.case === name);
  test(`${name} seed ${seed}`, { timeout: CAP_MS, todo: known ? `known failing (${known.owner}): ${known.reason}` : undefined }, async () => {
    try {
      await body();
      outcomes.push({ case: name, seed, result: 'passed', replay: replay(seed) });
    } catch (err) {
      outcomes.push({ case: name, seed, result: known ? 'known-failing' : 'failed', detail: (err as Error).message.slice(0, 600), replay: replay(seed) });
      (err as Error).message = `${(err as Error).message}\n  replay: ${replay(seed)}`;
      throw err;
    } finally {
      emulator.clearFaults();
    }
  });
}

// ---- helpers -------------------------------------------------------------------------------------

async function query(text: string): Promise<unknown[][]> {
  const [table] = await executeManagement({ clusterUrl: emulator.url, database: DB }, text, 'v1/rest/query');
  return table?.rows ?? [];
}
async function mgmt(text: string): Promise<void> {
  await executeManagement({ clusterUrl: emulator.url, database: DB }, text);
}
async function tableExists(table: string): Promise<boolean> {
  const [t] = await executeManagement({ clusterUrl: emulator.url, database: DB }, '.show tables');
  return (t?.rows ?? []).some((r) => r[0] === table);
}
async function tableRows(table: string): Promise<Row[]> {
  if (!(await tableExists(table))) return [];
  return (await query(`['${table}'] | project id, name`)).map((r) => ({ id: Number(r[0]), name: String(r[1]) }));
}

const firedByKind: Record<string, number> = {};
type Armed = CountedFault & { label: string };
function arm(faults: DrawnFault[]): Armed[] {
  return faults.map((f) => {
    const counted = countedFault(f.rule);
    emulator.addFault(counted.rule);
    totals.faultsDrawn++;
    return { ...counted, label: f.label };
  });
}
/** How many of the armed faults the emulator applied (counted per kind for the results file). */
function fired(armed: Armed[]): number {
  let sum = 0;
  for (const f of armed) {
    const k = f.fired();
    if (k > 0) firedByKind[f.label] = (firedByKind[f.label] ?? 0) + k;
    sum += k;
  }
  return sum;
}

const assertExact = exactCheck(totals);

// ---- files → Kusto -------------------------------------------------------------------------------

function writeSinkFolder(name: string, rows: Row[], parts: number): string {
  const folder = join(dir, name);
  mkdirSync(folder, { recursive: true });
  split(rows, parts).forEach((slice, i) => writeFileSync(join(folder, `part-${String(i).padStart(5, '0')}-${name}.c000.csv`), toCsv(slice)));
  writeFileSync(join(folder, '_SUCCESS'), '');
  return folder;
}

function sinkSpec(id: string, folder: string, table: string, mode: SinkMode, extra: Partial<KustoTableDestination> = {}): JobSpec {
  return {
    version: 1, id, createdAt: '2026-01-01T00:00:00Z',
    source: { kind: 'files', location: { kind: 'local', path: folder } },
    destination: { kind: 'kustoTable', connection: { clusterUrl: emulator.url, database: DB }, table, mode, tableCreation: 'createIfNotExists', statusPollIntervalMs: 20, statusTimeoutMs: 30_000, ...extra },
    options: { retry: { maxAttempts: 5, initialDelayMs: 10, maxDelayMs: 50 } },
  };
}

/** What a sink run ended with; an error it threw (the runner reports it as failed) counts as failed with its message. */
type SinkOutcome = Pick<SinkResult, 'state' | 'error' | 'files'>;

async function runSink(job: JobSpec, deps: FilesToKustoDeps = {}): Promise<SinkOutcome> {
  try {
    return await runSinkOnce(job, deps);
  } catch (err) {
    return { state: 'failed', error: (err as Error).message, files: [] };
  }
}

function runSinkOnce(job: JobSpec, deps: FilesToKustoDeps): Promise<SinkResult> {
  const quiet = (): void => undefined;
  const ctx: JobContext = {
    jobId: job.id, signal: new AbortController().signal,
    log: { info: quiet, warn: quiet, error: quiet, debug: quiet }, progress: quiet,
    credentials: { resolve: () => undefined }, jobDir: join(dir, 'jobs', job.id),
  };
  return runFilesToKusto(job, ctx, { concurrency: 2, statusTableCa: emulator.statusTable.caPem, ...deps });
}

async function prepareTable(table: string, mode: SinkMode): Promise<void> {
  // Streaming needs the table's policy; the job creates the table itself in the other modes.
  if (mode !== 'streaming') return;
  await mgmt(`.create table ['${table}'] (id:long, name:string)`);
  await mgmt(`.alter table ['${table}'] policy streamingingestion enable`);
}

/**
 * The guarantee for one sink run: succeeded → exact; otherwise a clear error, nothing twice, only
 * source rows, and nothing at all from a failed transaction.
 */
async function judgeSinkRun(result: SinkOutcome, table: string, source: Row[], mode: SinkMode, what: string, others: Row[] = []): Promise<void> {
  const rows = (await tableRows(table)).filter((r) => !others.some((o) => o.id === r.id));
  assertSubset(rows, source, what);
  if (result.state === 'succeeded') {
    assertExact(contentOf(rows), contentOf(source), what);
    return;
  }
  assertClearError(result.error, `${what} (${result.state})`);
  if (mode === 'transactional' && result.state === 'failed') assert.equal(rows.length, 0, `${what}: a failed transaction left ${rows.length} rows visible`);
  totals.failedCleanly++;
}

/** Resumes (same job) without faults until exact; a streaming file whose answer was lost may stay Unknown, reported. */
async function resumeSinkToEnd(job: JobSpec, table: string, source: Row[], what: string, others: Row[] = []): Promise<void> {
  const resumed = await runSink(job);
  totals.resumes++;
  const rows = (await tableRows(table)).filter((r) => !others.some((o) => o.id === r.id));
  assertSubset(rows, source, `${what}, resumed`);
  if (resumed.state === 'unknown') {
    assert.ok(resumed.files.some((f) => f.status === 'Unknown' && f.via === 'streaming'), `${what}: unknown without a streaming file whose answer was lost: ${JSON.stringify(resumed.files)}`);
    assert.match(resumed.error ?? '', /unknown outcome/);
    totals.unknownReported++;
    return;
  }
  assert.equal(resumed.state, 'succeeded', `${what}: the resume did not finish: ${resumed.error}`);
  assertExact(contentOf(rows), contentOf(source), `${what}, resumed`);
}

async function sinkUnderFaults(seed: number, mode: SinkMode): Promise<void> {
  const draw = new Draw(seed);
  const source = generateRows(draw, draw.int(20, 300));
  const folder = writeSinkFolder(`sink-f${seed}`, source, draw.int(1, 4));
  const table = `F${seed}_${mode}`;
  await prepareTable(table, mode);
  const armed = arm(drawFaults(mode, draw));
  const job = sinkSpec(`rel-f${seed}`, folder, table, mode);
  const result = await runSink(job);
  totals.runs++;
  totals.faultsFired += fired(armed);
  emulator.clearFaults();
  await judgeSinkRun(result, table, source, mode, `${mode} under faults`);
  await resumeSinkToEnd(job, table, source, `${mode} under faults`);
}

// ---- Kusto → files -------------------------------------------------------------------------------

async function createSourceTable(table: string, rows: Row[]): Promise<void> {
  for (const chunk of split(rows, Math.max(1, Math.ceil(rows.length / 200)))) {
    await mgmt(`.set-or-append ['${table}'] <| datatable(id:long, name:string)[${chunk.map((r) => `${r.id}, ${kqlString(r.name)}`).join(',\n')}]`);
  }
}

function sourceSpec(id: string, table: string, readMode: 'stream' | 'export', out: string): JobSpec {
  return {
    version: 1, id, createdAt: '2026-01-01T00:00:00Z',
    source: readMode === 'stream'
      ? { kind: 'kustoQuery', connection: { clusterUrl: emulator.url, database: DB }, query: `['${table}']`, readMode }
      : { kind: 'kustoQuery', connection: { clusterUrl: emulator.url, database: DB }, query: `['${table}']`, readMode, staging: { kind: 'blob', url: `${staging.url}/exports`, secretRef: 'env:KDM_TEST_STAGING_SAS', authKind: 'sas' } },
    destination: readMode === 'stream'
      ? { kind: 'files', location: { kind: 'local', path: out }, format: 'json', layout: 'singleFile' }
      : { kind: 'files', location: { kind: 'local', path: out }, format: 'parquet', layout: 'sparkFolder' },
    options: { retry: { maxAttempts: 5, initialDelayMs: 10, maxDelayMs: 50 }, exportPollMaxIntervalMs: 100, estimateTimeoutMs: 5000 },
  };
}

const jobOptions = () => ({ jobsDir: join(dir, 'jobs'), secrets: { resolve: async (ref: string) => (ref === 'env:KDM_TEST_STAGING_SAS' ? staging.sas : undefined) } });

/** What the output holds, or undefined when nothing is visible at the destination. */
async function outputRows(out: string, readMode: 'stream' | 'export'): Promise<Row[] | undefined> {
  if (!existsSync(out)) return undefined;
  if (readMode === 'stream') {
    return readFileSync(out, 'utf8').split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l) as Row);
  }
  const rows: Row[] = [];
  for (const name of readdirSync(out).filter((n) => n.endsWith('.parquet'))) {
    const back = await readBackParquet(readFileSync(join(out, name)));
    rows.push(...back.rows.map((r) => ({ id: Number(r.id), name: String(r.name) })));
  }
  return rows;
}

async function judgeSourceRun(result: JobResult, out: string, source: Row[], readMode: 'stream' | 'export', what: string): Promise<void> {
  const rows = await outputRows(out, readMode);
  if (result.state === 'succeeded') {
    assert.ok(rows, `${what}: succeeded without output`);
    assertExact(contentOf(rows), contentOf(source), what);
    if (readMode === 'export') assert.ok(existsSync(join(out, '_SUCCESS')), `${what}: no _SUCCESS`);
    return;
  }
  assertClearError(result.error, `${what} (${result.state})`);
  assert.equal(rows, undefined, `${what}: a failed job left a visible output at ${out}`);
  totals.failedCleanly++;
}

async function sourceUnderFaults(seed: number, readMode: 'stream' | 'export'): Promise<void> {
  const draw = new Draw(seed);
  const source = generateRows(draw, draw.int(20, 400));
  const table = `S${seed}_${readMode}`;
  await createSourceTable(table, source);
  const out = join(dir, `out-f${seed}${readMode === 'stream' ? '.jsonl' : ''}`);
  const armed = arm(drawFaults(readMode, draw));
  const job = sourceSpec(`rel-s${seed}`, table, readMode, out);
  const result = await runJob(job, jobOptions());
  totals.runs++;
  totals.faultsFired += fired(armed);
  emulator.clearFaults();
  await judgeSourceRun(result, out, source, readMode, `${readMode} under faults`);
  if (result.state !== 'succeeded') {
    const resumed = await resumeJob(job.id, jobOptions());
    totals.resumes++;
    assert.equal(resumed.state, 'succeeded', `${readMode} under faults: the resume did not finish: ${resumed.error}`);
    await judgeSourceRun(resumed, out, source, readMode, `${readMode} under faults, resumed`);
  }
}

describe('seeded runs under faults', { timeout: Infinity }, () => {
  for (const seed of FAULT_SEEDS) {
    const scenario = SCENARIOS[seed % SCENARIOS.length] as Scenario;
    seededCase(`faults/${scenario}`, seed, () => (scenario === 'stream' || scenario === 'export' ? sourceUnderFaults(seed, scenario) : sinkUnderFaults(seed, scenario)));
  }
});

// ---- concurrency ---------------------------------------------------------------------------------

async function twoJobsIntoOneTable(seed: number): Promise<void> {
  const draw = new Draw(seed + 1000);
  const a = draw.pick(SINK_MODES);
  const b = draw.pick(SINK_MODES);
  const table = `C${seed}_${a}_${b}`;
  const rowsA = generateRows(draw, draw.int(20, 200), 1);
  const rowsB = generateRows(draw, draw.int(20, 200), 100_000);
  const folderA = writeSinkFolder(`conc-a${seed}`, rowsA, draw.int(1, 3));
  const folderB = writeSinkFolder(`conc-b${seed}`, rowsB, draw.int(1, 3));
  await prepareTable(table, a === 'streaming' || b === 'streaming' ? 'streaming' : 'queued');
  const jobA = sinkSpec(`rel-ca${seed}`, folderA, table, a);
  const jobB = sinkSpec(`rel-cb${seed}`, folderB, table, b);
  const [ra, rb] = await Promise.all([runSink(jobA), runSink(jobB)]);
  totals.concurrentRuns += 2;
  await judgeSinkRun(ra, table, rowsA, a, `${a} beside ${b} (job A)`, rowsB);
  await judgeSinkRun(rb, table, rowsB, b, `${b} beside ${a} (job B)`, rowsA);
  if (ra.state !== 'succeeded') await resumeSinkToEnd(jobA, table, rowsA, `job A (${a})`, rowsB);
  if (rb.state !== 'succeeded') await resumeSinkToEnd(jobB, table, rowsB, `job B (${b})`, rowsA);
}

interface ChildOutcome { result?: JobResult; refused?: string; code: number | null; signal: NodeJS.Signals | null; stderr: string }

/** Runs a JobSpec in its own process through the runner (as the CLI does); `killAfterMs` sends SIGKILL then. */
function runJobInChild(job: JobSpec, killAfterMs?: number): Promise<ChildOutcome> {
  const specFile = join(dir, `${job.id}-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(specFile, JSON.stringify(job));
  const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'runJobChild.ts'), specFile, join(dir, 'jobs')],
    { env: { ...process.env, NODE_EXTRA_CA_CERTS: emulator.statusTable.caPemPath, KDM_TEST_STAGING_SAS: staging.sas }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  if (killAfterMs !== undefined) setTimeout(() => child.kill('SIGKILL'), killAfterMs).unref();
  const cap = setTimeout(() => child.kill('SIGKILL'), CAP_MS);
  return new Promise((resolve) => child.on('close', (code, signal) => {
    clearTimeout(cap);
    let parsed: { result?: JobResult; refused?: string } = {};
    try { parsed = stdout ? JSON.parse(stdout) as typeof parsed : {}; } catch { /* a killed child may print nothing */ }
    resolve({ ...parsed, code, signal, stderr });
  }));
}

/** Two starts of one spec at once: each either runs or is refused as already running, and one succeeds. */
function judgeTwoStarts(starts: ChildOutcome[], what: string): void {
  for (const s of starts) {
    assert.equal(s.code, 0, `${what}: a start crashed: ${s.stderr.slice(0, 800)}`);
    if (s.refused !== undefined) assert.match(s.refused, /is running in process \d+|already running/i, `${what}: refused without saying why`);
    else if (s.result?.state !== 'succeeded') assertClearError(s.result?.error, what);
  }
  assert.ok(starts.some((s) => s.result?.state === 'succeeded'), `${what}: neither start succeeded: ${JSON.stringify(starts.map((s) => s.refused ?? s.result?.error ?? s.result?.state))}`);
}

/** The same files → table JobSpec started twice at once, in two processes. */
async function sameSinkSpecTwice(seed: number): Promise<void> {
  const draw = new Draw(seed + 2000);
  const mode = draw.pick(['queued', 'transactional'] as const);
  const source = generateRows(draw, draw.int(20, 200));
  const folder = writeSinkFolder(`twice-${seed}`, source, draw.int(1, 3));
  const table = `T${seed}_${mode}`;
  const job = sinkSpec(`rel-twice${seed}`, folder, table, mode);
  const starts = await Promise.all([runJobInChild(job), runJobInChild(job)]);
  totals.concurrentRuns += 2;
  judgeTwoStarts(starts, `the same ${mode} spec twice`);
  const rows = await tableRows(table);
  assertSubset(rows, source, 'the same spec twice');
  assertExact(contentOf(rows), contentOf(source), 'the same spec twice');
}

/** The same files → table JobSpec started twice at once in one process (a job host serving two requests). */
async function sameSinkSpecTwiceInProcess(seed: number): Promise<void> {
  const draw = new Draw(seed + 7000);
  const source = generateRows(draw, draw.int(20, 200));
  const folder = writeSinkFolder(`twice-in-${seed}`, source, draw.int(1, 3));
  const table = `TI${seed}`;
  const job = sinkSpec(`rel-twice-in${seed}`, folder, table, 'queued');
  const settled = await Promise.allSettled([runJob(job, jobOptions()), runJob(job, jobOptions())]);
  totals.concurrentRuns += 2;
  const starts: ChildOutcome[] = settled.map((r) => (r.status === 'fulfilled'
    ? { result: r.value, code: 0, signal: null, stderr: '' }
    : (r.reason as Error).name === 'JobAlreadyRunningError' ? { refused: (r.reason as Error).message, code: 0, signal: null, stderr: '' } : { code: 1, signal: null, stderr: String((r.reason as Error).message) }));
  judgeTwoStarts(starts, 'the same spec twice in one process');
  const rows = await tableRows(table);
  assertSubset(rows, source, 'the same spec twice in one process');
  assertExact(contentOf(rows), contentOf(source), 'the same spec twice in one process');
}

/** The same query → file JobSpec started twice at once, in two processes. */
async function sameSourceSpecTwice(seed: number): Promise<void> {
  const draw = new Draw(seed + 3000);
  const source = generateRows(draw, draw.int(50, 400));
  const table = `ST${seed}`;
  await createSourceTable(table, source);
  const out = join(dir, `twice-out-${seed}.jsonl`);
  const job = sourceSpec(`rel-stwice${seed}`, table, 'stream', out);
  const starts = await Promise.all([runJobInChild(job), runJobInChild(job)]);
  totals.concurrentRuns += 2;
  judgeTwoStarts(starts, 'the same query spec twice');
  const rows = await outputRows(out, 'stream');
  assert.ok(rows, 'no output');
  assertExact(contentOf(rows), contentOf(source), 'the same query spec twice');
}

/** A finished job run again (same id, then a new id over the same files): nothing twice. */
async function rerunOfFinished(seed: number): Promise<void> {
  const draw = new Draw(seed + 4000);
  const mode = draw.pick(SINK_MODES);
  const source = generateRows(draw, draw.int(20, 200));
  const folder = writeSinkFolder(`rerun-${seed}`, source, draw.int(1, 3));
  const table = `R${seed}_${mode}`;
  await prepareTable(table, mode);
  const first = await runSink(sinkSpec(`rel-rerun${seed}`, folder, table, mode));
  totals.runs++;
  assert.equal(first.state, 'succeeded', first.error);
  // A rerun of the same job sends nothing twice in every mode; under a new job id only queued and
  // transactional promise that (streamed rows carry no tag: the README says a new job streams again).
  for (const id of mode === 'streaming' ? [`rel-rerun${seed}`] : [`rel-rerun${seed}`, `rel-rerun${seed}-again`]) {
    const again = await runSink(sinkSpec(id, folder, table, mode));
    totals.runs++;
    assert.equal(again.state, 'succeeded', again.error);
    const rows = await tableRows(table);
    assertSubset(rows, source, `rerun as ${id}`);
    assertExact(contentOf(rows), contentOf(source), `rerun as ${id}`);
  }
  // The query direction: a finished job run again replaces its output with the same rows.
  const srcTable = `RS${seed}`;
  await createSourceTable(srcTable, source);
  const out = join(dir, `rerun-out-${seed}.jsonl`);
  const job = sourceSpec(`rel-srerun${seed}`, srcTable, 'stream', out);
  const first2 = await runJob(job, jobOptions());
  totals.runs++;
  assert.equal(first2.state, 'succeeded', first2.error);
  // Run again as it is: refused (ifExists defaults to fail), the finished output untouched.
  const refused = await runJob(job, jobOptions());
  totals.runs++;
  assert.equal(refused.state, 'failed');
  assert.match(refused.error ?? '', /already exists \(choose "replace" to overwrite it\)/);
  assertExact(contentOf((await outputRows(out, 'stream')) ?? []), contentOf(source), 'query rerun refused');
  // Run again with replace: the same rows, once.
  (job.destination as { ifExists?: string }).ifExists = 'replace';
  const replaced = await runJob(job, jobOptions());
  totals.runs++;
  assert.equal(replaced.state, 'succeeded', replaced.error);
  assertExact(contentOf((await outputRows(out, 'stream')) ?? []), contentOf(source), 'query rerun with replace');
}

describe('concurrency and reruns', { timeout: Infinity }, () => {
  const kinds = [twoJobsIntoOneTable, sameSinkSpecTwice, sameSourceSpecTwice, rerunOfFinished];
  const names = ['two jobs into one table', 'same files spec twice at once', 'same query spec twice at once', 'rerun of a finished job'];
  for (const seed of CONCURRENCY_SEEDS) {
    const k = seed % kinds.length;
    seededCase(`concurrency/${names[k]}`, seed, () => (kinds[k] as (s: number) => Promise<void>)(seed));
  }
  for (const seed of CONCURRENCY_SEEDS.slice(0, LONG ? 12 : 2)) seededCase('concurrency/same files spec twice in one process', seed, () => sameSinkSpecTwiceInProcess(seed));
});

// ---- kill -9 and resume --------------------------------------------------------------------------

const KILL_POINTS: Record<SinkMode, string[]> = {
  queued: ['fileFinal:1', 'fileFinal:2', 'round:1', 'time'],
  // streamSent: the service answered, the sink state does not know yet (the file must not be streamed again).
  streaming: ['fileFinal:1', 'fileFinal:2', 'streamSent:1', 'streamSent:2', 'time'],
  transactional: ['fileFinal:1', 'beforeMove:1', 'afterMove:1', 'afterDrop:1', 'time'],
};

function killPlan(seed: number): { draw: Draw; mode: SinkMode; point: string } {
  const draw = new Draw(seed + 5000);
  const mode = draw.pick(SINK_MODES);
  return { draw, mode, point: draw.pick(KILL_POINTS[mode]) };
}

async function killAndResume(seed: number): Promise<void> {
  const { draw, mode, point } = killPlan(seed);
  const source = generateRows(draw, draw.int(50, 300));
  const folder = writeSinkFolder(`kill-${seed}`, source, draw.int(2, 4));
  const table = `K${seed}_${mode}`;
  await prepareTable(table, mode);
  const job = sinkSpec(`rel-kill${seed}`, folder, table, mode);
  const specFile = join(dir, `kill-${seed}.json`);
  writeFileSync(specFile, JSON.stringify(job));
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'test', 'integration', 'sinkKillChild.ts'), specFile, join(dir, 'jobs', job.id), point === 'time' ? '' : point, '2'],
    { env: { ...process.env, NODE_EXTRA_CA_CERTS: emulator.statusTable.caPemPath }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  // A random time: the child's start (tsx) takes about a second on a busy machine, the job a few more.
  if (point === 'time') setTimeout(() => child.kill('SIGKILL'), draw.int(600, 3500)).unref();
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('close', (c, s) => resolve([c, s])));
  if (signal === 'SIGKILL') totals.kills++;
  else assert.equal(code, 0, `the job process ended without the kill: ${stderr}`);
  // What is in the table after the kill: nothing twice, nothing foreign; then the resume makes it exact.
  assertSubset(await tableRows(table), source, `killed at ${point} (${mode})`);
  await resumeSinkToEnd(job, table, source, `killed at ${point} (${mode})`);
}

/** Query → files killed at a random time in its own process, then resumed: exact, or nothing visible. */
async function killQueryAndResume(seed: number): Promise<void> {
  const draw = new Draw(seed + 6000);
  const readMode = draw.pick(['stream', 'export'] as const);
  const source = generateRows(draw, draw.int(200, 2000));
  const table = `KS${seed}`;
  await createSourceTable(table, source);
  const out = join(dir, `kill-out-${seed}${readMode === 'stream' ? '.jsonl' : ''}`);
  const job = sourceSpec(`rel-skill${seed}`, table, readMode, out);
  // Slow answers widen the window in which the kill lands mid-job.
  emulator.addFault({ endpoint: readMode === 'stream' ? 'v2/rest/query' : 'v1/rest/mgmt', delayMs: draw.int(200, 1500), times: 2 });
  const killed = await runJobInChild(job, draw.int(800, 5000));
  emulator.clearFaults();
  if (killed.signal === 'SIGKILL') {
    totals.kills++;
    const visible = await outputRows(out, readMode);
    if (visible !== undefined) assertExact(contentOf(visible), contentOf(source), `${readMode} killed: the visible output`);
  } else {
    assert.equal(killed.code, 0, killed.stderr);
    assert.equal(killed.result?.state, 'succeeded', killed.result?.error);
  }
  // Killed before its journal was written, the job is simply started again (runJob continues a journal it finds).
  const journaled = existsSync(join(dir, 'jobs', job.id, 'journal.json'));
  const resumed = journaled ? await resumeJob(job.id, jobOptions()) : await runJob(job, jobOptions());
  totals.resumes++;
  assert.equal(resumed.state, 'succeeded', `${readMode} killed, resumed: ${resumed.error}`);
  await judgeSourceRun(resumed, out, source, readMode, `${readMode} killed, resumed`);
}

describe('kill -9 of the job process, then resume', { timeout: Infinity }, () => {
  for (const seed of KILL_SEEDS) seededCase(`kill/files to table (${killPlan(seed).mode})`, seed, () => killAndResume(seed));
  for (const seed of KILL_SEEDS) seededCase('kill/query to files', seed, () => killQueryAndResume(seed));
});
