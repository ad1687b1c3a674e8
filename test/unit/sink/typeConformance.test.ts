// The counter of values that land as null (src/engine/sink/typeConformance.ts): its parse rules
// against the emulator's conversion (test/emulator/kql/values.ts, which follows the service's), and
// its reading of CSV and JSON streams (chunk boundaries, quotes, headers, lines, gzip).
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { gzipSync } from 'node:zlib';
import { jsonValueParsesAs, textParsesAs } from '../../../src/engine/sink/kustoTextParsing';
import { checkedColumns, TypeConformanceCounter, UnparsedValuesReport, type CheckedColumn } from '../../../src/engine/sink/typeConformance';
import { buildFileMapping } from '../../../src/kusto/ingest/ingestionMapping';
import { parseKustoText } from '../../emulator/kql/values';
import type { KustoType } from '../../../src/engine/rows';

// Values typed in by hand for each type: some land, some become null, some are null by intent.
const SAMPLES: Record<Exclude<KustoType, 'string'>, string[]> = {
  long: ['0', '-17', '+5', ' 42 ', '9223372036854775807', '-9223372036854775808', '9223372036854775808', '1.5', '1e3', 'abc', 'n/a', '0x10', '1,000', '', '  ', 'null', 'NULL'],
  int: ['2147483647', '-2147483648', '2147483648', '12', '1.0', 'x', ''],
  real: ['1.5', '-0.0', '.5', '5.', '1e-300', '1E+7', 'NaN', 'nan', 'inf', '-Infinity', 'abc', '1.2.3', '1,5', '0x1p3', 'e5', ''],
  decimal: ['12.50', '-0.01', '1e5', '79228162514264337593543950335', '79228162514264337593543950336', '0.00000000000000000000000000000001', '1e-1000', '1.2.3', 'abc', ''],
  bool: ['true', 'False', 'TRUE', '1', '0', 'yes', 'no', 't', '2', ''],
  datetime: ['2024-02-29', '2023-02-29', '2024-01-02T03:04:05Z', '2024-01-02 03:04:05.1234567', '2024-01-02T03:04:05.123+02:00', '0001-01-01T00:30:00+01:00', '9999-12-31T23:59:59.9999999Z', '2024-13-01', '2024-01-01T24:00:00', '01/02/2024', 'yesterday', '2024-1-2', ''],
  timespan: ['1.02:03:04', '00:00:01.5', '-2.00:00:02.0020002', '25:00:00', '1d', '2h', '30m', '100ms', '1.5h', '10', 'abc', '1w', ''],
  guid: ['74be27de-1e4e-49d9-b579-fe0b331d3642', '{74BE27DE-1E4E-49D9-B579-FE0B331D3642}', '74be27de1e4e49d9b579fe0b331d3642', '74be27de-1e4e-49d9-b579', 'not-a-guid', ''],
  dynamic: ['{"a":1}', '[1,2]', 'plain text', '42', ''],
};

/** The emulator's verdict: null for text that is not blank and not "null" means the value was lost. */
function emulatorLoses(type: KustoType, text: string): boolean {
  const t = text.trim();
  return parseKustoText(type, text) === null && t !== '' && t.toLowerCase() !== 'null';
}

