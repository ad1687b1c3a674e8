// A job process whose window goes away (the front end closes the channel, as a closing or
// reloading window does), through the real job process (dist/jobProcess.js) and the emulator in
// tokens mode: with the default setting it finishes on the token it has; with "stopResumably" it
// stops resumably at once; with a short-lived token and no window to renew it, it stops resumably
// (SIGN_IN_REQUIRED) when it needs a new one. Each stopped job is resumed to the exact output.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { AccessTokenInfo, CredentialResolver } from '../../src/engine/jobContext';
import type { JobSpec } from '../../src/engine/jobSpec';
import { JobProcess, JobProcessExitedError } from '../../src/jobHost/jobProcessClient';
import { processAlive } from '../../src/engine/jobLock';
import { JobsFolderReader } from '../../src/jobHost/journalReader';
import type { WhenWindowCloses } from '../../src/jobHost/protocol';
import { CLUSTER_ADMIN, startEmulator } from '../emulator/index';
import { sumCsvFolder } from '../helpers/csvFolder';

const root = resolve(__dirname, '..', '..');
const entry = join(root, 'dist', 'jobProcess.js');
const DB = 'Tests';
const ROWS = 2_000_000;
const SUM = 2_000_001_000_000n;
let emulator: Awaited<ReturnType<typeof startEmulator>>;
let work: string;

function credentials(getTokenInfo: () => Promise<AccessTokenInfo>): CredentialResolver {
  return { resolve: () => ({ getToken: async () => (await getTokenInfo()).token, getTokenInfo }) };
}
const hourLong = credentials(async () => ({ token: emulator.tokenFor(CLUSTER_ADMIN), expiresOnTimestamp: Date.now() + 3600_000 }));

function spec(id: string, retryDelayMs = 10): JobSpec {
  return {
    version: 1,
    id,
    createdAt: new Date().toISOString(),
    source: { kind: 'kustoQuery', connection: { clusterUrl: emulator.url, database: DB, auth: { kind: 'credential', id: 'admin' } }, query: `range i from 1 to ${ROWS} step 1 | extend s = strcat("r", tostring(i))`, readMode: 'stream' },
    destination: { kind: 'files', location: { kind: 'local', path: join(work, `out-${id}`) }, format: 'csv', layout: 'sparkFolder', maxRowsPerFile: 500_000 },
    options: { retry: { maxAttempts: 3, initialDelayMs: retryDelayMs, maxDelayMs: retryDelayMs }, progressIntervalMs: 50 },
  };
}

function start(request: ConstructorParameters<typeof JobProcess>[0]['request'], creds: CredentialResolver, whenWindowCloses?: WhenWindowCloses, onRows?: (rows: number, job: JobProcess) => void): JobProcess {
  const job: JobProcess = new JobProcess({ entry, jobsDir: join(work, 'jobs'), request, authId: 'admin', credentials: creds, whenWindowCloses, onProgress: (e) => onRows?.(e.rows ?? 0, job) });
  return job;
}

/** Runs until the job has written some rows, then lets go of it as a closing window does; resolves when the process has ended. */
async function detachMidway(job: JobProcess, detached: { at: number }): Promise<void> {
  await assert.rejects(job.result, (err: unknown) => err instanceof JobProcessExitedError, 'a detached front end hears no result');
  assert.ok(detached.at > 0, 'detached mid-way');
  await job.exited;
  assert.ok(!processAlive(job.pid), 'the job process does not linger');
}

before(async () => {
  assert.ok(existsSync(entry), 'dist/jobProcess.js is built (npm run build)');
  work = await mkdtemp(join(tmpdir(), 'kdm-detached-'));
  emulator = await startEmulator({ auth: 'tokens', databases: [DB] });
});
after(async () => {
  await emulator?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('a job whose window goes away', () => {
  test('by default it goes on to its end on the token it has, and its journal and result show the outcome', async () => {
    const detached = { at: 0 };
    const job = start({ kind: 'run', spec: spec('go-on') }, hourLong, undefined, (rows, j) => {
      if (rows >= 200_000 && !detached.at) {
        detached.at = rows;
        j.detach();
      }
    });
    await detachMidway(job, detached);
    const e = await new JobsFolderReader(join(work, 'jobs')).read('go-on');
    assert.equal(e?.record.state, 'succeeded', e?.record.error);
    assert.equal(e?.result?.rows, ROWS);
    assert.deepEqual(await sumCsvFolder(join(work, 'out-go-on')), { rows: ROWS, sum: SUM });
  });

  test('with whenLastWindowCloses = stopResumably it stops resumably at once with the reason in its result and log; Resume writes every row once', async () => {
    const detached = { at: 0 };
    const job = start({ kind: 'run', spec: spec('stop-now') }, hourLong, 'stopResumably', (rows, j) => {
      if (rows >= 200_000 && !detached.at) {
        detached.at = rows;
        j.detach();
      }
    });
    await detachMidway(job, detached);
    const reader = new JobsFolderReader(join(work, 'jobs'));
    const e = await reader.read('stop-now');
    assert.equal(e?.record.state, 'canceled');
    assert.match(e?.result?.error ?? '', /its window closed .*"stopResumably".*resume it/);
    assert.match(readFileSync(join(work, 'jobs', 'stop-now', 'job.log'), 'utf8'), /\[warn\] stopped: its window closed/);
    assert.ok(!existsSync(join(work, 'out-stop-now')), 'nothing under the final name');
    const resumed = await start({ kind: 'resume', jobId: 'stop-now' }, hourLong).result;
    assert.equal(resumed.result.state, 'succeeded', resumed.result.error);
    assert.deepEqual(await sumCsvFolder(join(work, 'out-stop-now')), { rows: ROWS, sum: SUM });
  });

  test('with a short-lived token and no window, it stops resumably (SIGN_IN_REQUIRED) when it needs a new token; Resume completes it exactly', async () => {
    // Tokens that live one second. The query's stream is cut once after ~8 MB; the retry waits
    // 1.5 s, so it needs a new token, and by then the window is gone.
    const fault = emulator.addFault({ endpoint: 'v2/rest/query', command: 'strcat', resetAfterBytes: 8_000_000, times: 1 });
    let asked = 0;
    const shortLived = credentials(async () => {
      asked++;
      return { token: emulator.tokenFor(CLUSTER_ADMIN), expiresOnTimestamp: Date.now() + 1000 };
    });
    const detached = { at: 0 };
    const job = start({ kind: 'run', spec: spec('short-token', 1500) }, shortLived, undefined, (rows, j) => {
      if (rows >= 50_000 && !detached.at) {
        detached.at = rows;
        j.detach();
      }
    });
    try {
      await detachMidway(job, detached);
    } finally {
      emulator.removeFault(fault);
    }
    assert.ok(asked >= 1);
    const e = await new JobsFolderReader(join(work, 'jobs')).read('short-token');
    assert.equal(e?.record.state, 'failed');
    assert.equal(e?.result?.errorCode, 'SIGN_IN_REQUIRED');
    assert.match(e?.record.error ?? '', /new access token and no window is attached.*resume it from a window/);
    assert.ok(!existsSync(join(work, 'out-short-token')), 'nothing under the final name');
    const resumed = await start({ kind: 'resume', jobId: 'short-token' }, hourLong).result;
    assert.equal(resumed.result.state, 'succeeded', resumed.result.error);
    assert.deepEqual(await sumCsvFolder(join(work, 'out-short-token')), { rows: ROWS, sum: SUM });
    assert.deepEqual((await readdir(work)).filter((n) => n.startsWith('.out-short-token')), [], 'no hidden temporary output left');
  });
});
