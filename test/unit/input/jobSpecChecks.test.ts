// Issue 23 item 10: misspelt or unknown JobSpec fields are refused with the nearest valid name,
// and numbers are range-checked before they reach a timer or a request.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { JobSpecError, validateJobSpec } from '../../../src/engine/validateJobSpec';

const base = {
  version: 1,
  id: 'job-1',
  createdAt: '2025-01-01T00:00:00.000Z',
  source: { kind: 'kustoQuery', connection: { clusterUrl: 'https://help.kusto.windows.net', database: 'Samples' }, query: 'T' },
  destination: { kind: 'files', location: { kind: 'local', path: '/tmp/out' }, format: 'parquet' },
};

function problems(value: unknown): string[] {
  try {
    validateJobSpec(value);
  } catch (err) {
    assert.ok(err instanceof JobSpecError);
    return err.problems;
  }
  return [];
}

const ingest = { ...base, source: { kind: 'files', location: { kind: 'local', path: '/tmp/in' } }, destination: { kind: 'kustoTable', connection: { clusterUrl: 'http://127.0.0.1:8082', database: 'Db' }, table: 'T' } };

describe('JobSpec field and range checks', () => {
  test('a misspelt top-level field is refused with the nearest valid name', () => {
    const { destination, ...rest } = base;
    const found = problems({ ...rest, destinaton: destination });
    assert.ok(found.some((p) => /^destinaton: is not a field of a job spec \(did you mean "destination"\?\)/.test(p)), found.join('\n'));
  });

  test('options.retries is refused, pointing at options.retry', () => {
    const found = problems({ ...base, options: { retries: 3 } });
    assert.deepEqual(found.map((p) => p.split(';')[0]), ['options.retries: is not a field of options (did you mean "retry"?)']);
  });

  test('unknown fields deep in the spec are named with their path', () => {
    const found = problems({ ...base, destination: { ...base.destination, maxRowPerFile: 5 } });
    assert.match(found.join('\n'), /destination\.maxRowPerFile: is not a field of destination \(did you mean "maxRowsPerFile"\?\)/);
  });

  test('numbers past what the engine can honour are refused', () => {
    assert.match(problems({ ...base, destination: { ...base.destination, maxRowsPerFile: 1e308 } }).join('\n'), /destination\.maxRowsPerFile: must be at most 9007199254740991/);
    assert.match(problems({ ...base, options: { progressIntervalMs: 2 ** 31 } }).join('\n'), /options\.progressIntervalMs: must be at most 2147483647 ms/);
    assert.match(problems({ ...base, options: { queryTimeoutMs: 1e300 } }).join('\n'), /options\.queryTimeoutMs: must be at most 2147483647 ms/);
    assert.deepEqual(problems({ ...base, options: { queryTimeoutMs: 3_600_000, progressIntervalMs: 500 } }), []);
  });

  test('a destination table or database the service would refuse is refused in the spec', () => {
    assert.match(problems({ ...ingest, destination: { ...ingest.destination, table: 'a\nb' } }).join('\n'), /destination\.table: "a\\nb" holds a newline/);
    assert.match(problems({ ...ingest, destination: { ...ingest.destination, table: 'T;drop' } }).join('\n'), /destination\.table: .* holds ";"/);
    assert.match(problems({ ...ingest, destination: { ...ingest.destination, connection: { clusterUrl: 'http://127.0.0.1:8082', database: 'D:b' } } }).join('\n'), /destination\.connection\.database: .* holds ":"/);
    assert.deepEqual(problems({ ...ingest, destination: { ...ingest.destination, table: 'where' } }), []);
  });
});
