// The 4 MB of heap a streamed query holds (gcBallast.ts: it keeps V8 from a full collection every
// ~140 ms of a long response) is held only while a response streams, and let go however the stream ends.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { gcBallastHeld } from '../../../src/kusto/gcBallast';
import { streamQuery } from '../../../src/kusto/streamingQueryReader';
import { chunkedAnswer } from '../../helpers/chunkedAnswer';
import { type FakeKustoServer, progressiveResponse, startFakeKusto } from './fakeKustoServer';

let server: FakeKustoServer;
before(async () => {
  server = await startFakeKusto();
});
after(async () => {
  await server?.stop();
});

const body = () => chunkedAnswer(progressiveResponse([['n', 'long']], [['[1]', '[2]'], ['[3]']]).join(''), 1 << 16);

test('the ballast is held while a response streams and let go when it ends, is left early, or two overlap', async () => {
  assert.equal(gcBallastHeld(), false);
  server.script([body()]);
  let seen = 0;
  for await (const event of streamQuery({ clusterUrl: server.url, database: 'Db', query: 'T', textSpans: { format: 'csv' } })) {
    assert.equal(gcBallastHeld(), true, `during ${event.kind}`);
    seen++;
  }
  assert.ok(seen > 0);
  assert.equal(gcBallastHeld(), false, 'after the end');

  server.script([body()]);
  for await (const _event of streamQuery({ clusterUrl: server.url, database: 'Db', query: 'T' })) break;
  assert.equal(gcBallastHeld(), false, 'after an early return');

  server.script([body(), body()]);
  const first = streamQuery({ clusterUrl: server.url, database: 'Db', query: 'T' });
  const second = streamQuery({ clusterUrl: server.url, database: 'Db', query: 'T' });
  await first.next();
  await second.next();
  for await (const _event of first);
  assert.equal(gcBallastHeld(), true, 'the second stream still holds it');
  for await (const _event of second);
  assert.equal(gcBallastHeld(), false, 'after both');
});
