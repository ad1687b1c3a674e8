// The shared status poller, driven by a fake status reader: which ticket is read when, how many
// reads run at once, and what a wait resolves to (final status, Unknown at the deadline, rejection
// on cancel). No storage involved: this is scheduling logic.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { IngestionStatusPoller, type StatusRead } from '../../../src/kusto/ingest/ingestionStatusPoller';
import type { StatusOutcome } from '../../../src/kusto/ingest/ingestionOutcome';

const SUCCEEDED: StatusOutcome = { status: 'Succeeded', details: 'Ingested 2 records', errorCode: undefined, failureStatus: undefined };
const URL = 'https://127.0.0.1:1/ingestionsstatus?sig=x';

/** A reader whose every read waits until the test settles it. */
function heldReader(): { read: StatusRead; started: string[]; settle: (id: string, outcome: StatusOutcome | undefined) => void; inFlight: () => number } {
  const held = new Map<string, (outcome: StatusOutcome | undefined) => void>();
  const started: string[] = [];
  return {
    started,
    inFlight: () => held.size,
    read: (_url, id) => {
      started.push(id);
      return new Promise((resolve) => held.set(id, resolve));
    },
    settle: (id, outcome) => {
      const resolve = held.get(id);
      assert.ok(resolve, `a read of ${id} is in flight`);
      held.delete(id);
      resolve(outcome);
    },
  };
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Lets the event loop run until `done()` holds (the first read of a ticket comes one interval after it was added). */
async function until(done: () => boolean): Promise<void> {
  while (!done()) await new Promise((resolve) => setTimeout(resolve, 1));
}

describe('IngestionStatusPoller', () => {
  test('reads the oldest due tickets first and starts the next oldest when a slot frees up', async () => {
    const reader = heldReader();
    const poller = new IngestionStatusPoller(reader.read, { maxConcurrentReads: 2 });
    const waits = ['t0', 't1', 't2', 't3', 't4'].map((id) => poller.wait(URL, id, { intervalMs: 10, timeoutMs: 60_000 }));
    await until(() => reader.started.length === 2);
    await tick();
    assert.deepEqual(reader.started, ['t0', 't1']);
    assert.equal(reader.inFlight(), 2);
    reader.settle('t1', SUCCEEDED);
    await until(() => reader.started.length === 3);
    assert.deepEqual(reader.started, ['t0', 't1', 't2']);
    reader.settle('t0', SUCCEEDED);
    await until(() => reader.started.length === 4);
    assert.deepEqual(reader.started, ['t0', 't1', 't2', 't3']);
    reader.settle('t2', SUCCEEDED);
    reader.settle('t3', SUCCEEDED);
    await until(() => reader.started.length === 5);
    reader.settle('t4', SUCCEEDED);
    const outcomes = await Promise.all(waits);
    assert.deepEqual(outcomes.map((o) => o.status), ['Succeeded', 'Succeeded', 'Succeeded', 'Succeeded', 'Succeeded']);
    assert.deepEqual(reader.started, ['t0', 't1', 't2', 't3', 't4']);
    assert.equal(poller.pending, 0);
  });

  test('with 20 pending tickets, never more than 4 reads run at once, and every ticket ends Succeeded', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    let reads = 0;
    const readsOf = new Map<string, number>();
    const read: StatusRead = async (_url, id) => {
      inFlight++;
      reads++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      // Until the limit has been reached once (at most 200 ms), a read is held: on a loaded machine
      // the 20 tickets' timers spread out, and reads that end at the next turn seldom overlap four.
      const heldUntil = Date.now() + 200;
      do await tick();
      while (maxInFlight < 4 && Date.now() < heldUntil);
      inFlight--;
      const n = (readsOf.get(id) ?? 0) + 1;
      readsOf.set(id, n);
      return n < 3 ? undefined : SUCCEEDED; // Pending twice, then final
    };
    const poller = new IngestionStatusPoller(read, { maxConcurrentReads: 4 });
    const ids = Array.from({ length: 20 }, (_, i) => `f${i}`);
    const outcomes = await Promise.all(ids.map((id) => poller.wait(URL, id, { intervalMs: 10, timeoutMs: 60_000 })));
    assert.equal(maxInFlight, 4);
    assert.equal(reads, 60);
    assert.equal(outcomes.filter((o) => o.status === 'Succeeded').length, 20);
  });

  test('head of the line: only the oldest tickets are read while they are Pending; the next one is read as soon as one ends', async () => {
    const reads: string[] = [];
    const final = new Set<string>();
    const poller = new IngestionStatusPoller(async (_url, id) => {
      reads.push(id);
      return final.has(id) ? SUCCEEDED : undefined;
    }, { maxConcurrentReads: 2, tailSweepMs: 60_000 });
    const waits = ['h0', 'h1', 't2', 't3', 't4'].map((id) => poller.wait(URL, id, { intervalMs: 10, timeoutMs: 60_000 }));
    await until(() => reads.length >= 12);
    assert.deepEqual([...new Set(reads)].sort(), ['h0', 'h1'], 'the tickets behind the head are not read before their sweep');
    for (const id of ['h0', 'h1', 't2', 't3', 't4']) final.add(id);
    const outcomes = await Promise.all(waits);
    assert.deepEqual(outcomes.map((o) => o.status), ['Succeeded', 'Succeeded', 'Succeeded', 'Succeeded', 'Succeeded']);
    // Each ticket behind the head was read once, when it moved up, and found final.
    assert.deepEqual(reads.filter((id) => id.startsWith('t')), ['t2', 't3', 't4']);
  });

  test('a ticket behind the head is still read on its slow sweep', async () => {
    const reads: string[] = [];
    const poller = new IngestionStatusPoller(async (_url, id) => {
      reads.push(id);
      return id === 'tail' ? SUCCEEDED : undefined;
    }, { maxConcurrentReads: 1, tailSweepMs: 50 });
    const head = poller.wait(URL, 'head', { intervalMs: 10, timeoutMs: 400 });
    const tail = await poller.wait(URL, 'tail', { intervalMs: 10, timeoutMs: 60_000 });
    assert.equal(tail.status, 'Succeeded');
    assert.equal((await head).status, 'Unknown');
    assert.ok(reads.indexOf('tail') > 0, 'read after the head was');
  });

  test('a ticket still Pending at its deadline resolves as Unknown, never as a success', async () => {
    const poller = new IngestionStatusPoller(async () => undefined);
    const outcome = await poller.wait(URL, 'slow', { intervalMs: 10, timeoutMs: 60 });
    assert.deepEqual(outcome, { status: 'Unknown', details: 'no final status within 0 s (the ingestion may still complete)' });
  });

  test('Unknown at the deadline names the status-table error when the last read failed', async () => {
    const poller = new IngestionStatusPoller(async () => {
      throw new Error('connect ECONNREFUSED 127.0.0.1:1');
    });
    const outcome = await poller.wait(URL, 'unreadable', { intervalMs: 10, timeoutMs: 60 });
    assert.deepEqual(outcome, { status: 'Unknown', details: 'no final status within 0 s (the ingestion may still complete); the status table could not be read: connect ECONNREFUSED 127.0.0.1:1' });
  });

  test('a transient read error is not the outcome: polling goes on and the ticket ends Succeeded', async () => {
    let reads = 0;
    const poller = new IngestionStatusPoller(async () => {
      if (++reads === 1) throw new Error('503 Service Unavailable');
      return SUCCEEDED;
    });
    const outcome = await poller.wait(URL, 'flaky', { intervalMs: 10, timeoutMs: 60_000 });
    assert.deepEqual(outcome, SUCCEEDED);
    assert.equal(reads, 2);
  });

  test('aborting the signal rejects every pending wait, aborts the read in flight, and refuses new waits', async () => {
    const controller = new AbortController();
    let readSignal: AbortSignal | undefined;
    const poller = new IngestionStatusPoller((_url, _id, signal) => {
      readSignal = signal;
      return new Promise(() => undefined); // never answers
    }, { signal: controller.signal, maxConcurrentReads: 1 });
    const first = poller.wait(URL, 'a', { intervalMs: 10, timeoutMs: 60_000 });
    const second = poller.wait(URL, 'b', { intervalMs: 10, timeoutMs: 60_000 });
    await until(() => readSignal !== undefined);
    controller.abort(Object.assign(new Error('the job was cancelled'), { name: 'AbortError' }));
    await assert.rejects(first, { name: 'AbortError', message: 'the job was cancelled' });
    await assert.rejects(second, { name: 'AbortError', message: 'the job was cancelled' });
    assert.equal(readSignal?.aborted, true);
    await assert.rejects(poller.wait(URL, 'c', { intervalMs: 10, timeoutMs: 60_000 }), { name: 'AbortError' });
    assert.equal(poller.pending, 0);
  });
});
