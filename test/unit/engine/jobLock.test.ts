// The job lock: one holder at a time, a dead holder's lock is taken over, and release removes only our own lock.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { JobAlreadyRunningError, JobLock } from '../../../src/engine/jobLock';

let work: string;
before(async () => {
  work = await mkdtemp(join(tmpdir(), 'kdm-lock-'));
});
after(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

/** The pid of a process that has ended. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(child.stdout.toString());
}

describe('job lock', () => {
  test('a second acquire while the first holds the lock is refused, naming the holder; after release it succeeds', async () => {
    const dir = join(work, 'a');
    const first = await JobLock.acquire(dir, 'a');
    await assert.rejects(JobLock.acquire(dir, 'a'), (err: unknown) => err instanceof JobAlreadyRunningError && err.message === `job "a" is already running (process ${process.pid})`);
    await first.release();
    const second = await JobLock.acquire(dir, 'a');
    assert.equal(JSON.parse(await readFile(join(dir, 'job.lock'), 'utf8')).nonce, second.owner.nonce);
    await second.release();
    assert.deepEqual(await readdir(dir), []);
  });

  test('a lock left by a dead process is taken over, and nothing else is left in the folder', async () => {
    const dir = join(work, 'b');
    await JobLock.acquire(dir, 'b').then((l) => l.release());
    const pid = deadPid();
    await writeFile(join(dir, 'job.lock'), JSON.stringify({ pid, nonce: 'stale', startedAt: '2020-01-01T00:00:00Z' }));
    const lock = await JobLock.acquire(dir, 'b');
    const held = JSON.parse(await readFile(join(dir, 'job.lock'), 'utf8'));
    assert.deepEqual([held.pid, held.nonce], [process.pid, lock.owner.nonce]);
    assert.deepEqual(await readdir(dir), ['job.lock']);
    await lock.release();
  });

  test('release leaves a lock that is no longer ours', async () => {
    const dir = join(work, 'c');
    const lock = await JobLock.acquire(dir, 'c');
    const other = JSON.stringify({ pid: process.pid, nonce: 'someone-else', startedAt: '' });
    await writeFile(join(dir, 'job.lock'), other);
    await lock.release();
    assert.equal(await readFile(join(dir, 'job.lock'), 'utf8'), other);
  });
});
