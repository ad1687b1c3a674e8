import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, test } from 'node:test';
import type { ColumnSchema } from '../../../src/engine/rows';
import { createColumnBuffer } from '../../../src/formats/parquet/columnBuffers';
import { encodeAllPresent, encodeDefinitionLevels } from '../../../src/formats/parquet/definitionLevels';
import { ParquetValueError, decimalToUnscaled, setDatetimeMicros, setDecimal128, setTimespanTicks } from '../../../src/formats/parquet/kustoParquetValues';
import { PAGE_HEADER_MAX_BYTES, serializePageHeader } from '../../../src/formats/parquet/parquetFormat';
import { ParquetWriter } from '../../../src/formats/parquet/parquetWriter';
import { snappyCompress, snappyCompressJs, snappyCompressOver } from '../../../src/formats/parquet/snappyCompress';
import { seededRandom } from '../seededRandom';
import { snappyCompressWasm, snappyWasmAvailable } from '../../../src/formats/parquet/snappyWasm';
import { ThriftCompactWriter, ThriftType } from '../../../src/formats/parquet/thriftCompactWriter';
import { readBackParquet } from '../parquetReadBack';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

function int64At(words: Int32Array, index: number): bigint {
  return new BigInt64Array(words.buffer)[index];
}

describe('thrift compact protocol', () => {
  test('a data page header has the exact bytes of parquet.thrift PageHeader', () => {
    const out = Buffer.alloc(PAGE_HEADER_MAX_BYTES + 3, 0xee);
    const end = serializePageHeader(out, 3, 100, 50, 10);
    assert.equal(hex(out.subarray(0, 3)), 'eeeeee');
    assert.equal(hex(out.subarray(3, end)), '1500' + '15c801' + '1564' + '2c' + '1514' + '1500' + '1506' + '1506' + '00' + '00');
  });

  test('field id jumps over 15 use the long form; i64 is a zigzag varint; lists carry size and type', () => {
    const w = new ThriftCompactWriter(4);
    w.fieldI64(1, -1n).fieldI64(20, 9223372036854775807n).fieldBool(21, true).fieldString(22, 'é');
    w.fieldListBegin(23, ThriftType.I32, 2).listI32(0).listI32(3);
    w.structEnd();
    assert.equal(hex(w.toBuffer()), '1601' + '0628' + 'feffffffffffffffff01' + '11' + '1802c3a9' + '1925' + '00' + '06' + '00');
  });

  test('an i64 given as a number is written as the same value given as a bigint, at every length and past 2^51', () => {
    const values: number[] = [0, 1, -1, 63, 64, -64, -65, 127, 128, 300, -300, 2 ** 31, -(2 ** 31), 2 ** 32 + 5, 2 ** 51, -(2 ** 51), 2 ** 51 + 2, -(2 ** 51) - 2, 2 ** 53 - 1, -(2 ** 53 - 1), 2 ** 62, -(2 ** 62)];
    for (let bits = 0; bits < 53; bits++) for (const v of [2 ** bits - 1, 2 ** bits, 2 ** bits + 1]) values.push(v, -v);
    for (let i = 0; i < 2000; i++) values.push(Math.round((Math.random() - 0.5) * 2 ** (1 + (i % 53))));
    for (const v of values) {
      const asNumber = new ThriftCompactWriter(1).fieldI64(1, v).fieldI32(2, 7);
      const asBigint = new ThriftCompactWriter(1).fieldI64(1, BigInt(v)).fieldI32(2, 7);
      assert.equal(hex(asNumber.toBuffer()), hex(asBigint.toBuffer()), String(v));
    }
  });
});

