// The bench's target ratios are judged round by round (the median of each round's own ratio),
// so a machine that slows down between rounds does not move them the way it moves the ratio of
// two variants' medians taken apart.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { timesFaster } from '../../bench/timesFaster';

describe('bench: target ratios judged round by round', () => {
  test('the median of the rounds\' ratios, not the ratio of the medians, when the machine slows mid-run', () => {
    // The 10 M-row Parquet rounds of one run: raw copy against the engine.
    const raw = { seconds: 2.54, runSeconds: [2.38, 2.54, 2.03, 3.49, 3.38] };
    const engine = { seconds: 3.73, runSeconds: [2.75, 2.88, 3.73, 3.87, 3.86] };
    // The engine's rate as a share of the raw copy's: the raw copy's time over the engine's, per round.
    const share = timesFaster(engine, raw);
    assert.equal(share.detail, '0.88× (rounds 0.87 0.88 0.54 0.90 0.88; ratio of the medians 0.68×)');
    assert.ok(share.ratio >= 0.8, 'the round that ran slow for the engine alone does not decide');
  });

  test('an even number of rounds: the mean of the middle two', () => {
    const judged = timesFaster({ seconds: 1, runSeconds: [1, 1, 1, 1] }, { seconds: 2, runSeconds: [1, 2, 3, 4] });
    assert.equal(judged.ratio, 2.5);
  });

  test('a variant that ran in fewer rounds (or once) is judged by the ratio of the medians', () => {
    assert.deepEqual(timesFaster({ seconds: 0.5, runSeconds: [0.4, 0.5, 0.6] }, { seconds: 6, runSeconds: [6] }), { ratio: 12, detail: '12.00×' });
    assert.equal(timesFaster({ seconds: 2 }, { seconds: 3 }).ratio, 1.5);
  });
});
