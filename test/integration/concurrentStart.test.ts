// The same job started several times at once, as separate CLI processes (dist/cli.js): exactly one
// runs, the others stop with exit 3 "already running" before doing anything, and the output holds
// each row exactly once. The query is held back by the emulator for a while, so that every start
// happens while the first one still runs.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { executeManagement } from '../../src/kusto/managementClient';
import { startEmulator } from '../emulator/index';

type Emulator = Awaited<ReturnType<typeof startEmulator>>;

const root = resolve(__dirname, '..', '..');
const cli = join(root, 'dist', 'cli.js');
const DB = 'Tests';
const ROWS = 3000;
const STARTS = 3;
const ROUNDS = 10;
let emulator: Emulator;
let work: string;

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'kdm-concurrent-'));
  emulator = await startEmulator({ auth: 'open', databases: [DB], ingestionPollMs: 50 });
  // Every files → Kusto job waits 3 s for its ingestion resources, for the same reason.
  emulator.addFault({ endpoint: 'v1/rest/mgmt', command: 'get\\s+ingestion\\s+resources', delayMs: 3000 });
  // Every query of this suite waits 3 s before its answer: the first start still runs when the others begin.
  emulator.addFault({ endpoint: 'v2/rest/query', command: 'ConcurrentMarker', delayMs: 3000 });
});
after(async () => {
  await emulator?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runCli(args: string[]): Promise<Exit> {
  // The emulator's ingestion status table speaks HTTPS with its own certificate.
  const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_EXTRA_CA_CERTS: emulator.statusTable.caPemPath } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((done) => child.once('close', (code) => done({ code, stdout, stderr })));
}

async function csvIds(folder: string): Promise<number[]> {
  const ids: number[] = [];
  for (const name of (await readdir(folder)).filter((n) => n.endsWith('.csv')).sort()) {
    const lines = (await readFile(join(folder, name), 'utf8')).split('\n').slice(1).filter((l) => l !== '');
    for (const line of lines) ids.push(Number(line.split(',')[0]));
  }
  return ids.sort((a, b) => a - b);
}

describe('the same job started several times at once', () => {
  test(`${STARTS} CLI processes at once, ${ROUNDS} times: one runs, the others exit 3 "already running", every row once`, async () => {
    for (let round = 1; round <= ROUNDS; round++) {
      const out = join(work, `out-${round}`);
      const jobsDir = join(work, 'jobs');
      const spec = {
        version: 1,
        id: `same-${round}`,
        createdAt: new Date().toISOString(),
        source: { kind: 'kustoQuery', connection: { clusterUrl: emulator.url, database: DB }, query: `range i from 1 to ${ROWS} step 1 | extend s = "ConcurrentMarker"`, readMode: 'stream' },
        destination: { kind: 'files', location: { kind: 'local', path: out }, format: 'csv', layout: 'sparkFolder' },
      };
      const specFile = join(work, `spec-${round}.json`);
      await writeFile(specFile, JSON.stringify(spec));
      const exits = await Promise.all(Array.from({ length: STARTS }, () => runCli(['copy', specFile, '--jobs-dir', jobsDir, '--progress', 'none'])));
      const codes = exits.map((e) => e.code).sort();
      const detail = exits.map((e) => `exit ${e.code}: ${e.stdout.trim()} ${e.stderr.trim()}`).join('\n');
      assert.deepEqual(codes, [0, ...Array<number>(STARTS - 1).fill(3)], `round ${round}:\n${detail}`);
      for (const e of exits.filter((x) => x.code === 3)) {
        assert.match(e.stderr, new RegExp(`^job "same-${round}" is already running \\(process \\d+\\)$`, 'm'), detail);
        assert.doesNotMatch(e.stderr + e.stdout, /ENOENT|at .*\.js:\d+/, detail);
      }
      assert.match(exits.find((e) => e.code === 0)?.stdout ?? '', new RegExp(`^Done: ${ROWS} rows`, 'm'));
      const ids = await csvIds(out);
      assert.equal(ids.length, ROWS, `round ${round}: rows in the output`);
      assert.deepEqual([ids[0], ids.at(-1), new Set(ids).size], [1, ROWS, ROWS]);
      // Nothing hidden is left beside the output, and the lock is gone with the job.
      assert.deepEqual((await readdir(work)).filter((n) => n.startsWith(`.out-${round}.`)), []);
      assert.ok(!existsSync(join(jobsDir, `same-${round}`, 'job.lock')), 'the lock is released');
      const journal = JSON.parse(await readFile(join(jobsDir, `same-${round}`, 'journal.json'), 'utf8')) as { state: string; runs: number };
      assert.deepEqual([journal.state, journal.runs], ['succeeded', 1]);
    }
  });

  test(`files → Kusto: ${STARTS} CLI processes at once, in queued, streaming and transactional mode: one ingests, the others exit 3, every row once in the table`, async () => {
    const source = join(work, 'spark-source');
    await mkdir(source, { recursive: true });
    await writeFile(join(source, 'part-00000-s-c000.csv'), 'id,s\n' + Array.from({ length: 500 }, (_, i) => `${i + 1},a${i + 1}`).join('\n') + '\n');
    await writeFile(join(source, 'part-00001-s-c000.csv'), 'id,s\n' + Array.from({ length: 500 }, (_, i) => `${i + 501},b${i + 501}`).join('\n') + '\n');
    await writeFile(join(source, '_SUCCESS'), '');
    const modes = ['queued', 'streaming', 'transactional'] as const;
    for (let round = 1; round <= modes.length; round++) {
      const mode = modes[round - 1];
      const table = `Same${round}`;
      await executeManagement({ clusterUrl: emulator.url, database: DB }, `.create table ${table} (id:long, s:string)`);
      const spec = {
        version: 1,
        id: `ingest-same-${round}`,
        createdAt: new Date().toISOString(),
        source: { kind: 'files', location: { kind: 'local', path: source }, layout: 'auto', format: 'csv' },
        destination: { kind: 'kustoTable', connection: { clusterUrl: emulator.url, database: DB }, table, mode, tableCreation: 'failIfNotExists', statusPollIntervalMs: 20, statusTimeoutMs: 30_000 },
      };
      const specFile = join(work, `ingest-spec-${round}.json`);
      await writeFile(specFile, JSON.stringify(spec));
      const exits = await Promise.all(Array.from({ length: STARTS }, () => runCli(['copy', specFile, '--jobs-dir', join(work, 'jobs'), '--progress', 'none'])));
      const detail = exits.map((e) => `exit ${e.code}: ${e.stdout.trim()} ${e.stderr.trim()}`).join('\n');
      assert.deepEqual(exits.map((e) => e.code).sort(), [0, ...Array<number>(STARTS - 1).fill(3)], `${mode}:\n${detail}`);
      for (const e of exits.filter((x) => x.code === 3)) assert.match(e.stderr, new RegExp(`^job "ingest-same-${round}" is already running \\(process \\d+\\)$`, 'm'), detail);
      const [counted] = await executeManagement({ clusterUrl: emulator.url, database: DB }, `${table} | summarize n = count(), d = dcount(id), s = sum(id)`, 'v1/rest/query');
      const [sample] = await executeManagement({ clusterUrl: emulator.url, database: DB }, `${table} | take 2`, 'v1/rest/query');
      assert.deepEqual(counted?.rows.map((r) => r.map(Number)), [[1000, 1000, 500_500]], `${mode}: ${JSON.stringify(sample?.rows)}`);
    }
  });
});