describe('which values land as null (the rules the counter counts by)', () => {
  for (const [type, values] of Object.entries(SAMPLES) as Array<[KustoType, string[]]>) {
    test(`${type}: text values, as the emulator converts them`, () => {
      for (const value of values) assert.equal(!textParsesAs(type, value), emulatorLoses(type, value), `${JSON.stringify(value)} into ${type}`);
    });
  }

  test('the cases the issue names: "1.5" into long, "abc" into real, "yes" into bool are lost; empty is not', () => {
    assert.equal(textParsesAs('long', '1.5'), false);
    assert.equal(textParsesAs('real', 'abc'), false);
    assert.equal(textParsesAs('bool', 'yes'), false);
    assert.equal(textParsesAs('datetime', '01/02/2024'), false);
    assert.equal(textParsesAs('timespan', '1w'), false);
    assert.equal(textParsesAs('guid', 'not-a-guid'), false);
    for (const type of ['long', 'int', 'real', 'bool', 'datetime', 'timespan', 'guid', 'decimal'] as const) assert.equal(textParsesAs(type, ''), true, `empty into ${type} is null by intent`);
    // Text that is not JSON still lands in a dynamic column, as a JSON string.
    assert.equal(textParsesAs('dynamic', 'plain text'), true);
    assert.equal(parseKustoText('dynamic', 'plain text'), '"plain text"');
  });

  test('JSON values: numbers and bools are read from their text, objects land only in dynamic or string', () => {
    const cases: Array<[KustoType, unknown]> = [
      ['long', 1.5], ['long', 1], ['long', true], ['real', 2], ['real', false], ['bool', 1], ['bool', 0], ['bool', 2], ['bool', 'yes'],
      ['datetime', 5], ['timespan', 10], ['int', 3000000000], ['guid', 7],
    ];
    for (const [type, value] of cases) assert.equal(!jsonValueParsesAs(type, value), emulatorLoses(type, String(value)), `${JSON.stringify(value)} into ${type}`);
    assert.equal(jsonValueParsesAs('long', { a: 1 }), false);
    assert.equal(jsonValueParsesAs('dynamic', { a: 1 }), true);
    assert.equal(jsonValueParsesAs('long', null), true);
    assert.equal(jsonValueParsesAs('long', undefined), true);
    assert.equal(jsonValueParsesAs('long', ''), true);
  });
});

function counted(format: 'csv' | 'json' | 'multijson' | 'tsv', columns: CheckedColumn[], hasHeader: boolean, text: string, chunk = 1 << 20): ReturnType<TypeConformanceCounter['result']> {
  const counter = new TypeConformanceCounter(format, columns, hasHeader);
  counter.reset();
  const bytes = Buffer.from(text, 'utf8');
  for (let i = 0; i < bytes.length; i += chunk) counter.write(bytes.subarray(i, i + chunk));
  counter.end();
  return counter.result();
}

