import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { JobSpecError, validateJobSpec } from '../../../src/engine/validateJobSpec';

const valid = {
  version: 1,
  id: 'job-1',
  createdAt: '2025-01-01T00:00:00.000Z',
  source: { kind: 'kustoQuery', connection: { clusterUrl: 'https://help.kusto.windows.net', database: 'Samples' }, query: 'StormEvents | take 10', readMode: 'auto' },
  destination: { kind: 'files', location: { kind: 'local', path: '/tmp/out' }, format: 'parquet', layout: 'sparkFolder' },
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

function withChange(path: string[], value: unknown): unknown {
  const copy = structuredClone(valid) as Record<string, unknown>;
  let target = copy;
  for (const key of path.slice(0, -1)) target = target[key] as Record<string, unknown>;
  target[path[path.length - 1]] = value;
  return copy;
}

describe('validateJobSpec', () => {
  test('accepts a valid spec and returns it unchanged', () => {
    assert.deepEqual(validateJobSpec(valid), valid);
  });

  test('names each wrong field with what it must be', () => {
    assert.deepEqual(problems(withChange(['version'], 0)), ['version: must be 1 (got 0)']);
    assert.deepEqual(problems(withChange(['version'], 2)), ['version: is 2: the job was written by a newer release of Kusto Data Mover (this one reads version 1); update the extension or the CLI to run it']);
    assert.deepEqual(problems(withChange(['source', 'connection', 'clusterUrl'], 'help.kusto')), ['source.connection.clusterUrl: is not a valid URL: "help.kusto"']);
    assert.deepEqual(problems(withChange(['source', 'readMode'], 'fast')), ['source.readMode: must be one of "auto", "stream", "export" (got "fast")']);
    assert.deepEqual(problems(withChange(['destination', 'format'], 'xlsx')), ['destination.format: must be one of "parquet", "csv", "json" (got "xlsx")']);
    assert.deepEqual(problems(withChange(['source', 'query'], '.drop table T')), ['source.query: management commands (starting with ".") cannot be copied; give a query or a table name']);
    assert.deepEqual(problems(withChange(['id'], '../etc')), ['id: may hold only letters, digits, ".", "_" and "-" (at most 128, starting with a letter or digit)']);
    assert.deepEqual(problems(withChange(['destination', 'maxRowsPerFile'], -5)), ['destination.maxRowsPerFile: must be a positive integer (got -5)']);
  });

  test('lists every problem at once', () => {
    assert.deepEqual(problems({ version: 1, source: { kind: 'kustoQuery' }, destination: { kind: 'files' } }), [
      'job spec.id: is required',
      'job spec.createdAt: is required',
      'source.connection: is required',
      'source.query: is required',
      'destination.location: is required',
      'destination.format: is required (one of "parquet", "csv", "json")',
    ]);
    assert.deepEqual(problems(null), ['job spec: must be an object']);
  });

  test('refuses a SAS in a staging URL; export without staging is valid (the cluster\'s export storage), keeping its files is not', () => {
    const withSas = withChange(['source', 'staging'], { kind: 'blob', url: 'https://a.blob.core.windows.net/c?sv=1&sig=abc' });
    assert.deepEqual(problems(withSas), ['source.staging.url: must not contain a SAS token: store it as a secret and name it in secretRef']);
    assert.deepEqual(problems(withChange(['source', 'readMode'], 'export')), []);
    assert.deepEqual(problems(withChange(['source', 'keepExportedFiles'], true)), [
      "source.keepExportedFiles: needs a staging location (source.staging): files in the cluster's export storage are the service's to keep or remove",
    ]);
    assert.deepEqual(problems(withChange(['source', 'keepExportedFiles'], 'yes')), ['source.keepExportedFiles: must be true or false']);
  });

  test('a true-or-false field holding anything else is named', () => {
    assert.deepEqual(problems(withChange(['source', 'noTruncation'], 'no')), ['source.noTruncation: must be true or false']);
    assert.deepEqual(problems(withChange(['options'], { reingest: 1, allowInsecureHttp: 'true' })), ['options.reingest: must be true or false', 'options.allowInsecureHttp: must be true or false']);
    const files = withChange(['source'], { kind: 'files', location: { kind: 'local', path: '/in' }, csvHeader: 'yes' });
    assert.deepEqual(problems(files).filter((p) => p.includes('csvHeader')), ['source.csvHeader: must be true or false']);
    assert.deepEqual(problems(withChange(['options'], { reingest: false, allowInsecureHttp: true })), []);
  });

  test('refuses format and compression pairs no writer has', () => {
    const csvSnappy = withChange(['destination'], { kind: 'files', location: { kind: 'local', path: '/x' }, format: 'csv', compression: 'snappy' });
    assert.deepEqual(problems(csvSnappy), ['destination.compression: "snappy" applies to Parquet only; csv supports "none" or "gzip"']);
  });

  // Issue 23 item 10 reversed the old rule (unknown fields allowed): a misspelt field must not pass silently.
  test('options.uploadConcurrency: a whole number of files from 1 to 64', () => {
    assert.deepEqual(problems(withChange(['options'], { uploadConcurrency: 16 })), []);
    assert.deepEqual(problems(withChange(['options'], { uploadConcurrency: 0 })), ['options.uploadConcurrency: must be a positive integer (got 0)']);
    assert.equal(problems(withChange(['options'], { uploadConcurrency: 65 })).length, 1);
    assert.equal(problems(withChange(['options'], { uploadConcurrency: '4' })).length, 1);
  });

  test('refuses unknown fields, naming the valid ones', () => {
    assert.match(problems(withChange(['destination', 'futureOption'], { x: 1 })).join('\n'), /^destination\.futureOption: is not a field of destination; valid fields: kind, location, format/);
  });
});
