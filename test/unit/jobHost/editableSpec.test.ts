// Edit Job as JSON: the copy is a valid JobSpec with every field of the job's spec, a new id (so
// running it never touches the old job's journal) and a *.kdm.json name (the schema applies).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { JobSpec } from '../../../src/engine/jobSpec';
import { validateJobSpec } from '../../../src/engine/validateJobSpec';
import { editableSpecCopy } from '../../../src/jobHost/editableSpec';

test('the editable copy of a spec is valid, keeps every field but id and createdAt, and is named *.kdm.json', () => {
  const spec: JobSpec = {
    version: 1, id: 'job-1', name: 'Samples → out', createdAt: '2020-01-01T00:00:00.000Z',
    source: { kind: 'kustoQuery', connection: { clusterUrl: 'http://c', database: 'Samples', auth: { kind: 'credential', id: 'conn-1' } }, query: 'StormEvents | take 10', readMode: 'stream' },
    destination: { kind: 'files', location: { kind: 'local', path: '/tmp/out' }, format: 'parquet', layout: 'sparkFolder' },
    options: { progressIntervalMs: 500 },
  };
  const now = new Date('2026-12-03T05:06:07.000Z');
  const { fileName, spec: copy, text } = editableSpecCopy(spec, now, 'abcd1234');
  assert.equal(fileName, 'job-1.edit-abcd1234.kdm.json');
  assert.equal(copy.id, 'job-20261203050607-abcd1234');
  assert.equal(copy.createdAt, '2026-12-03T05:06:07.000Z');
  assert.deepEqual({ ...copy, id: spec.id, createdAt: spec.createdAt }, spec);
  assert.deepEqual(validateJobSpec(JSON.parse(text)), copy);
  assert.equal(spec.id, 'job-1', 'the original spec is not changed');
});
