// Every Parquet file our writer makes in these tests is read back by hyparquet, a reader we did
// not write, and its values compared with literal expected values (pyarrow and Spark read our
// files in their own suites): rows written one by one, and rows parsed from a response's bytes
// (the WebAssembly parser, the exact parser for the rows it leaves) written as row groups.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ColumnSchema, Row } from '../../../src/engine/rows';
import { ParquetWriter, type ParquetCompression } from '../../../src/formats/parquet/parquetWriter';
import { type EncodedRowGroup, RowGroupEncoder } from '../../../src/formats/parquet/rowGroupEncoder';
import { rowsParsedByWasm } from '../../../src/formats/parquet/rowSpanWasm';
import { EVERY_KUSTO_TYPE } from '../everyKustoType';
import { readBackParquet } from '../parquetReadBack';
import { collector } from '../collectingWritable';

const ROWS: Row[] = [
  [true, 2147483647, 9223372036854775807n, 0.1, '1.25', 'héllo "q" 😀', '2024-02-29T23:59:59.9999999Z', '-1.02:03:04.5000000', '6fbc5d31-0ffd-4d87-9ace-c938114ca269', '{"a":[1,2]}'],
  [null, null, null, null, null, '', null, null, null, null],
  [false, -2147483648, -9223372036854775808n, -1e308, '-0.5', 'x', '1601-01-01T00:00:00Z', '00:00:00.0000001', '', '[]'],
  [true, 0, 0n, 5e-324, '42', 'a\nb\tc', '1970-01-01T00:00:00.0000010Z', '10675199.02:48:05.4775807', '00000000-0000-0000-0000-000000000000', '"text"'],
];

/** What hyparquet reads for ROWS: datetimes as microseconds since the epoch, timespans as 100 ns ticks, decimals as doubles. */
const EXPECTED = [
  { b: true, i: 2147483647, l: 9223372036854775807n, r: 0.1, d: 1.25, s: 'héllo "q" 😀', t: 1709251199999999n, ts: -937845000000n, g: '6fbc5d31-0ffd-4d87-9ace-c938114ca269', dyn: '{"a":[1,2]}' },
  { b: null, i: null, l: null, r: null, d: null, s: '', t: null, ts: null, g: null, dyn: null },
  { b: false, i: -2147483648, l: -9223372036854775808n, r: -1e308, d: -0.5, s: 'x', t: -11644473600000000n, ts: 1n, g: '', dyn: '[]' },
  { b: true, i: 0, l: 0n, r: 5e-324, d: 42, s: 'a\nb\tc', t: 1n, ts: 9223372036854775807n, g: '00000000-0000-0000-0000-000000000000', dyn: '"text"' },
];

