// Discard of an interrupted job on a real folder: the hidden temp output (named as the engine
// names it) and the job's folder go, the published output and a ".kdm-old" copy stay, and the
// message says what was removed and what was kept.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { JournalRecord } from '../../../src/engine/journal';
import { hiddenSiblingPath } from '../../../src/formats/fileOutput';
import { describeDiscard, discardJob, hiddenSibling } from '../../../src/jobHost/discardJob';

const work = mkdtempSync(join(tmpdir(), 'kdm-discard-'));
after(() => rmSync(work, { recursive: true, force: true }));

function record(id: string, out: string): JournalRecord {
  return {
    journalVersion: 1,
    spec: { version: 1, id, createdAt: '', source: { kind: 'kustoQuery', connection: { clusterUrl: 'http://c', database: 'D' }, query: 'T' }, destination: { kind: 'files', location: { kind: 'local', path: out }, format: 'csv' } },
    state: 'running', phase: 'writing', startedAt: '', updatedAt: '', runs: 1, pid: 999999,
  } as JournalRecord;
}

describe('discarding a job', () => {
  test('uses the engine\'s hidden names', () => {
    assert.equal(hiddenSibling('/a/b/out', 'tmp', 'j1'), hiddenSiblingPath('/a/b/out', 'tmp', 'j1'));
    assert.equal(hiddenSibling('/a/b/out', 'old', 'j1'), hiddenSiblingPath('/a/b/out', 'old', 'j1'));
  });

  test('removes the hidden temp folder and the job folder, keeps the output and the moved-aside copy, and says so', async () => {
    const jobs = join(work, 'jobs');
    const out = join(work, 'out');
    mkdirSync(join(jobs, 'j1'), { recursive: true });
    writeFileSync(join(jobs, 'j1', 'journal.json'), '{}');
    writeFileSync(join(jobs, 'j1', 'job.log'), 'x\n');
    mkdirSync(out);
    writeFileSync(join(out, 'part-0.csv'), 'published\n');
    const temp = hiddenSiblingPath(out, 'tmp', 'j1');
    mkdirSync(temp);
    writeFileSync(join(temp, 'part-00000.csv'), '12345');
    writeFileSync(join(temp, 'part-00001.csv'), '123');
    const old = hiddenSiblingPath(out, 'old', 'j1');
    mkdirSync(old);
    writeFileSync(join(old, 'part-0.csv'), 'earlier\n');
    // Another job's temp beside it is not this job's to remove.
    const other = hiddenSiblingPath(out, 'tmp', 'j2');
    mkdirSync(other);

    const report = await discardJob(jobs, record('j1', out));
    assert.deepEqual(report.removed, [{ path: temp, files: 2, bytes: 8 }]);
    assert.ok(!existsSync(temp), 'temp removed');
    assert.ok(!existsSync(join(jobs, 'j1')), 'journal and log removed');
    assert.equal(readFileSync(join(out, 'part-0.csv'), 'utf8'), 'published\n', 'the output is untouched');
    assert.ok(existsSync(old), 'the moved-aside copy is kept');
    assert.ok(existsSync(other), 'another job\'s temp is kept');
    const text = describeDiscard('j1', report);
    assert.match(text, /removed .*\.out\.kdm-tmp-j1 \(2 files, 8 bytes\)/);
    assert.match(text, /Kept: .*\.out\.kdm-old-j1/);
    assert.match(text, /output itself was not touched/);
  });

  test('with nothing left behind it says so', async () => {
    const jobs = join(work, 'jobs2');
    mkdirSync(join(jobs, 'j3'), { recursive: true });
    const report = await discardJob(jobs, record('j3', join(work, 'nothing')));
    assert.deepEqual(report.removed, []);
    assert.match(describeDiscard('j3', report), /no hidden temporary output was left/);
  });
});
