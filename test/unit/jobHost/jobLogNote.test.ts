// An interrupted job says so in its log once, however many parts of the window notice it.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { noteInterruptedOnce } from '../../../src/ui/jobLogNote';

const work = mkdtempSync(join(tmpdir(), 'kdm-lognote-'));
after(() => rmSync(work, { recursive: true, force: true }));

test('the interrupted note is appended once after the job\'s last line, and again after a later run\'s lines', async () => {
  const folder = join(work, 'j1');
  mkdirSync(folder);
  writeFileSync(join(folder, 'job.log'), '2026-01-01T00:00:00Z [info] job j1 run 1: rows 1000\n');
  assert.equal(await noteInterruptedOnce(folder, 'its process 42 ended during writing'), true);
  assert.equal(await noteInterruptedOnce(folder, 'its process 42 ended during writing'), false);
  let lines = readFileSync(join(folder, 'job.log'), 'utf8').trimEnd().split('\n');
  assert.equal(lines.length, 2);
  assert.match(lines[1], /\[warn\] interrupted: its process 42 ended during writing$/);
  writeFileSync(join(folder, 'job.log'), `${lines.join('\n')}\n2026-01-01T00:01:00Z [info] job j1 run 2: resuming\n`);
  assert.equal(await noteInterruptedOnce(folder, 'its process 43 ended during writing'), true);
  lines = readFileSync(join(folder, 'job.log'), 'utf8').trimEnd().split('\n');
  assert.equal(lines.length, 4);
});

test('a job with no log yet gets one that says it was interrupted', async () => {
  const folder = join(work, 'j2');
  mkdirSync(folder);
  assert.equal(await noteInterruptedOnce(folder, 'gone'), true);
  assert.match(readFileSync(join(folder, 'job.log'), 'utf8'), /interrupted: gone/);
});
