import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { JobSpec } from '../../../src/engine/jobSpec';
import { Journal } from '../../../src/engine/journal';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kdm-journal-'));
});
after(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const spec: JobSpec = {
  version: 1,
  id: 'journal-1',
  createdAt: '2025-01-01T00:00:00.000Z',
  source: { kind: 'kustoQuery', connection: { clusterUrl: 'http://127.0.0.1:1', database: 'Db' }, query: 'T' },
  destination: { kind: 'files', location: { kind: 'local', path: '/tmp/x' }, format: 'csv' },
};

describe('Journal', () => {
  test('writes <jobsDir>/<jobId>/journal.json atomically and reads it back after many quick updates', async () => {
    const journal = await Journal.create(dir, spec);
    await Promise.all(Array.from({ length: 50 }, (_, i) => journal.update({ estimatedRows: i })));
    assert.deepEqual(await readdir(join(dir, 'journal-1')), ['journal.json']);
    const loaded = await Journal.load(dir, 'journal-1');
    assert.equal(loaded.record.estimatedRows, 49);
    assert.equal(loaded.record.state, 'running');
    assert.deepEqual(loaded.record.spec, spec);
  });

  test('redacts secrets in the recorded error', async () => {
    const journal = await Journal.load(dir, 'journal-1');
    await journal.update({ state: 'failed', error: 'GET https://a.blob.core.windows.net/c?sv=1&sig=SECRETSIG failed' });
    const text = await readFile(join(dir, 'journal-1', 'journal.json'), 'utf8');
    assert.ok(!text.includes('SECRETSIG'));
    assert.match(text, /sig=\*\*\*/);
  });

  test('a missing job or a bad id gives a clear error', async () => {
    await assert.rejects(Journal.load(dir, 'nope'), { message: `no job "nope" in ${dir}` });
    await assert.rejects(Journal.load(dir, '../etc'), { message: '"../etc" is not a job id' });
  });
});
