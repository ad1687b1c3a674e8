import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ProgressEvent } from '../../../src/engine/jobContext';
import { ProgressTracker } from '../../../src/engine/progressTracker';

describe('ProgressTracker', () => {
  test('rows held back by the interval are reported when it ends, so a stalled stream shows its last count', (t) => {
    // A fake clock for the tracker's Date.now and its timer: the interval ends exactly when it should.
    t.mock.timers.enable({ apis: ['setTimeout', 'Date'] });
    const events: Array<Omit<ProgressEvent, 'jobId'>> = [];
    const tracker = new ProgressTracker((e) => events.push(e), 30);
    tracker.setPhase('reading');
    tracker.addRows(1);
    tracker.addRows(2);
    assert.deepEqual(events.map((e) => e.rows), [0]);
    t.mock.timers.tick(29);
    assert.deepEqual(events.map((e) => e.rows), [0], 'nothing before the interval ends');
    t.mock.timers.tick(1);
    assert.deepEqual(events.map((e) => [e.phase, e.rows]), [['reading', 0], ['reading', 3]]);
    t.mock.timers.tick(1000);
    assert.equal(events.length, 2, 'one trailing report, not a repeating one');
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
