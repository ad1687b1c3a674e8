// The value codec: text (as ingestion reads it) -> DuckDB storage -> v2 JSON text, byte-exact.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import type { KustoType } from './contract';
import { clrTypeName, duckdbType, encodeV2Value, parseCslType, parseKustoText, sqlLiteral, v2JsonText } from './values';

let instance: DuckDBInstance;
let connection: DuckDBConnection;
before(async () => {
  instance = await DuckDBInstance.create(':memory:');
  connection = await instance.connect();
});
after(() => { connection?.closeSync(); instance?.closeSync(); });

/** Stores each text in a DuckDB column of the type's storage type, reads it back and encodes it. */
async function roundTrip(type: KustoType, texts: string[]): Promise<string[]> {
  await connection.run(`CREATE OR REPLACE TABLE rt (v ${duckdbType(type)})`);
  await connection.run(`INSERT INTO rt VALUES ${texts.map((t) => `(${sqlLiteral(type, parseKustoText(type, t))})`).join(', ')}`);
  const rows = (await connection.runAndReadAll('SELECT v FROM rt')).getRows();
  return rows.map((r) => v2JsonText(encodeV2Value(type, r[0])));
}

describe('round trip through DuckDB storage', () => {
  test('datetime: 100 ns precision, the whole 0001..9999 range, trailing zeros trimmed', async () => {
    assert.deepEqual(await roundTrip('datetime', [
      '2020-03-04T14:05:01.3109965Z', '0001-01-01T00:00:00.0000000Z', '9999-12-31T23:59:59.9999999Z',
      '2016-06-06 15:35', '2018-05-01T09:32:38.9165660Z', '2020-01-01T02:00:00+02:00', '', 'garbage',
    ]), [
      '"2020-03-04T14:05:01.3109965Z"', '"0001-01-01T00:00:00Z"', '"9999-12-31T23:59:59.9999999Z"',
      '"2016-06-06T15:35:00Z"', '"2018-05-01T09:32:38.916566Z"', '"2020-01-01T00:00:00Z"', 'null', 'null',
    ]);
  });

  test('timespan: negative, days, fractions, extremes', async () => {
    assert.deepEqual(await roundTrip('timespan', [
      '-2.00:00:02.0020002', '1.01:02:03.004', '00:00:00', '10675199.02:48:05.4775807', '-00:00:00.0000001', '2h', '1.5d', '',
    ]), [
      '"-2.00:00:02.0020002"', '"1.01:02:03.004"', '"00:00:00"', '"10675199.02:48:05.4775807"', '"-00:00:00.0000001"',
      '"02:00:00"', '"1.12:00:00"', 'null',
    ]);
  });

  test('long: ±(2^63−1) exact', async () => {
    assert.deepEqual(await roundTrip('long', ['9223372036854775807', '-9223372036854775807', '-9223372036854775808', '0', '', '1.5']),
      ['9223372036854775807', '-9223372036854775807', '-9223372036854775808', '0', 'null', 'null']);
  });

  test('int, real (NaN and infinities as strings), bool', async () => {
    assert.deepEqual(await roundTrip('int', ['2147483647', '-2147483648', '2147483648', '']), ['2147483647', '-2147483648', 'null', 'null']);
    assert.deepEqual(await roundTrip('real', ['0.1', '-2.5e-7', '1.7976931348623157e308', 'NaN', 'Infinity', '-inf', '']),
      ['0.1', '-2.5e-7', '1.7976931348623157e+308', '"NaN"', '"Infinity"', '"-Infinity"', 'null']);
    assert.deepEqual(await roundTrip('bool', ['true', 'False', '1', '0', '', 'yes']), ['true', 'false', 'true', 'false', 'null', 'null']);
  });

  test('decimal: 28-29 digits and mixed scales kept exactly', async () => {
    assert.deepEqual(await roundTrip('decimal', [
      '2.00000000000001', '79228162514264337593543950335', '-0.0000000000000000000000000001', '1.50', '+007.250', '1e3',
      '0.12345678901234567890123456789', '',
    ]), [
      '"2.00000000000001"', '"79228162514264337593543950335"', '"-0.0000000000000000000000000001"', '"1.50"', '"7.250"', '"1000"',
      '"0.1234567890123456789012345679"', 'null',
    ]);
  });

  test('string (never null), guid (canonical lowercase), dynamic (exact numbers, non-JSON as a string)', async () => {
    assert.deepEqual(await roundTrip('string', ['ünïcødé 😀', '', 'quote " and \\ backslash', 'line\nbreak']),
      ['"ünïcødé 😀"', '""', '"quote \\" and \\\\ backslash"', '"line\\nbreak"']);
    assert.deepEqual(await roundTrip('guid', ['{123E27DE-1E4E-49D9-B579-FE0B331D3642}', '123e27de1e4e49d9b579fe0b331d3642', '', 'nope']),
      ['"123e27de-1e4e-49d9-b579-fe0b331d3642"', '"123e27de-1e4e-49d9-b579-fe0b331d3642"', 'null', 'null']);
    assert.deepEqual(await roundTrip('dynamic', ['{"a": {"b": [1, 9223372036854775807, 1.5e300]}, "s": "x y"}', '[ ]', 'plain text', '', 'null']),
      ['{"a":{"b":[1,9223372036854775807,1.5e300]},"s":"x y"}', '[]', '"plain text"', 'null', 'null']);
  });

  test('a string column holding a SQL NULL still encodes as ""; a datetime outside 0001..9999 as null', () => {
    assert.equal(encodeV2Value('string', null), '');
    assert.equal(encodeV2Value('datetime', -1n), null);
    assert.equal(encodeV2Value('datetime', 3_155_378_976_000_000_000n), null);
  });
});

describe('type names', () => {
  test('parseCslType accepts Kusto, .NET and common aliases', () => {
    const cases: [string, KustoType][] = [
      ['string', 'string'], ['System.String', 'string'], ['datetime', 'datetime'], ['date', 'datetime'], ['int64', 'long'],
      ['double', 'real'], ['System.Int32', 'int'], ['bool', 'bool'], ['boolean', 'bool'], ['System.SByte', 'bool'],
      ['decimal', 'decimal'], ['System.Data.SqlTypes.SqlDecimal', 'decimal'], ['timespan', 'timespan'], ['time', 'timespan'],
      ['guid', 'guid'], ['uuid', 'guid'], ['dynamic', 'dynamic'], ['System.Object', 'dynamic'],
    ];
    for (const [name, type] of cases) assert.equal(parseCslType(name), type, name);
    assert.throws(() => parseCslType('varchar'), { kqlCode: 'SYN0002' });
  });

  test('clrTypeName and duckdbType', () => {
    assert.deepEqual(
      (['bool', 'int', 'long', 'real', 'decimal', 'string', 'datetime', 'timespan', 'guid', 'dynamic'] as KustoType[]).map((t) => [clrTypeName(t), duckdbType(t)]),
      [['System.SByte', 'BOOLEAN'], ['System.Int32', 'INTEGER'], ['System.Int64', 'BIGINT'], ['System.Double', 'DOUBLE'],
        ['System.Data.SqlTypes.SqlDecimal', 'VARCHAR'], ['System.String', 'VARCHAR'], ['System.DateTime', 'BIGINT'],
        ['System.TimeSpan', 'BIGINT'], ['System.Guid', 'VARCHAR'], ['System.Object', 'VARCHAR']],
    );
  });
});
