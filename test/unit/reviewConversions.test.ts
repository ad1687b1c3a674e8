// The review's edge rules: when a decimal no longer fits Parquet's DECIMAL(38,18) (more than 20
// integer digits), when a long is past what a double holds, and datetime text from ticks that
// keeps every digit, before 1970 too.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decimalOverflowsParquet, longBeyondDoubles, outputConversion } from '../../src/engine/review/outputConversions';
import { kustoDatetimeText } from '../../src/engine/review/filePreview';

describe('review conversion rules', () => {
  test('a decimal overflows DECIMAL(38,18) from 21 integer digits on, whatever its sign, leading zeros or exponent', () => {
    assert.equal(decimalOverflowsParquet('99999999999999999999.999999999999999999'), false);
    assert.equal(decimalOverflowsParquet('-99999999999999999999'), false);
    assert.equal(decimalOverflowsParquet('000000000000000000000001.5'), false);
    assert.equal(decimalOverflowsParquet('100000000000000000000'), true);
    assert.equal(decimalOverflowsParquet('-123456789012345678901.5'), true);
    assert.equal(decimalOverflowsParquet('1E+20'), true);
    assert.equal(decimalOverflowsParquet('9.9E+19'), false);
  });

  test('a long is past doubles beyond ±2^53, as a bigint or an unsafe number', () => {
    assert.equal(longBeyondDoubles(9007199254740992n), false);
    assert.equal(longBeyondDoubles(9007199254740993n), true);
    assert.equal(longBeyondDoubles(-9223372036854775807n), true);
    assert.equal(longBeyondDoubles(42), false);
  });

  test('datetime text from ticks keeps all seven digits and trims only trailing zeros', () => {
    assert.equal(kustoDatetimeText(0n), '1970-01-01T00:00:00Z');
    assert.equal(kustoDatetimeText(-1n), '1969-12-31T23:59:59.9999999Z');
    assert.equal(kustoDatetimeText(15833307013109965n), '2020-03-04T14:05:01.3109965Z');
    assert.equal(kustoDatetimeText(17067024011234560n), '2024-01-31T12:00:01.123456Z');
  });

  test('each format has its documented risk for the types the issue names', () => {
    assert.equal(outputConversion('datetime', 'parquet').risk, 'warn');
    assert.equal(outputConversion('decimal', 'parquet').targetType, 'DECIMAL(38,18)');
    assert.equal(outputConversion('long', 'json').risk, 'warn');
    assert.equal(outputConversion('long', 'parquet').risk, undefined);
    assert.equal(outputConversion('timespan', 'parquet').targetType, 'INT64 (ticks of 100 ns)');
    assert.equal(outputConversion('dynamic', 'json').conversion, 'embedded JSON');
  });
});
