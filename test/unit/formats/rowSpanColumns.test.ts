// The WebAssembly row parser (rowSpanWasm.c, driven by rowSpanColumns.ts) against the exact text
// parser (parseRow, then the column buffers' append): over every Kusto type it takes, with values
// it takes and values it leaves, both must give byte-identical Parquet pages. Anything it cannot
// take must fall to the exact parser, never come out different.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EVERY_KUSTO_TYPE } from '../everyKustoType';
import { seededRandom } from '../seededRandom';
import type { ColumnSchema, Row } from '../../../src/engine/rows';
import { type EncodedRowGroup, RowGroupEncoder } from '../../../src/formats/parquet/rowGroupEncoder';
import { rowWasmAvailable, rowsParsedByWasm } from '../../../src/formats/parquet/rowSpanWasm';
import { parseRow } from '../../../src/kusto/v2RowParser';

const COLUMNS = EVERY_KUSTO_TYPE;

// Raw JSON tokens per column, as a response may carry them.
const TOKENS: string[][] = [
  ['true', 'false', 'null', '1', '0', '"true"', '"1"'],
  ['0', '-5', '2147483648', 'null', '123456789012345', '"42"', '-2147483648'],
  ['0', '-1', '9007199254740993', '-9223372036854775808', '123', 'null', '1.5e3', '"77"', '12345678901234567890'],
  ['0.1', '-0.0', '1e308', '5e-324', '142857.14285714287', '3', '-2.5', 'null', '"NaN"', '"Infinity"', '"-Infinity"', '1E5', '0.30000000000000004', '123456789012345678', '1.7976931348623157e308', '0.000001', '-0', '9007199254740993.5'],
  ['"1"', '"-0.5"', '"12345678901234567890.123456789012345678"', '"1E+3"', '42', 'null', '"0.0000000000000000015"', '-7.25', '"+3"'],
  ['"plain"', '""', '"with \\"escape\\""', '"日本語 😀"', '"x],[y"', 'null', '"\\u00e9\\n"', JSON.stringify('long '.repeat(30)), JSON.stringify(`${'x'.repeat(60)}"quoted"${'y'.repeat(10)}`), '"back\\\\slash"', '12', '{"o":1}'],
  ['"2024-01-01T00:00:01Z"', '"2020-03-04T14:05:01.3109965Z"', 'null', '"1601-01-01T00:00:00Z"', '"2024-02-29T23:59:59.9999999Z"', '"2024-01-01 00:00:01Z"', '"2024-01-01T00:00:01.5Z"'],
  ['"00:00:01"', '"-1.02:03:04.5000000"', '"10675199.02:48:05.4775807"', 'null', '"1.00:00:00"', '"-00:00:00.0000001"'],
  ['"6fbc5d31-0ffd-4d87-9ace-c938114ca269"', 'null', '""'],
  ['{"a":[1,2,{"b":"]"}]}', '[1,2]', '"str"', '12', 'true', 'null', '{"esc":"\\"q\\""}', '[]', '{"s":"日本"}', '-1.5e-7', JSON.stringify(`${'z'.repeat(70)}\\${'w'.repeat(5)}`), JSON.stringify(`${'z'.repeat(70)}"]`)],
];

function pagesOf(group: EncodedRowGroup): number[][][] {
  return group.columns.map((column) => column.pages.map((page) => [...page.body]));
}

/** The group made by the byte parser, and by the exact parser row by row. */
function bothWays(columns: ColumnSchema[], rowTexts: string[]): { bytes: EncodedRowGroup; exact: EncodedRowGroup; stop: string } {
  const viaBytes = new RowGroupEncoder(columns, 'none', 4096);
  const parse = viaBytes.appendSpan(Buffer.from(rowTexts.join(',') + ',', 'utf8'));
  assert.equal(parse.rows, rowTexts.length);
  const viaText = new RowGroupEncoder(columns, 'none', 4096);
  const types = columns.map((c) => c.type);
  const rows: Row[] = rowTexts.map((text) => {
    const parsed = parseRow(text, 0, types);
    if (typeof parsed === 'number' || !parsed.row) throw new Error(`not a row: ${text}`);
    return parsed.row;
  });
  viaText.append(rows);
  return { bytes: viaBytes.finish(false), exact: viaText.finish(false), stop: parse.stop };
}

