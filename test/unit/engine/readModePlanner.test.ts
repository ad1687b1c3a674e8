import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { KustoQuerySource } from '../../../src/engine/jobSpec';
import { chooseReadMode } from '../../../src/engine/readModePlanner';
import { type FakeKustoServer, progressiveResponse, startFakeKusto } from '../kusto/fakeKustoServer';

let server: FakeKustoServer;
before(async () => {
  server = await startFakeKusto();
});
after(async () => {
  await server?.stop();
});

function source(readMode: KustoQuerySource['readMode'], exportThresholdRows = 1000): KustoQuerySource {
  return { kind: 'kustoQuery', connection: { clusterUrl: server.url, database: 'Db' }, query: 'T | where x > 1;', readMode, exportThresholdRows };
}

const count = (n: string): { chunks: string[] } => ({ chunks: progressiveResponse([['EstimatedRowsCount', 'long']], [[`[${n}]`]]) });

describe('chooseReadMode', () => {
  test('a forced mode is kept without asking the cluster', async () => {
    server.script([count('1')]);
    assert.deepEqual(await chooseReadMode(source('stream'), true, undefined, 1000), { mode: 'stream', reason: 'read mode "stream" was chosen' });
    assert.equal((await chooseReadMode(source('export'), true, undefined, 1000)).mode, 'export');
    assert.equal(server.requests.length, 0);
  });

  test('auto streams without estimating when the output cannot be exported (not Parquet)', async () => {
    server.script([count('1')]);
    assert.equal((await chooseReadMode(source('auto'), false, undefined, 1000)).mode, 'stream');
    assert.equal(server.requests.length, 0);
  });

  test('auto estimates with estimate_rows_count and exports above the threshold, streams at or below it', async () => {
    server.script([count('5000')]);
    const big = await chooseReadMode(source('auto'), true, undefined, 1000);
    assert.deepEqual(big, { mode: 'export', estimatedRows: 5000, reason: 'about 5,000 rows (more than 1,000): exporting' });
    assert.equal(server.requests[0].body.csl, 'T | where x > 1\n| evaluate estimate_rows_count()');
    assert.equal(server.requests[0].body.properties?.Options?.servertimeout, '00:00:01.000');
    server.script([count('1000')]);
    assert.equal((await chooseReadMode(source('auto'), true, undefined, 1000)).mode, 'stream');
  });

  test('falls back to count when the estimate fails, and exports when both fail (as the Spark connector)', async () => {
    server.script([{ status: 400, chunks: ['{"error":{"code":"BadRequest","@message":"estimate not supported","@permanent":true}}'] }, count('12')]);
    const viaCount = await chooseReadMode(source('auto'), true, undefined, 1000);
    assert.deepEqual([viaCount.mode, viaCount.estimatedRows], ['stream', 12]);
    assert.equal(server.requests[1].body.csl, 'T | where x > 1\n| count');
    server.script([{ status: 500, chunks: ['down'] }]);
    const unknown = await chooseReadMode(source('auto'), true, undefined, 1000);
    assert.deepEqual([unknown.mode, unknown.estimatedRows], ['export', undefined]);
  });

  test('gives up on a slow estimate after the timeout', async () => {
    server.script([{ chunks: count('5').chunks, stallAfterChunks: 1 }]);
    const started = Date.now();
    const decision = await chooseReadMode(source('auto'), true, undefined, 300);
    assert.equal(decision.mode, 'export');
    assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`);
  });
});
