import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ProgressEvent } from '../../../src/engine/jobContext';
import { ProgressTracker } from '../../../src/engine/progressTracker';

describe('ProgressTracker', () => {
  test('rows held back by the interval are reported when it ends, so a stalled stream shows its last count', async () => {
    const events: Array<Omit<ProgressEvent, 'jobId'>> = [];
    const tracker = new ProgressTracker((e) => events.push(e), 30);
    tracker.setPhase('reading');
    tracker.addRows(1);
    tracker.addRows(2);
    assert.deepEqual(events.map((e) => e.rows), [0]);
    await new Promise((resolve) => setTimeout(resolve, 80));
    assert.deepEqual(events.map((e) => [e.phase, e.rows]), [['reading', 0], ['reading', 3]]);
  });

  test('throttles row updates to one event per interval, but always reports phase changes', () => {
    let now = 0;
    const events: Array<Omit<ProgressEvent, 'jobId'>> = [];
    const tracker = new ProgressTracker((e) => events.push(e), 250, () => now);
    tracker.setPhase('reading');
    for (let i = 0; i < 100; i++) {
      now += 10;
      tracker.addRows(1000);
    }
    tracker.setPhase('committing');
    // 1 phase event, then one per 250 ms over 1 s of updates (at 250, 500, 750, 1000 ms), then the phase change.
    assert.deepEqual(events.map((e) => [e.phase, e.rows]), [['reading', 0], ['reading', 25000], ['reading', 50000], ['reading', 75000], ['reading', 100000], ['committing', 100000]]);
  });

  test('computes the rate over the recent window and the ETA from the estimated total', () => {
    let now = 0;
    const events: Array<Omit<ProgressEvent, 'jobId'>> = [];
    const tracker = new ProgressTracker((e) => events.push(e), 100, () => now);
    tracker.totalRows = 1_000_000;
    tracker.setPhase('writing');
    now = 2000;
    tracker.addRows(200_000);
    const last = events.at(-1);
    assert.equal(last?.rate, 100_000);
    assert.equal(last?.etaSeconds, 8);
  });
});