describe('row spans parsed by the WebAssembly parser give the pages of the exact parser', () => {
  test('random doubles in their shortest form, exponent form, 19 digits, and short decimals, convert exactly', () => {
    const random = seededRandom(12345);
    // Any double at all, from its bits: subnormals, the largest, exponents either way.
    const anyDouble = new Float64Array(1);
    const anyBits = new Uint32Array(anyDouble.buffer);
    const texts: string[] = [];
    for (let n = 0; n < 20000; n++) {
      const magnitude = Math.floor(random() * 40) - 20;
      const value = (random() - 0.5) * 10 ** magnitude;
      const short = (Math.round(random() * 1e6) / 10 ** Math.floor(random() * 8)).toString();
      do {
        anyBits[0] = Math.floor(random() * 2 ** 32);
        anyBits[1] = Math.floor(random() * 2 ** 32);
      } while (!Number.isFinite(anyDouble[0]));
      const spelled = [String(anyDouble[0]), anyDouble[0].toExponential(), anyDouble[0].toPrecision(19)][n % 3];
      texts.push(`[${String(value)},${short},${spelled},${String(n / 7)},${n}]`);
    }
    const columns: ColumnSchema[] = ['a', 'b', 'c', 'd'].map((name) => ({ name, type: 'real' }) as ColumnSchema);
    columns.push({ name: 'n', type: 'long' });
    const before = rowsParsedByWasm();
    const { bytes, exact } = bothWays(columns, texts);
    const taken = rowsParsedByWasm() - before;
    assert.ok(taken > 10000, `the WebAssembly parser took ${taken} of 20000 rows`);
    assert.deepEqual(pagesOf(bytes), pagesOf(exact));
    // And the values are the ones JSON.parse reads.
    const page = bytes.columns[0].pages[0];
    const body = Buffer.from(page.body);
    const valuesAt = 4 + body.readUInt32LE(0); // after the length-prefixed definition levels
    for (let r = 0; r < page.numValues; r++) assert.equal(body.readDoubleLE(valuesAt + r * 8), JSON.parse(texts[r])[0], texts[r]);
    assert.ok(page.numValues > 100);
    const third = Buffer.from(bytes.columns[2].pages[0].body);
    const thirdAt = 4 + third.readUInt32LE(0);
    for (let r = 0; r < bytes.columns[2].pages[0].numValues; r++) assert.equal(third.readDoubleLE(thirdAt + r * 8), Number(JSON.parse(texts[r])[2]), texts[r]);
  });

  test('the WebAssembly row parser is built and loads (the build compiles src/formats/parquet/rowSpanWasm.c)', () => {
    assert.equal(rowWasmAvailable(), true);
  });

  test('tables of the kinds the WebAssembly parser takes: its rows, and the rows it leaves, give the exact pages', () => {
    // Every type but timespan (which keeps its table in JavaScript), so the module parses the
    // common rows and stops before each of the others (escapes, whitespace, a missing value,
    // plain decimals, 20-digit longs, reals it cannot be sure of).
    const kept = COLUMNS.map((column, c) => ({ column, tokens: TOKENS[c] })).filter(({ column }) => column.type !== 'timespan');
    const texts = Array.from({ length: 3000 }, (_, n) => {
      // Two rows in three of tokens it takes (the first two of each column; the first decimal),
      // so it has runs to parse; the third from the whole mix.
      const common = n % 3 !== 0;
      const values = kept.map(({ column, tokens }, c) => (common ? tokens[column.type === 'decimal' ? 0 : (n + c) % 2] : tokens[(n * (c + 1) + (n >> 3)) % tokens.length]));
      if (n % 53 === 0) return `[ ${values.join(' , ')} ]`;
      if (n % 61 === 0) return `[${values.slice(0, -1).join(',')}]`;
      return `[${values.join(',')}]`;
    });
    const before = rowsParsedByWasm();
    const { bytes, exact, stop } = bothWays(kept.map(({ column }) => column), texts);
    const taken = rowsParsedByWasm() - before;
    assert.ok(taken > 1000 && taken < 2000, `the WebAssembly parser took ${taken} of 3000 rows`);
    assert.equal(stop, 'complete');
    assert.equal(bytes.numRows, 3000);
    assert.deepEqual(pagesOf(bytes), pagesOf(exact));
  });

  test('long runs of common rows cross the WebAssembly parser\'s per-call limits: rows, nulls and long strings stay in order', () => {
    const columns: ColumnSchema[] = [
      { name: 'id', type: 'long' }, { name: 'qty', type: 'int' }, { name: 'price', type: 'real' }, { name: 'name', type: 'string' },
      { name: 'at', type: 'datetime' }, { name: 'flag', type: 'bool' }, { name: 'amount', type: 'decimal' }, { name: 'tag', type: 'guid' }, { name: 'd', type: 'dynamic' },
    ];
    const texts = Array.from({ length: 30000 }, (_, n) => {
      const name = n % 997 === 0 ? JSON.stringify('w'.repeat(300 + (n % 50))) : n % 13 === 0 ? 'null' : `"item-${n}"`;
      const at = n % 17 === 0 ? 'null' : `"2024-01-${String(1 + (n % 28)).padStart(2, '0')}T00:00:${String(n % 60).padStart(2, '0')}${n % 5 === 0 ? '.123Z' : 'Z'}"`;
      const dynamic = n % 7 === 0 ? `{"k":[${n},"]"]}` : n % 11 === 0 ? 'null' : `"v${n}"`;
      return `[${n * 7919},${n % 1000 - 500},${n / 7},${name},${at},${n % 3 === 0},"${n - 15000}",${n % 19 === 0 ? 'null' : `"${n}"`},${dynamic}]`;
    });
    const before = rowsParsedByWasm();
    const { bytes, exact, stop } = bothWays(columns, texts);
    assert.equal(rowsParsedByWasm() - before, 30000);
    assert.equal(stop, 'complete');
    assert.equal(bytes.numRows, 30000);
    assert.deepEqual(pagesOf(bytes), pagesOf(exact));
  });

  test('edge values through the WebAssembly parser: 64-bit longs at their limits, reals at the ends of the double range, old and far datetimes, negative decimals', () => {
    const longs = ['-9223372036854775808', '9223372036854775807', '9223372036854775808', '12345678901234567890', '-0', '0', '1234567890123456', '-999999999999999999', '007'];
    const reals = ['5e-324', '2.2250738585072014e-308', '1e23', '9007199254740993', '0.1e1', '1e-400', '123456789012345678901234567890', '-0', '1.7976931348623157e308', '4.9406564584124654e-324', '0.30000000000000004', '1e22', '9007199254740992', '18446744073709551615', '1.5E+10'];
    const datetimes = ['"0001-01-01T00:00:00Z"', '"9999-12-31T23:59:59.9999999Z"', '"1969-12-31T23:59:59.123456789Z"', '"1970-01-01 00:00:00Z"', '"2024-02-30T00:00:00Z"', 'null'];
    const decimals = ['"-123456789012345"', '"0"', '"-0"', '"999999999999999"', '"1234567890123456"', '"1.25"'];
    const columns: ColumnSchema[] = [{ name: 'l', type: 'long' }, { name: 'r', type: 'real' }, { name: 't', type: 'datetime' }, { name: 'd', type: 'decimal' }];
    const texts: string[] = [];
    for (let n = 0; n < 4000; n++) texts.push(`[${longs[n % longs.length]},${reals[(n >> 1) % reals.length]},${datetimes[(n >> 2) % datetimes.length]},${decimals[(n >> 3) % decimals.length]}]`);
    const before = rowsParsedByWasm();
    const { bytes, exact } = bothWays(columns, texts);
    assert.ok(rowsParsedByWasm() - before > 500, `the WebAssembly parser took ${rowsParsedByWasm() - before} rows`);
    assert.deepEqual(pagesOf(bytes), pagesOf(exact));
  });
});

