import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { KustoError } from '../../../src/kusto/kustoError';
import type { QueryEvent } from '../../../src/kusto/queryEvents';
import { streamQuery } from '../../../src/kusto/streamingQueryReader';
import { type FakeKustoServer, progressiveResponse, startFakeKusto } from './fakeKustoServer';

let server: FakeKustoServer;
before(async () => {
  server = await startFakeKusto();
});
after(async () => {
  await server?.stop();
});

async function collect(events: AsyncIterable<QueryEvent>): Promise<QueryEvent[]> {
  const out: QueryEvent[] = [];
  for await (const e of events) out.push(e);
  return out;
}

const tokenProvider = { getToken: async () => 'test-token-123' };

describe('streamQuery', () => {
  test('sends the v2 request with progressive options and identifying headers', async () => {
    server.script([{ chunks: progressiveResponse([['n', 'long']], [['[1]', '[2]']]) }]);
    const events = await collect(streamQuery({ clusterUrl: server.url, database: 'Db', query: 'T | take 2', tokenProvider, serverTimeoutMs: 90_000 }));
    assert.deepEqual(events.filter((e) => e.kind === 'rows'), [{ kind: 'rows', tableId: 1, rows: [[1], [2]] }]);
    const [req] = server.requests;
    assert.equal(req.url, '/v2/rest/query');
    assert.equal(req.headers.authorization, 'Bearer test-token-123');
    assert.equal(req.headers['x-ms-app'], 'KustoDataMover');
    assert.match(String(req.headers['x-ms-client-request-id']), /^KDM\.execute;[0-9a-f-]{36}$/);
    assert.match(String(req.headers['accept-encoding']), /gzip/);
    assert.deepEqual(req.body, {
      db: 'Db',
      csl: 'T | take 2',
      properties: { Options: { servertimeout: '00:01:30.000', results_progressive_enabled: true, results_v2_newlines_between_frames: true, results_v2_fragment_primary_tables: true } },
    });
  });

  test('decompresses a gzip response', async () => {
    server.script([{ gzip: true, chunks: progressiveResponse([['s', 'string']], [['["é😀"]', '[null]']]) }]);
    const events = await collect(streamQuery({ clusterUrl: server.url, database: 'Db', query: 'T' }));
    assert.deepEqual(events.flatMap((e) => (e.kind === 'rows' ? e.rows : [])), [['é😀'], ['']]);
  });

  test('maps an HTTP error with a OneApiError body to a KustoError', async () => {
    server.script([{ status: 400, chunks: ['{"error":{"code":"General_BadRequest","message":"Request is invalid","@type":"Kusto.Data.Exceptions.KustoBadRequestException","@message":"Semantic error: SEM0100: \'where\' operator: Failed to resolve scalar expression named \'aaa\'","@permanent":true}}'] }]);
    await assert.rejects(collect(streamQuery({ clusterUrl: server.url, database: 'Db', query: 'T | where aaa' })), (err: unknown) => {
      assert.ok(err instanceof KustoError);
      assert.equal(err.code, 'General_BadRequest');
      assert.equal(err.message, "Semantic error: SEM0100: 'where' operator: Failed to resolve scalar expression named 'aaa'");
      assert.equal(err.permanent, true);
      assert.equal(err.httpStatus, 400);
      assert.equal(err.transient, false);
      return true;
    });
  });

  test('reads the privilege needed from a 403 and Retry-After from a 429', async () => {
    server.script([{ status: 403, chunks: ['{"error":{"code":"Forbidden","@message":"Principal \'aaduser=x\' is not authorized to read database \'Db\'.","@permanent":true}}'] }]);
    await assert.rejects(collect(streamQuery({ clusterUrl: server.url, database: 'Db', query: 'T' })), (err: unknown) => err instanceof KustoError && err.privilegeNeeded === 'database viewer' && /Access denied \(HTTP 403\)/.test(err.message));
    server.script([{ status: 429, headers: { 'Retry-After': '7' }, chunks: ['{"error":{"code":"TooManyRequests","@message":"throttled"}}'] }]);
    await assert.rejects(collect(streamQuery({ clusterUrl: server.url, database: 'Db', query: 'T' })), (err: unknown) => err instanceof KustoError && err.retryAfterSeconds === 7 && err.transient);
  });

  test('reports a connection reset mid-stream as a transient KustoError', async () => {
    server.script([{ chunks: progressiveResponse([['n', 'long']], [['[1]'], ['[2]']]), resetAfterChunks: 3 }]);
    await assert.rejects(collect(streamQuery({ clusterUrl: server.url, database: 'Db', query: 'T' })), (err: unknown) => err instanceof KustoError && err.transient);
  });

  test('stops reading the socket while the consumer is slow (bounded buffering)', async () => {
    let written = 0;
    let stopped = false;
    const row = `[${'1'.repeat(18)},"${'x'.repeat(200)}"]`;
    const fragment = `,\n{"FrameType":"TableFragment","TableFragmentType":"DataAppend","TableId":1,"Rows":[${Array(500).fill(row).join(',')}]}`;
    server.script([
      (_req, res) => {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.write('[{"FrameType":"DataSetHeader","IsProgressive":true,"Version":"v2.0"},\n{"FrameType":"TableHeader","TableId":1,"TableKind":"PrimaryResult","TableName":"PrimaryResult","Columns":[{"ColumnName":"n","ColumnType":"long"},{"ColumnName":"s","ColumnType":"string"}]}');
        // Up to 400 MB, written only as fast as the client takes it.
        const pump = (): void => {
          while (!stopped && written < 400_000_000) {
            written += fragment.length;
            if (!res.write(fragment)) {
              res.once('drain', pump);
              return;
            }
          }
          res.end();
        };
        res.on('close', () => (stopped = true));
        pump();
      },
    ]);
    const iterator = streamQuery({ clusterUrl: server.url, database: 'Db', query: 'T', batchRows: 500 })[Symbol.asyncIterator]();
    let first = await iterator.next();
    while (!first.done && first.value.kind !== 'rows') first = await iterator.next();
    await new Promise((r) => setTimeout(r, 600));
    const writtenWhilePaused = written;
    await iterator.return?.(undefined);
    assert.ok(writtenWhilePaused < 32_000_000, `server could write ${writtenWhilePaused} bytes while the consumer was paused`);
  });
});