describe('the counter reads CSV and JSON as the service does', () => {
  const amount: CheckedColumn = { column: 'amount', type: 'long', ordinal: 1 };
  const csv = ['id,amount,note', '1,10,plain', '2,"1,5","quoted, with comma"', '3,abc,"two', 'lines"', '4,,empty', '', '5,"x""y",quote', '6,7'].join('\r\n');

  test('CSV: counts per column with the first value and the line its record starts on, whatever the chunk size', () => {
    const expected = [{ column: 'amount', type: 'long', count: 3, example: '"1,5"', line: 3 }];
    for (const size of [1, 2, 3, 7, 64, 1 << 20]) assert.deepEqual(counted('csv', [amount], true, csv, size), expected, `chunks of ${size} bytes`);
    // The header is not a value of the column; without a header flag it is one (of 4 lost).
    assert.equal(counted('csv', [amount], false, csv)?.[0]?.count, 4);
  });

  test('CSV: a multi-line quoted value moves the line numbers of the records below it', () => {
    for (const size of [1, 3, 1 << 20]) {
      assert.deepEqual(counted('csv', [{ column: 'b', type: 'long', ordinal: 1 }], true, 'a,b\n1,"x\ny\nz"\n2,bad\n', size), [{ column: 'b', type: 'long', count: 2, example: '"x\\ny\\nz"', line: 2 }]);
      assert.deepEqual(counted('csv', [{ column: 'c', type: 'long', ordinal: 2 }], true, 'a,b,c\n1,"x\ny\nz",1\n2,q,bad\n', size), [{ column: 'c', type: 'long', count: 1, example: '"bad"', line: 5 }]);
    }
  });
  test('CSV: a UTF-8 character split across chunks and a byte order mark are read right', () => {
    const text = '\ufeffname,when\nélan,2024-01-01\nüber,morgen\n';
    for (const size of [1, 2, 5]) assert.deepEqual(counted('csv', [{ column: 'when', type: 'datetime', ordinal: 1 }], true, text, size), [{ column: 'when', type: 'datetime', count: 1, example: '"morgen"', line: 3 }]);
  });

  test('TSV uses its own delimiter', () => {
    assert.deepEqual(counted('tsv', [{ column: 'n', type: 'real', ordinal: 1 }], false, 'a\t1.5\nb\tone,two\n'), [{ column: 'n', type: 'real', count: 1, example: '"one,two"', line: 2 }]);
  });

  test('JSON lines: per key, numbers by their text (long max stays a long), first value as written', () => {
    const columns: CheckedColumn[] = [{ column: 'amount', type: 'long', key: 'amount' }, { column: 'flag', type: 'bool', key: 'flag' }];
    const text = ['{"amount":1,"flag":true}', '{"amount":9223372036854775807,"flag":"1"}', '{"amount":1.5,"flag":"yes"}', '{"amount":"n/a","note":"}{"}', '{"amount":null,"flag":null}', '{"flag":false}', '{"amount":9223372036854775808}'].join('\n');
    const expected = [
      { column: 'amount', type: 'long', count: 3, example: '1.5', line: 3 },
      { column: 'flag', type: 'bool', count: 1, example: '"yes"', line: 3 },
    ];
    for (const size of [1, 4, 1 << 20]) assert.deepEqual(counted('json', columns, false, text, size), expected, `chunks of ${size} bytes`);
    for (const size of [1, 5]) assert.deepEqual(counted('json', columns, false, text.replace(/\n/g, '\r\n'), size), expected, `CRLF, chunks of ${size} bytes`);
  });

  test('multi-line JSON in a top-level array: records over several lines', () => {
    const text = '[\n  {\n    "t": "2024-01-01"\n  },\n  {\n    "t": "soon"\n  }\n]\n';
    assert.deepEqual(counted('multijson', [{ column: 't', type: 'datetime', key: 't' }], false, text, 3), [{ column: 't', type: 'datetime', count: 1, example: '"soon"', line: 5 }]);
  });

  test('the tap passes the bytes through unchanged and counts them; a gzip file is inflated on the side', async () => {
    const text = 'id,amount\n1,2\n2,x\n3,y\n';
    for (const gzipped of [false, true]) {
      const counter = new TypeConformanceCounter('csv', [amount], true, gzipped);
      const input = gzipped ? gzipSync(text) : Buffer.from(text);
      const out: Buffer[] = [];
      await pipeline(Readable.from([input.subarray(0, 5), input.subarray(5)]), counter.tap(), new Writable({ write: (c: Buffer, _e, cb) => (out.push(c), cb()) }));
      assert.deepEqual(Buffer.concat(out), input, 'the upload gets the file as it is');
      assert.deepEqual(counter.result(), [{ column: 'amount', type: 'long', count: 2, example: '"x"', line: 3 }], gzipped ? 'gzip' : 'plain');
    }
  });

  test('the count is whole once the upload has read the last byte, though the tap is still counting (a gzip file inflates behind)', async () => {
    const rows = Array.from({ length: 20_000 }, (_, i) => `${i},${i}`);
    rows.push('20000,late', '20001,later');
    const text = ['id,amount', ...rows].join('\n') + '\n';
    for (const gzipped of [false, true]) {
      const counter = new TypeConformanceCounter('csv', [amount], true, gzipped);
      const input = gzipped ? gzipSync(text) : Buffer.from(text);
      const tap = counter.tap();
      let received = 0;
      // What an upload sees: the answer can come as soon as it has sent the file's last byte.
      const sentAll = new Promise<void>((resolve) => tap.on('data', (c: Buffer) => (received += c.length) === input.length && resolve()));
      tap.write(input.subarray(0, 1000));
      tap.end(input.subarray(1000));
      await sentAll;
      assert.deepEqual(await counter.settledResult(), [{ column: 'amount', type: 'long', count: 2, example: '"late"', line: 20_002 }], gzipped ? 'gzip' : 'plain');
    }
  });

  test('a gzip file that does not inflate is uploaded unchanged and left uncounted', async () => {
    const counter = new TypeConformanceCounter('csv', [amount], true, true);
    const input = Buffer.concat([gzipSync('id,amount\n1,x\n').subarray(0, 12), Buffer.from('garbage garbage garbage')]);
    const out: Buffer[] = [];
    await pipeline(Readable.from([input]), counter.tap(), new Writable({ write: (c: Buffer, _e, cb) => (out.push(c), cb()) }));
    assert.deepEqual(Buffer.concat(out), input);
    assert.equal(counter.result(), undefined);
  });

  test('a file not read to its end has no result; a new tap counts afresh', () => {
    const counter = new TypeConformanceCounter('csv', [amount], true);
    counter.tap().write(Buffer.from('id,amount\n1,x\n'));
    assert.equal(counter.result(), undefined);
    const again = counter.tap();
    again.write(Buffer.from('id,amount\n1,y\n2,z\n'));
    again.end();
    assert.deepEqual(counter.result(), [{ column: 'amount', type: 'long', count: 2, example: '"y"', line: 2 }], 'only the second read counts');
  });

  test('which columns are checked: by the mapping, into table columns that can lose values', () => {
    const table = [{ name: 'id', type: 'long' as const }, { name: 'Amount', type: 'real' as const }, { name: 'note', type: 'string' as const }, { name: 'extra', type: 'dynamic' as const }];
    const csvMapping = buildFileMapping('csv', ['id', 'amount', 'note', 'extra'], {}, table);
    assert.deepEqual(checkedColumns('csv', ['id', 'amount', 'note', 'extra'], csvMapping.entries, table), [{ column: 'id', type: 'long', ordinal: 0 }, { column: 'Amount', type: 'real', ordinal: 1 }]);
    const jsonMapping = buildFileMapping('json', ["it's", 'amount', 'extra'], {}, [{ name: "it's", type: 'long' }, ...table]);
    assert.deepEqual(checkedColumns('json', ["it's", 'amount', 'extra'], jsonMapping.entries, [{ name: "it's", type: 'long' }, ...table]), [
      { column: "it's", type: 'long', key: "it's" }, { column: 'Amount', type: 'real', key: 'amount' }, { column: 'extra', type: 'dynamic', key: 'extra' },
    ]);
    assert.deepEqual(checkedColumns('parquet', ['id'], [], table), []);
  });
});

