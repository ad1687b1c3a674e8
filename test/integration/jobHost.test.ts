// The job host against the local Kusto emulator (tokens mode): a job run in its own process
// (dist/jobProcess.js, as the extension starts it) gives the same output as in-process, asks the
// front end for its token over the channel (cached until near expiry), stops on a cancel sent over
// the channel (not by the signal fallback) with nothing partial left, and a job process killed
// with SIGKILL leaves a journal that the job host resumes to the exact output.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { CredentialResolver } from '../../src/engine/jobContext';
import type { JobSpec } from '../../src/engine/jobSpec';
import { runJob } from '../../src/engine/runner';
import { JobProcess, JobProcessExitedError, JobStartError } from '../../src/jobHost/jobProcessClient';
import { JobsFolderReader } from '../../src/jobHost/journalReader';
import { CLUSTER_ADMIN, startEmulator } from '../emulator/index';
import { sumCsvFolder } from '../helpers/csvFolder';

const root = resolve(__dirname, '..', '..');
const entry = join(root, 'dist', 'jobProcess.js');
const DB = 'Tests';
let emulator: Awaited<ReturnType<typeof startEmulator>>;
let work: string;
let tokenRequests = 0;

/** The front end's resolver: counts how often the job process has to ask. */
function frontEndCredentials(): CredentialResolver {
  return {
    resolve: (id) => {
      if (id !== 'admin') throw new Error(`unknown credential "${id}"`);
      return {
        getToken: async () => emulator.tokenFor(CLUSTER_ADMIN),
        getTokenInfo: async () => {
          tokenRequests++;
          return { token: emulator.tokenFor(CLUSTER_ADMIN), expiresOnTimestamp: Date.now() + 3600_000 };
        },
      };
    },
  };
}

function spec(id: string, query: string, layout: 'singleFile' | 'sparkFolder' = 'singleFile'): JobSpec {
  return {
    version: 1,
    id,
    createdAt: new Date().toISOString(),
    source: { kind: 'kustoQuery', connection: { clusterUrl: emulator.url, database: DB, auth: { kind: 'credential', id: 'admin' } }, query, readMode: 'stream' },
    destination: { kind: 'files', location: { kind: 'local', path: join(work, `out-${id}`) }, format: 'csv', layout, ...(layout === 'sparkFolder' ? { maxRowsPerFile: 500_000 } : {}) },
    options: { retry: { maxAttempts: 3, initialDelayMs: 10, maxDelayMs: 50 }, progressIntervalMs: 50 },
  };
}

function hosted(jobsDir: string, request: ConstructorParameters<typeof JobProcess>[0]['request'], onProgress?: (rows: number, job: JobProcess) => void): JobProcess {
  const job: JobProcess = new JobProcess({ entry, jobsDir, request, authId: 'admin', credentials: frontEndCredentials(), onProgress: (e) => onProgress?.(e.rows ?? 0, job) });
  return job;
}

