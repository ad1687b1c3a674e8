// Issue 23 item 8: E_QUERY_RESULT_SET_TOO_LARGE is permanent whatever its @permanent says (the
// service marks it false): a retry gets the same limit. The message offers notruncation or export.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { kustoErrorFromHttp, kustoErrorFromOneApi } from '../../../src/kusto/kustoError';
import { withRetries } from '../../../src/engine/retry';

const message = 'Query execution has exceeded the allowed limits (80DA0003): The results of this query exceed the set limit of 500000 records, so not all records were returned (E_QUERY_RESULT_SET_TOO_LARGE, 0x80DA0003).';

describe('result set too large', () => {
  test('is tried once, not retried, and the error says what to do', async () => {
    const err = kustoErrorFromOneApi([{ error: { code: 'LimitsExceeded', '@message': message, '@permanent': false } }]);
    assert.equal(err.transient, false);
    let attempts = 0;
    await assert.rejects(
      withRetries(async () => {
        attempts++;
        throw err;
      }, { policy: { maxAttempts: 5, initialDelayMs: 1, maxDelayMs: 1 } }),
      /set notruncation;[\s\S]*export read mode/,
    );
    assert.equal(attempts, 1);
  });

  test('also when it comes as an HTTP error body', () => {
    const err = kustoErrorFromHttp(400, JSON.stringify({ error: { code: 'LimitsExceeded', '@message': message, '@permanent': false } }));
    assert.equal(err.transient, false);
  });
});