describe('the report', () => {
  test('one warning per file, then the total once with what to do; past ten files, the job log only', () => {
    const warned: string[] = [];
    const infos: string[] = [];
    const warnings: string[] = [];
    const report = new UnparsedValuesReport({ warn: (m) => warned.push(m), info: (m) => infos.push(m), debug: () => undefined, error: () => undefined }, warnings);
    for (let i = 1; i <= 12; i++) report.add(`part-${i}.csv`, [{ column: 'amount', type: 'long', count: i, example: '"abc"', line: 7 }]);
    report.add('clean.csv', []);
    report.finish();
    assert.equal(warned.length, 11);
    assert.equal(warned[0], 'part-1.csv: column "amount" (long): 1 value does not parse as long and landed as null (first: "abc" on line 7)');
    assert.equal(infos.length, 2);
    assert.match(warned[10], /^78 values in total did not parse as their column's type and landed as null \(1 column of 12 files, the first 10 files listed above, every file in the job log\)\. To keep them, give such a column the type string/);
    assert.deepEqual(warnings, warned, 'the job result carries what was warned');
  });

  test('nothing lost, nothing said', () => {
    const warned: string[] = [];
    const report = new UnparsedValuesReport({ warn: (m) => warned.push(m), info: () => undefined, debug: () => undefined, error: () => undefined }, []);
    report.add('a.csv', undefined);
    report.finish();
    assert.deepEqual(warned, []);
  });
});