before(async () => {
  assert.ok(existsSync(entry), 'dist/jobProcess.js is built (npm run build)');
  work = await mkdtemp(join(tmpdir(), 'kdm-jobhost-'));
  emulator = await startEmulator({ auth: 'tokens', databases: [DB], ingestionPollMs: 50 });
  // The job process trusts the emulator's status-table certificate as the extension's would (code-server's NODE_EXTRA_CA_CERTS).
  process.env.NODE_EXTRA_CA_CERTS = emulator.statusTable.caPemPath;
});
after(async () => {
  await emulator?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('a job in its own process', () => {
  test('writes byte for byte the output of the same job run in-process, with its token asked of the front end once', async () => {
    const query = 'range i from 1 to 200000 step 1 | extend s = strcat("row ", tostring(i)), d = i * 0.5';
    const inProcess = spec('same-in', query);
    const inResult = await runJob(inProcess, { jobsDir: join(work, 'jobs'), credentials: frontEndCredentials() });
    assert.equal(inResult.state, 'succeeded', inResult.error);
    tokenRequests = 0;
    const hostedSpec = spec('same-host', query);
    const { result } = await hosted(join(work, 'jobs'), { kind: 'run', spec: hostedSpec }).result;
    assert.equal(result.state, 'succeeded', result.error);
    assert.equal(result.rows, 200_000);
    assert.equal(result.rows, inResult.rows);
    const bytesIn = await readFile(join(work, 'out-same-in'));
    const bytesHost = await readFile(join(work, 'out-same-host'));
    assert.equal(bytesHost.length, bytesIn.length);
    assert.ok(bytesHost.equals(bytesIn), 'the same bytes');
    // The engine asks for a token on every request (estimate, query); the job process asks the front end once per lifetime.
    assert.equal(tokenRequests, 1);
    // The job process leaves the full result for any window to read.
    const entry = await new JobsFolderReader(join(work, 'jobs')).read('same-host');
    assert.equal(entry?.record.state, 'succeeded');
    assert.equal(entry?.result?.rows, 200_000);
  });

  test('a front end without the credential refuses the job with the resolver\'s message, as in-process, not a hang', async () => {
    const job = new JobProcess({ entry, jobsDir: join(work, 'jobs'), request: { kind: 'run', spec: spec('no-cred', 'range i from 1 to 10 step 1') }, authId: 'admin', credentials: { resolve: () => { throw new Error('unknown credential "admin"'); } } });
    await assert.rejects(job.result, (err: unknown) => err instanceof JobStartError && /unknown credential "admin"/.test(err.message));
  });

  test('a bad spec is refused at the start with the engine\'s error name', async () => {
    const job = new JobProcess({ entry, jobsDir: join(work, 'jobs'), request: { kind: 'run', spec: { version: 1, id: 'bad' } }, authId: undefined, credentials: frontEndCredentials() });
    await assert.rejects(job.result, (err: unknown) => err instanceof JobStartError && err.name === 'JobSpecError');
  });

  test('cancel over the channel stops the job (no signal needed), leaves no output, and Resume writes every row once', async () => {
    const long = spec('cancel-1', 'range i from 1 to 3000000 step 1 | extend s = strcat("r", tostring(i))', 'sparkFolder');
    let cancelledAt = 0;
    const job = hosted(join(work, 'jobs'), { kind: 'run', spec: long }, (rows, j) => {
      if (rows >= 200_000 && !cancelledAt) {
        cancelledAt = rows;
        j.cancel();
      }
    });
    const { result } = await job.result;
    assert.ok(cancelledAt > 0, 'cancelled mid-way');
    assert.equal(result.state, 'canceled');
    assert.ok(!existsSync(join(work, 'out-cancel-1')), 'nothing under the final name');
    const resumed = await hosted(join(work, 'jobs'), { kind: 'resume', jobId: 'cancel-1' }).result;
    assert.equal(resumed.result.state, 'succeeded', resumed.result.error);
    assert.deepEqual(await sumCsvFolder(join(work, 'out-cancel-1')), { rows: 3_000_000, sum: 4_500_001_500_000n });
    assert.deepEqual((await readdir(work)).filter((n) => n.startsWith('.out-cancel-1')), [], 'no hidden temporary output left');
  });

  test('a job process killed with SIGKILL reads as interrupted (journal running, pid gone); resume completes it exactly', async () => {
    const long = spec('killed-1', 'range i from 1 to 2000000 step 1 | extend s = strcat("r", tostring(i))', 'sparkFolder');
    let killed = false;
    const job = hosted(join(work, 'jobs'), { kind: 'run', spec: long }, (rows, j) => {
      if (rows >= 200_000 && !killed) {
        killed = true;
        process.kill(j.pid as number, 'SIGKILL');
      }
    });
    await assert.rejects(job.result, (err: unknown) => err instanceof JobProcessExitedError && err.exitSignal === 'SIGKILL');
    const entry = await new JobsFolderReader(join(work, 'jobs')).read('killed-1');
    assert.equal(entry?.record.state, 'running');
    assert.equal(entry?.processAlive, false);
    assert.ok(!existsSync(join(work, 'out-killed-1')));
    const resumed = await hosted(join(work, 'jobs'), { kind: 'resume', jobId: 'killed-1' }).result;
    assert.equal(resumed.result.state, 'succeeded', resumed.result.error);
    assert.deepEqual(await sumCsvFolder(join(work, 'out-killed-1')), { rows: 2_000_000, sum: 2_000_001_000_000n });
  });

  test('a sink job with one bad file fails with a result per file: the good ones ingested, the bad one with the service\'s reason', async () => {
    const folder = join(work, 'bad-files');
    mkdirSync(folder);
    writeFileSync(join(folder, 'good1.json'), '{"id":1}\n');
    writeFileSync(join(folder, 'good2.json'), '{"id":2}\n');
    writeFileSync(join(folder, 'broken.json'), '{"id": 3, "oops\n');
    const sink: JobSpec = {
      version: 1,
      id: 'sink-bad',
      createdAt: new Date().toISOString(),
      source: { kind: 'files', location: { kind: 'local', path: folder }, format: 'json' },
      destination: { kind: 'kustoTable', connection: { clusterUrl: emulator.url, database: DB, auth: { kind: 'credential', id: 'admin' } }, table: 'PartlyBad', mode: 'queued', tableCreation: 'createIfNotExists', statusPollIntervalMs: 20, statusTimeoutMs: 20_000 },
    };
    const { result } = await hosted(join(work, 'jobs'), { kind: 'run', spec: sink }).result;
    assert.equal(result.state, 'failed');
    const byName = new Map((result.fileResults ?? []).map((f) => [f.relativePath, f]));
    assert.deepEqual([...byName.keys()].sort(), ['broken.json', 'good1.json', 'good2.json']);
    assert.equal(byName.get('good1.json')?.status, 'Succeeded');
    assert.equal(byName.get('good2.json')?.status, 'Succeeded');
    assert.equal(byName.get('broken.json')?.status, 'Failed');
    assert.ok((byName.get('broken.json')?.details ?? '').length > 0, 'the service\'s reason is kept');
    const entry = await new JobsFolderReader(join(work, 'jobs')).read('sink-bad');
    assert.equal(entry?.result?.fileResults?.find((f) => f.relativePath === 'broken.json')?.details, byName.get('broken.json')?.details);
  });
});