describe('definition levels (RLE / bit-packed hybrid, bit width 1)', () => {
  test('a column without nulls is one RLE run', () => {
    assert.equal(hex(encodeDefinitionLevels(new Uint8Array(10).fill(1), 0, 10)), '02000000' + '1401');
  });

  test('mixed levels are bit-packed by groups of 8, long runs go back to RLE', () => {
    const levels = Uint8Array.from([1, 0, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
    assert.equal(hex(encodeDefinitionLevels(levels, 0, levels.length)), '04000000' + '030d' + '1401');
  });

  test('levels of a column without nulls, built directly, are the bytes the general encoder gives', () => {
    for (const count of [1, 7, 8, 63, 64, 1000, 200_000]) {
      assert.equal(hex(encodeAllPresent(count)), hex(encodeDefinitionLevels(new Uint8Array(count).fill(1), 0, count)), String(count));
    }
  });

  test('string pages are cut after the first value that brings them to the page size, with or without nulls', () => {
    for (const withNulls of [false, true]) {
      const column = createColumnBuffer({ name: 's', type: 'string' });
      const values = Array.from({ length: 3000 }, (_, i) => (withNulls && i % 7 === 0 ? null : 'x'.repeat((i * 37) % 101)));
      column.append(values.map((v) => [v]), 0, 0, values.length);
      const pageBytes = 4096;
      const pages = column.pages(pageBytes);
      let row = 0;
      for (const [k, page] of pages.entries()) {
        const rows = values.slice(row, row + page.numValues);
        const dataBytes = (vs: typeof rows): number => vs.reduce((sum, v) => sum + (v === null ? 0 : 4 + v.length), 0);
        const levelBytes = 4 + page.body.readUInt32LE(0);
        assert.equal(page.body.length - levelBytes, dataBytes(rows), `page ${k}: its values`);
        if (k < pages.length - 1) {
          assert.ok(dataBytes(rows) >= pageBytes, `page ${k} reaches the page size`);
          assert.ok(dataBytes(rows.slice(0, -1)) < pageBytes, `page ${k} ends at the first row reaching it`);
        }
        row += page.numValues;
      }
      assert.equal(row, values.length);
    }
  });

  test('buffers sized ahead (reserveRows) give the same pages, below, at and beyond what was reserved', () => {
    const kinds: ColumnSchema[] = [{ name: 'l', type: 'long' }, { name: 'b', type: 'bool' }, { name: 'd', type: 'decimal' }, { name: 's', type: 'string' }];
    for (const column of kinds) {
      const value = (i: number): unknown => (i % 11 === 0 ? null : column.type === 'bool' ? i % 3 === 0 : column.type === 'string' ? 'v'.repeat(i % 23) : column.type === 'decimal' ? `${i}.5` : i * 3);
      for (const rows of [100, 5000, 9000]) {
        const batch = Array.from({ length: rows }, (_, i) => [value(i)]) as Parameters<ReturnType<typeof createColumnBuffer>['append']>[0];
        const plain = createColumnBuffer(column);
        const reserved = createColumnBuffer(column);
        plain.append(batch, 0, 0, rows);
        // A few rows first (the string column then sizes its bytes from them), then the reservation.
        reserved.append(batch, 0, 0, 10);
        reserved.reserveRows(5000);
        reserved.append(batch, 0, 10, rows);
        const pagesOf = (c: ReturnType<typeof createColumnBuffer>): string[] => c.pages(4096).map((p) => `${p.numValues}:${hex(p.body)}`);
        assert.deepEqual(pagesOf(reserved), pagesOf(plain), `${column.type}, ${rows} rows`);
      }
    }
  });

  test('PLAIN booleans: bits least significant first, at every length and page cut, with nulls', () => {
    for (const rows of [0, 1, 7, 8, 9, 15, 16, 17, 63, 64, 65, 1000, 1001]) {
      for (const nulls of [false, true]) {
        const value = (i: number): boolean | null => (nulls && i % 5 === 2 ? null : (i * 7919) % 3 === 0 || i % 11 === 4);
        const column = createColumnBuffer({ name: 'b', type: 'bool' });
        column.append(Array.from({ length: rows }, (_, i) => [value(i)]) as Parameters<typeof column.append>[0], 0, 0, rows);
        for (const pageBytes of [1, 3, 1 << 20]) {
          const present = Array.from({ length: rows }, (_, i) => value(i)).filter((v) => v !== null) as boolean[];
          const pages = column.pages(pageBytes);
          let r0 = 0;
          let n0 = 0;
          for (const page of pages) {
            const rowsHere = Array.from({ length: page.numValues }, (_, k) => value(r0 + k));
            const count = rowsHere.filter((v) => v !== null).length;
            const expected = Buffer.alloc(Math.ceil(count / 8));
            for (let k = 0; k < count; k++) if (present[n0 + k]) expected[k >> 3] |= 1 << (k & 7);
            assert.equal(hex(page.body.subarray(page.body.length - expected.length)), hex(expected), `${rows} rows, nulls ${nulls}, page at row ${r0}`);
            r0 += page.numValues;
            n0 += count;
          }
          assert.equal(r0, rows);
        }
      }
    }
  });

  test('a short tail is bit-packed and padded; a range inside the buffer is honoured', () => {
    const levels = Uint8Array.from([9, 9, 1, 0, 1, 9]);
    assert.equal(hex(encodeDefinitionLevels(levels, 2, 5)), '02000000' + '0305');
  });
});

describe('Kusto values as Parquet values', () => {
  test('datetime becomes microseconds since the epoch; the 7th fraction digit (100 ns) is dropped', () => {
    const words = new Int32Array(2 * 6);
    const inputs = ['2020-03-04T14:05:01.3109965Z', '0001-01-01T00:00:00.0000000Z', '9999-12-31T23:59:59.9999999Z', '1969-12-31T23:59:59.9999999Z', '1970-01-01T00:00:00Z', '2024-02-29T00:00:00.5Z'];
    inputs.forEach((text, i) => assert.equal(setDatetimeMicros(words, i, text), true, text));
    assert.deepEqual(
      inputs.map((_, i) => int64At(words, i)),
      [1583330701310996n, -62135596800000000n, 253402300799999999n, -1n, 0n, 1709164800500000n],
    );
    // seconds · 15625 ≡ -1 (mod 2^26) with 999999 µs: the low word overflows and carries into the high one.
    assert.equal(setDatetimeMicros(words, 0, '2001-06-30T09:41:27.9999999Z'), true);
    assert.equal(int64At(words, 0), 993894087999999n);
    assert.equal(setDatetimeMicros(words, 0, '2020-13-04T14:05:01Z'), false);
    assert.equal(setDatetimeMicros(words, 0, 'yesterday'), false);
  });

  test('timespan becomes ticks of 100 ns, negative and extreme values included', () => {
    const words = new Int32Array(2 * 5);
    const inputs = ['-2.00:00:02.0020002', '00:00:00', '10675199.02:48:05.4775807', '-00:00:00.0000001', '1.02:03:04.5'];
    inputs.forEach((text, i) => assert.equal(setTimespanTicks(words, i, text), true, text));
    assert.deepEqual(
      inputs.map((_, i) => int64At(words, i)),
      [-1728020020002n, 0n, 9223372036854775807n, -1n, 937845000000n],
    );
    assert.equal(setTimespanTicks(words, 0, '12'), false);
  });

  test('decimal becomes DECIMAL(38,18) big-endian two\'s complement', () => {
    const bytes = new Uint8Array(16 * 5);
    ['1', '-0.000000000000000001', '12345678901234567890.123456789012345678', '1E+3', '-1.5'].forEach((t, i) => setDecimal128(bytes, i * 16, t));
    assert.equal(hex(bytes.subarray(0, 16)), '00000000000000000de0b6b3a7640000');
    assert.equal(hex(bytes.subarray(16, 32)), 'ffffffffffffffffffffffffffffffff');
    assert.equal(BigInt.asIntN(128, BigInt('0x' + hex(bytes.subarray(32, 48)))), 12345678901234567890123456789012345678n);
    assert.equal(hex(bytes.subarray(48, 64)), '000000000000003635c9adc5dea00000');
    assert.equal(BigInt.asIntN(128, BigInt('0x' + hex(bytes.subarray(64, 80)))), -1500000000000000000n);
  });

  test('whole numbers of up to 15 digits (the fast path) give the same 16 bytes as the exact path', () => {
    const bytes = new Uint8Array(16);
    const cases: Array<[string, bigint]> = [
      ['0', 0n], ['-0', 0n], ['7', 7000000000000000000n], ['-7', -7000000000000000000n], ['65536', 65536000000000000000000n],
      ['4294967296', 4294967296000000000000000000n], ['999999999999999', 999999999999999000000000000000000n], ['-999999999999999', -999999999999999000000000000000000n],
      ['1000000000000000', 1000000000000000000000000000000000n], // 16 digits: the general path
    ];
    for (const [text, unscaled] of cases) {
      setDecimal128(bytes, 0, text);
      assert.equal(BigInt.asIntN(128, BigInt('0x' + hex(bytes))), unscaled, text);
    }
  });

  test('random whole numbers and datetimes: the fast paths give the exact values (checked with bigint and Date.UTC)', () => {
    let seed = 12345;
    const next = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296;
    const bytes = new Uint8Array(16);
    const words = new Int32Array(2);
    const firstMillis = Date.parse('0001-01-01T00:00:00Z');
    const lastMillis = Date.parse('9999-12-31T23:59:59Z');
    for (let i = 0; i < 5000; i++) {
      // Every digit count from 1 to 15, both signs.
      const digits = 1 + (i % 15);
      const magnitude = Math.floor(next() * 10 ** digits);
      const text = `${i % 2 ? '-' : ''}${magnitude}`;
      setDecimal128(bytes, 0, text);
      assert.equal(BigInt.asIntN(128, BigInt('0x' + hex(bytes))), decimalToUnscaled(text), text);
      // Years 0001–9999, any second, 0–7 fraction digits.
      const millis = firstMillis + Math.floor(next() * (lastMillis - firstMillis));
      const fraction = String(Math.floor(next() * 1e7)).padStart(7, '0').slice(0, i % 8);
      // toISOString writes years 0001–9999 with four digits, as Kusto does.
      const datetime = `${new Date(Math.floor(millis / 1000) * 1000).toISOString().slice(0, 19)}${fraction ? '.' + fraction : ''}Z`;
      assert.equal(setDatetimeMicros(words, 0, datetime), true, datetime);
      const expected = BigInt(Math.floor(millis / 1000)) * 1_000_000n + BigInt(Math.floor(Number(fraction.padEnd(7, '0')) / 10));
      assert.equal(int64At(words, 0), expected, datetime);
    }
  });

  test('more than 18 fraction digits round half away from zero; more than 20 integer digits are refused', () => {
    assert.equal(decimalToUnscaled('0.0000000000000000015'), 2n);
    assert.equal(decimalToUnscaled('-0.0000000000000000015'), -2n);
    assert.equal(decimalToUnscaled('0.3333333333333333333333333333'), 333333333333333333n);
    assert.equal(decimalToUnscaled('99999999999999999999.999999999999999999'), 99999999999999999999999999999999999999n);
    assert.throws(() => decimalToUnscaled('123456789012345678901'), /does not fit Parquet DECIMAL\(38,18\) \(at most 20 integer digits\)/);
    assert.throws(() => decimalToUnscaled('99999999999999999999.9999999999999999995'), ParquetValueError);
    assert.throws(() => decimalToUnscaled('1.2.3'), /is not a decimal number/);
  });
});

describe('snappy', () => {
  test('short input is one literal; a long repeat becomes back-references', () => {
    assert.equal(hex(snappyCompress(Buffer.from('abc'))), '03' + '08616263');
    assert.equal(hex(snappyCompress(Buffer.alloc(100, 'a'))), '64' + '0061' + 'fe0100' + '8a0100');
  });

  test('the WebAssembly compressor is built, and gives the JavaScript compressor\'s bytes', () => {
    assert.equal(snappyWasmAvailable(), true);
    const random = seededRandom(7);
    const inputs: Buffer[] = [Buffer.alloc(0), Buffer.from('abc'), Buffer.alloc(14, 'x'), Buffer.alloc(100, 'a'), Buffer.alloc((1 << 16) * 3 + 17)];
    // Noise, runs, column-like words (small integers, doubles, repeated strings), and mixtures,
    // at sizes around the 64 KiB block.
    for (const size of [15, 4096, 65535, 65536, 65537, 200_000, 1 << 20]) {
      const noise = Buffer.alloc(size);
      for (let i = 0; i < size; i++) noise[i] = Math.floor(random() * 256);
      const words = Buffer.alloc(size);
      for (let i = 0; i + 8 <= size; i += 8) words.writeDoubleLE(Math.floor(i / 8) / 7, i);
      const text = Buffer.from(Array.from({ length: Math.ceil(size / 12) }, (_, k) => `item-${k % 500},`).join('')).subarray(0, size);
      const mixed = Buffer.concat([noise.subarray(0, size >> 2), text.subarray(0, size >> 2), Buffer.alloc(size >> 2), words.subarray(0, size - 3 * (size >> 2))]);
      inputs.push(noise, words, text, mixed);
    }
    // Where the module takes shortcuts: a block repeating the one before it (the hash table is not
    // cleared between blocks: earlier blocks' entries must count as empty), literals of every length
    // from 1 to 80 between matches (copied 16 bytes at a time, up to the output's very end), and
    // matches of every length ending at a block's end (compared eight bytes at a time).
    const block = Buffer.alloc(1 << 16);
    for (let i = 0; i < block.length; i++) block[i] = Math.floor(random() * 256);
    inputs.push(Buffer.concat([block, block, block.subarray(0, 1000)]));
    const literals: Buffer[] = [];
    for (let length = 1; length <= 80; length++) {
      const run = Buffer.alloc(length);
      for (let i = 0; i < length; i++) run[i] = Math.floor(random() * 256);
      literals.push(Buffer.from('0123456789abcdef'), run);
    }
    inputs.push(Buffer.concat(literals));
    for (let tail = 1; tail <= 80; tail += 7) inputs.push(Buffer.concat([Buffer.from('0123456789abcdef'), literals[2 * tail - 1]]));
    for (let length = 4; length <= 40; length++) {
      const head = Buffer.alloc((1 << 16) - length - 24);
      for (let i = 0; i < head.length; i++) head[i] = Math.floor(random() * 256);
      const repeated = head.subarray(0, 24 + length);
      inputs.push(Buffer.concat([head, repeated, Buffer.from('tail')]));
    }
    for (const input of inputs) {
      const viaWasm = snappyCompressWasm(input);
      assert.ok(viaWasm, 'no WebAssembly result');
      assert.equal(hex(Buffer.from(viaWasm)), hex(snappyCompressJs(input)), `input of ${input.length} bytes`);
    }
  });

  test('snappyCompressOver writes over a page that owns its ArrayBuffer; shared or incompressible pages keep theirs', () => {
    const random = seededRandom(11);
    const text = Buffer.from(Array.from({ length: 20_000 }, (_, k) => `row-${k % 300};`).join(''));
    // A page alone in its ArrayBuffer (as the compression worker receives a moved page): the result is
    // in that same buffer, with snappyCompress's bytes.
    const own = new Uint8Array(text);
    const expected = hex(snappyCompress(own));
    const over = snappyCompressOver(own);
    assert.equal(over.buffer, own.buffer);
    assert.equal(hex(Buffer.from(over)), expected);
    // Two pages viewing one ArrayBuffer (as pages copied to the worker may): neither is written over.
    const both = new Uint8Array(2 * text.length);
    both.set(text, 0);
    both.set(text.subarray(0, text.length - 7), text.length);
    const first = both.subarray(0, text.length);
    const second = both.subarray(text.length);
    const before = hex(Buffer.from(both));
    for (const part of [first, second]) {
      const out = snappyCompressOver(part);
      assert.notEqual(out.buffer, both.buffer);
      assert.equal(hex(Buffer.from(out)), hex(snappyCompress(part)));
    }
    assert.equal(hex(Buffer.from(both)), before);
    // Noise compresses to more bytes than it has: a new buffer, the page untouched.
    const noise = new Uint8Array(1000);
    for (let i = 0; i < noise.length; i++) noise[i] = Math.floor(random() * 256);
    const noiseBefore = hex(Buffer.from(noise));
    const noiseOut = snappyCompressOver(noise);
    assert.ok(noiseOut.length > noise.length);
    assert.notEqual(noiseOut.buffer, noise.buffer);
    assert.equal(hex(Buffer.from(noiseOut)), hex(snappyCompress(noise)));
    assert.equal(hex(Buffer.from(noise)), noiseBefore);
  });
});

describe('Parquet file layout', () => {
  const columns: ColumnSchema[] = [
    { name: 'id', type: 'long' },
    { name: 'amount', type: 'decimal' },
  ];

  async function writeParquet(rows: (bigint | string | null)[][]): Promise<Buffer> {
    const chunks: Buffer[] = [];
    const out = new Writable({
      write(chunk: Buffer, _enc, cb) {
        chunks.push(chunk);
        cb();
      },
    });
    const writer = new ParquetWriter(out, columns, 'none', { rowGroupRows: 2 });
    await writer.write(rows);
    await writer.close();
    return Buffer.concat(chunks);
  }

  test('starts and ends with PAR1, the footer length points at the footer, values are PLAIN little-endian', async () => {
    const file = await writeParquet([[1n, '1'], [null, null], [-2n, '-2']]);
    assert.equal(file.subarray(0, 4).toString(), 'PAR1');
    assert.equal(file.subarray(file.length - 4).toString(), 'PAR1');
    const footerLength = file.readUInt32LE(file.length - 8);
    assert.ok(footerLength > 0 && footerLength < file.length - 12);
    // First row group, first column, first page: header, levels [1,0] (bit-packed), then one INT64 = 1.
    assert.ok(file.includes(Buffer.from('02000000' + '0301' + '0100000000000000', 'hex')));
    // Second row group holds -2 as INT64 little-endian.
    assert.ok(file.includes(Buffer.from('02000000' + '0201' + 'feffffffffffffff', 'hex')));
    assert.ok(file.includes(Buffer.from('kusto-data-mover.kusto.schema')));
    // And an independent reader finds the same values in the same two row groups.
    const read = await readBackParquet(file);
    assert.deepEqual(read.rows, [{ id: 1n, amount: 1 }, { id: null, amount: null }, { id: -2n, amount: -2 }]);
    assert.equal(read.rowGroups, 2);
  });

  test('a decimal beyond DECIMAL(38,18) fails the write with the column named', async () => {
    await assert.rejects(writeParquet([[1n, '1e30']]), /column "amount" \(decimal\): decimal 1e30 does not fit Parquet DECIMAL\(38,18\)/);
  });
});