test('a short string that ends the loaded bytes exactly at the end of the module\'s memory is copied whole (its word copies read past the input)', () => {
  // The span is laid out in the module's memory after the parser's own regions; a span whose end
  // falls exactly on a 64 KB page boundary of a memory grown just for it has nothing after it,
  // unless the loader keeps a margin. Lengths around that boundary, each with a short last value.
  const columns = [{ name: 's', type: 'string' }] as ColumnSchema[];
  for (let extra = -12; extra <= 12; extra++) {
    const encoder = new RowGroupEncoder(columns, 'none', 1 << 20);
    const wasm = (encoder as unknown as { spanParser: { wasm: { inputAt: number; bytes: Uint8Array } } }).spanParser.wasm;
    const room = wasm.bytes.length - wasm.inputAt;
    // One long row padded so that the span, with its short last row and the array's end, is room + 65536 + extra bytes.
    const tail = '["ab"]]'; // the last row, then the Rows array's end
    const length = room + 65536 + extra;
    const pad = length - tail.length - '[""],'.length;
    const text = `["${'p'.repeat(pad)}"],${tail}`;
    assert.equal(Buffer.byteLength(text), length);
    const parse = encoder.appendSpan(Buffer.from(text, 'latin1'));
    assert.equal(parse.rows, 2, `span of ${length} bytes`);
    const [page] = encoder.finish(false).columns[0].pages;
    const body = Buffer.from(page.body);
    assert.equal(body.subarray(body.length - 2).toString(), 'ab', `span of ${length} bytes`);
  }
});
