// The jobs folder reader at scale: a second window opens from the index the first one left and
// reads no unchanged journal (only the changed one, with its new content; a deleted job is gone);
// a progress tick (listSome) reads only the jobs it names. Reads are counted on fs.promises.readFile.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, promises as fsp, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, beforeEach, describe, test } from 'node:test';
import { JobsFolderReader } from '../../../src/jobHost/journalReader';

const work = mkdtempSync(join(tmpdir(), 'kdm-reader-'));
after(() => rmSync(work, { recursive: true, force: true }));

let reads: string[] = [];
const original = fsp.readFile;
beforeEach(() => {
  reads = [];
  (fsp as { readFile: unknown }).readFile = (path: string, ...rest: unknown[]) => {
    reads.push(String(path));
    return (original as (...a: unknown[]) => Promise<unknown>).call(fsp, path, ...rest);
  };
});
afterEach(() => {
  (fsp as { readFile: unknown }).readFile = original;
});

function writeJob(jobsDir: string, id: string, state: string, name = id, at = Date.now() / 1000 - 60): void {
  mkdirSync(join(jobsDir, id), { recursive: true });
  const spec = { version: 1, id, name, createdAt: '', source: { kind: 'kustoQuery', connection: { clusterUrl: 'http://c', database: 'D' }, query: 'T' }, destination: { kind: 'files', location: { kind: 'local', path: '/o' }, format: 'csv' } };
  const path = join(jobsDir, id, 'journal.json');
  writeFileSync(path, JSON.stringify({ journalVersion: 1, spec, state, phase: 'done', startedAt: '2026-01-01T00:00:00Z', updatedAt: '2026-01-01T00:00:01Z', runs: 1 }));
  utimesSync(path, at, at);
}

describe('the jobs folder reader', () => {
  test('a second reader opens from the index: no unchanged journal is read, a changed one is, a deleted one is gone', async () => {
    const jobs = join(work, 'jobs');
    const index = join(work, 'storage', 'jobs-view-index.json');
    for (let i = 0; i < 50; i++) writeJob(jobs, `j${i}`, 'succeeded');
    const first = new JobsFolderReader(jobs, index);
    assert.equal((await first.list()).length, 50);
    assert.equal(reads.filter((p) => p.endsWith('journal.json')).length, 50);
    await first.flushIndex();

    writeJob(jobs, 'j7', 'failed', 'renamed', Date.now() / 1000);
    rmSync(join(jobs, 'j9'), { recursive: true });
    reads = [];
    const second = new JobsFolderReader(jobs, index);
    const entries = await second.list();
    assert.deepEqual(reads.filter((p) => p.endsWith('journal.json')).map((p) => p.split('/').slice(-2, -1)[0]), ['j7']);
    assert.equal(entries.length, 49);
    const j7 = entries.find((e) => e.record.spec.id === 'j7');
    assert.equal(j7?.record.state, 'failed');
    assert.equal(j7?.record.spec.name, 'renamed');
    assert.ok(!entries.some((e) => e.record.spec.id === 'j9'));
  });

  test('a progress tick (listSome) reads only the named jobs and lists the rest from memory', async () => {
    const jobs = join(work, 'jobs-tick');
    for (let i = 0; i < 20; i++) writeJob(jobs, `t${i}`, i === 0 ? 'running' : 'succeeded');
    const reader = new JobsFolderReader(jobs);
    await reader.list();
    writeJob(jobs, 't0', 'succeeded', 't0', Date.now() / 1000);
    writeJob(jobs, 't5', 'failed', 't5', Date.now() / 1000);
    reads = [];
    const entries = await reader.listSome(reader.runningIds());
    assert.deepEqual(reads.filter((p) => p.endsWith('journal.json')).map((p) => p.split('/').slice(-2, -1)[0]), ['t0']);
    assert.equal(entries.length, 20);
    assert.equal(entries.find((e) => e.record.spec.id === 't0')?.record.state, 'succeeded');
    // The full list (Refresh, a change in the folder) sees the other change.
    assert.equal((await reader.list()).find((e) => e.record.spec.id === 't5')?.record.state, 'failed');
  });
});
