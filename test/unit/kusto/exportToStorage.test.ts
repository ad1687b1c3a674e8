import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { exportCommand, pollDelayMs, waitForOperation } from '../../../src/kusto/exportToStorage';
import { KustoError } from '../../../src/kusto/kustoError';
import { startFakeKusto } from './fakeKustoServer';

describe('export command and polling', () => {
  test('builds the .export command with snappy Parquet, microsecond datetimes and the name prefix', () => {
    assert.equal(
      exportCommand('set notruncation;\nT | where x > 1', 'h@"https://a.blob.core.windows.net/c?sv=1&sig=S"', { namePrefix: 'Db/job-1/part' }),
      '.export async compressed to parquet (h@"https://a.blob.core.windows.net/c?sv=1&sig=S") with (namePrefix="Db/job-1/part", compressionType="snappy", parquetDatetimePrecision="microsecond") <| set notruncation;\nT | where x > 1',
    );
    assert.match(exportCommand('T', 'h@"x"', { namePrefix: 'p', sizeLimitBytes: 1000 }), /sizeLimit=1000\) <\| T$/);
  });

  test('polls first at once, then with growing intervals capped at 4 s in the first minute and at the maximum after', () => {
    assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 7].map((p) => pollDelayMs(p, 1000, 30_000)), [0, 250, 500, 1000, 2000, 4000, 4000, 4000]);
    assert.deepEqual([6, 7, 8, 9].map((p) => pollDelayMs(p, 61_000, 30_000)), [8000, 16000, 30000, 30000]);
  });

  test('waits through InProgress to Completed, and fails with the status of a failed export', async () => {
    const server = await startFakeKusto();
    try {
      const v1 = (state: string, status = ''): string =>
        JSON.stringify({ Tables: [{ TableName: 'Table_0', Columns: [{ ColumnName: 'OperationId', ColumnType: 'guid' }, { ColumnName: 'State', ColumnType: 'string' }, { ColumnName: 'Status', ColumnType: 'string' }], Rows: [['6a3e2f0e-0000-4000-8000-000000000001', state, status]] }] });
      server.script([{ chunks: [v1('InProgress')] }, { chunks: [v1('InProgress')] }, { chunks: [v1('Completed')] }]);
      const waits: number[] = [];
      const states: string[] = [];
      await waitForOperation({ clusterUrl: server.url, database: 'Db' }, '6a3e2f0e-0000-4000-8000-000000000001', {
        timeoutMs: 60_000,
        maxIntervalMs: 30_000,
        sleep: async (ms) => void waits.push(ms),
        onState: (s) => states.push(s),
      });
      assert.deepEqual(waits, [0, 250, 500]);
      assert.deepEqual(states, ['InProgress', 'InProgress', 'Completed']);
      assert.equal(server.requests[0].url, '/v1/rest/mgmt');
      assert.equal(server.requests[0].body.csl, '.show operations 6a3e2f0e-0000-4000-8000-000000000001');

      server.script([{ chunks: [v1('Failed', 'Access to the storage was denied')] }]);
      await assert.rejects(
        waitForOperation({ clusterUrl: server.url, database: 'Db' }, '6a3e2f0e-0000-4000-8000-000000000001', { timeoutMs: 60_000, maxIntervalMs: 30_000, sleep: async () => undefined }),
        (err: unknown) => err instanceof KustoError && err.code === 'ExportFailed' && /ended Failed: Access to the storage was denied/.test(err.message),
      );
    } finally {
      await server.stop();
    }
  });
});
