import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { backoffDelayMs, DEFAULT_RETRY_POLICY, isTransientError, withRetries } from '../../../src/engine/retry';
import { KustoError, kustoErrorFromHttp } from '../../../src/kusto/kustoError';

const policy = { ...DEFAULT_RETRY_POLICY, initialDelayMs: 100, maxDelayMs: 1000, factor: 2, jitter: 0.5 };

describe('backoff', () => {
  test('grows exponentially with jitter inside [half, full] of the base and caps at maxDelay', () => {
    assert.deepEqual([1, 2, 3, 4, 5, 6].map((a) => backoffDelayMs(a, policy, undefined, () => 0)), [50, 100, 200, 400, 500, 500]);
    assert.deepEqual([1, 2, 3, 4, 5, 6].map((a) => backoffDelayMs(a, policy, undefined, () => 0.999999)), [100, 200, 400, 800, 1000, 1000]);
  });

  test('honours Retry-After of a 429 instead of the backoff', () => {
    const throttled = kustoErrorFromHttp(429, '{"error":{"code":"TooManyRequests","@message":"slow down"}}', { 'retry-after': '3' });
    assert.equal(throttled.retryAfterSeconds, 3);
    assert.equal(backoffDelayMs(1, policy, throttled, () => 0), 3000);
    assert.equal(backoffDelayMs(1, { ...policy, maxRetryAfterMs: 2000 }, throttled, () => 0), 2000);
  });
});

describe('transient faults', () => {
  test('classifies 429, 5xx, resets and @permanent:false as transient; 400, 403 and @permanent:true not', () => {
    assert.equal(isTransientError(kustoErrorFromHttp(429, '')), true);
    assert.equal(isTransientError(kustoErrorFromHttp(503, 'Service Unavailable')), true);
    assert.equal(isTransientError(kustoErrorFromHttp(520, '{"error":{"code":"ServiceError","@message":"x","@permanent":false}}')), true);
    assert.equal(isTransientError(kustoErrorFromHttp(500, '{"error":{"code":"Internal","@message":"x","@permanent":true}}')), false);
    assert.equal(isTransientError(kustoErrorFromHttp(400, '{"error":{"code":"General_BadRequest","@message":"Semantic error","@permanent":true}}')), false);
    assert.equal(isTransientError(kustoErrorFromHttp(403, 'Forbidden')), false);
    assert.equal(isTransientError(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })), true);
    assert.equal(isTransientError(new Error('socket hang up')), true);
    assert.equal(isTransientError(new KustoError({ code: 'X', message: 'm', permanent: false })), true);
    assert.equal(isTransientError(new TypeError('bug')), false);
  });
});

describe('withRetries', () => {
  test('retries transient faults with the computed delays, then succeeds', async () => {
    const waits: number[] = [];
    let calls = 0;
    const result = await withRetries(
      async (attempt) => {
        calls++;
        if (attempt < 3) throw kustoErrorFromHttp(503, 'busy');
        return 'ok';
      },
      { policy, random: () => 0, sleep: async (ms) => void waits.push(ms) },
    );
    assert.equal(result, 'ok');
    assert.equal(calls, 3);
    assert.deepEqual(waits, [50, 100]);
  });

  test('gives up after maxAttempts and rethrows the last error', async () => {
    let calls = 0;
    await assert.rejects(
      withRetries(async () => {
        calls++;
        throw kustoErrorFromHttp(500, 'down');
      }, { policy: { ...policy, maxAttempts: 4 }, sleep: async () => undefined }),
      (err: unknown) => err instanceof KustoError && err.httpStatus === 500,
    );
    assert.equal(calls, 4);
  });

  test('does not retry a permanent error', async () => {
    let calls = 0;
    await assert.rejects(withRetries(async () => {
      calls++;
      throw kustoErrorFromHttp(400, '{"error":{"code":"General_BadRequest","@message":"bad","@permanent":true}}');
    }, { policy, sleep: async () => undefined }));
    assert.equal(calls, 1);
  });

  test('a cancel during the backoff wait ends at once with an AbortError', async () => {
    const controller = new AbortController();
    const started = Date.now();
    const run = withRetries(async () => {
      throw kustoErrorFromHttp(503, 'busy');
    }, { policy: { ...policy, initialDelayMs: 10_000, jitter: 0 }, signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    await assert.rejects(run, (err: unknown) => (err as Error).name === 'AbortError');
    assert.ok(Date.now() - started < 2000);
  });
});
