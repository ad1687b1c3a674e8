// The sink's upload slots: weights, first come first served, a weight above the limit clipped.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { slotLimiter } from '../../../src/engine/sink/slotLimiter';

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('slotLimiter', () => {
  test('weights add up to at most the limit; a heavy call at the head is not overtaken; a weight above the limit runs alone', async () => {
    const limit = slotLimiter(4);
    let used = 0;
    let peak = 0;
    const order: string[] = [];
    const call = (name: string, weight: number, turns: number) => limit(async () => {
      used += Math.min(weight, 4);
      peak = Math.max(peak, used);
      order.push(name);
      for (let t = 0; t < turns; t++) await turn();
      used -= Math.min(weight, 4);
    }, weight);
    await Promise.all([call('a', 1, 3), call('b', 2, 5), call('c', 2, 2), call('d', 1, 1), call('e', 9, 1), call('f', 1, 1)]);
    assert.equal(peak, 4);
    // c (2) waits for a slot pair although d (1) would fit first: d starts only after c.
    assert.deepEqual(order, ['a', 'b', 'c', 'd', 'e', 'f']);
  });

  test('limit 1: every call alone, whatever its weight', async () => {
    const limit = slotLimiter(1);
    let running = 0;
    let peak = 0;
    const call = (weight: number) => limit(async () => {
      peak = Math.max(peak, ++running);
      await turn();
      running--;
    }, weight);
    await Promise.all([call(2), call(1), call(2)]);
    assert.equal(peak, 1);
  });
});