describe('Parquet files our writer makes, read by hyparquet', () => {
  for (const codec of ['none', 'snappy', 'gzip'] as ParquetCompression[]) {
    test(`every Kusto type, nulls and edge values, rows written one by one (${codec}, two rows per group)`, async () => {
      const { out, bytes } = collector();
      const writer = new ParquetWriter(out, EVERY_KUSTO_TYPE, codec, { rowGroupRows: 2 });
      await writer.write(ROWS.slice(0, 3));
      await writer.write(ROWS.slice(3));
      await writer.close();
      const read = await readBackParquet(bytes());
      assert.deepEqual(read.rows, EXPECTED);
      assert.equal(read.rowGroups, 2);
      assert.deepEqual(read.codecs, [{ none: 'UNCOMPRESSED', snappy: 'SNAPPY', gzip: 'GZIP' }[codec]]);
    });
  }

  test('rows parsed from response bytes (WebAssembly, and the exact parser for the rows it leaves) written as row groups', async () => {
    // Every type the WebAssembly parser takes; the third row has whitespace and an escape, which it leaves.
    const columns: ColumnSchema[] = EVERY_KUSTO_TYPE.filter((c) => c.type !== 'timespan');
    const span = [
      '[true,2147483647,9223372036854775807,0.1,"1","plain","2024-02-29T23:59:59.9999999Z","6fbc5d31-0ffd-4d87-9ace-c938114ca269",{"a":[1,2]}]',
      '[null,null,null,null,null,"",null,null,null]',
      '[ false , -7 , -42 , -2.5 , "-0.5" , "say \\"hi\\"" , "1601-01-01T00:00:00Z" , "" , [] ]',
      '[true,0,0,5e-324,"42","日本","1970-01-01T00:00:00.000001Z","00000000-0000-0000-0000-000000000000","text"]',
    ].join(',') + ',';
    const encoder = new RowGroupEncoder(columns, 'snappy', 1 << 20);
    const before = rowsParsedByWasm();
    const parse = encoder.appendSpan(Buffer.from(span, 'utf8'));
    assert.deepEqual({ rows: parse.rows, stop: parse.stop }, { rows: 4, stop: 'complete' });
    const taken = rowsParsedByWasm() - before;
    assert.ok(taken >= 2 && taken <= 3, `both parsers took rows: the WebAssembly parser ${taken} of 4`);
    const { out, bytes } = collector();
    const writer = new ParquetWriter(out, columns, 'snappy');
    await writer.writeRowGroup(encoder.finish(true));
    await writer.close();
    const read = await readBackParquet(bytes());
    assert.deepEqual(read.rows, [
      { b: true, i: 2147483647, l: 9223372036854775807n, r: 0.1, d: 1, s: 'plain', t: 1709251199999999n, g: '6fbc5d31-0ffd-4d87-9ace-c938114ca269', dyn: '{"a":[1,2]}' },
      { b: null, i: null, l: null, r: null, d: null, s: '', t: null, g: null, dyn: null },
      { b: false, i: -7, l: -42n, r: -2.5, d: -0.5, s: 'say "hi"', t: -11644473600000000n, g: '', dyn: '[]' },
      { b: true, i: 0, l: 0n, r: 5e-324, d: 42, s: '日本', t: 1n, g: '00000000-0000-0000-0000-000000000000', dyn: '"text"' },
    ]);
    assert.equal(read.rowGroups, 1);
  });
});

describe('row groups handed over (pages as views of the column buffers\' storage, not copies)', () => {
  for (const codec of ['snappy', 'none', 'gzip'] as ParquetCompression[]) {
    test(`make the file that copied pages make, also when the next group is appended before the writer takes the first (${codec})`, async () => {
      // Small pages: several per column, so pages are views at offsets inside the storage.
      const copied = new RowGroupEncoder(EVERY_KUSTO_TYPE, codec, 64);
      const handed = new RowGroupEncoder(EVERY_KUSTO_TYPE, codec, 64);
      const groups: Array<{ copy: EncodedRowGroup; view: EncodedRowGroup }> = [];
      for (const rows of [[...ROWS, ...ROWS, ...ROWS], ROWS.slice(1)]) {
        copied.reset();
        handed.reset();
        copied.append(rows);
        handed.append(rows);
        groups.push({ copy: copied.finish(false), view: handed.handOver() });
      }
      const first = groups[0].view;
      const movable = new Set(first.movable);
      const strings = first.columns[EVERY_KUSTO_TYPE.findIndex((c) => c.name === 's')];
      assert.ok(strings.pages.length > 1 && strings.pages.every((p) => p.levels && movable.has(p.body.buffer as ArrayBuffer)), 'string pages are views of storage given up');
      const longs = first.columns[EVERY_KUSTO_TYPE.findIndex((c) => c.name === 'l')];
      assert.ok(longs.pages.length > 1 && longs.pages.every((p) => movable.has(p.body.buffer as ArrayBuffer)), 'long pages are views of storage given up');
      const files = [];
      for (const which of ['copy', 'view'] as const) {
        const { out, bytes } = collector();
        const writer = new ParquetWriter(out, EVERY_KUSTO_TYPE, codec);
        for (const group of groups) await writer.writeRowGroup(group[which]);
        await writer.close();
        files.push(bytes());
      }
      assert.equal(files[1].toString('hex'), files[0].toString('hex'));
      const read = await readBackParquet(files[1]);
      assert.deepEqual(read.rows, [...EXPECTED, ...EXPECTED, ...EXPECTED, ...EXPECTED.slice(1)]);
      assert.equal(read.rowGroups, 2);
    });
  }
});
