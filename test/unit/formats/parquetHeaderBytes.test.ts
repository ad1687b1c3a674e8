// The page headers and the footer's row groups are written directly (parquetFormat.ts: constant
// field-header bytes, varints by putVarint32 / putI64), not through ThriftCompactWriter. Here they
// are held to a reference written field by field through ThriftCompactWriter: a copy of the code
// they replace (main f8e1b31's serializePageHeader and serializeFileMetaData / writeRowGroup), with
// the i64 fields given as bigints so that the reference zigzags them by the bigint path, not by the
// number path (putI64) under test.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ColumnSchema, KustoType } from '../../../src/engine/rows';
import { parquetColumnFor } from '../../../src/formats/parquet/kustoParquetTypes';
import {
  type ColumnChunkInfo,
  type ColumnDescriptor,
  CompressionCodec,
  ConvertedType,
  Encoding,
  type FileMetaDataInfo,
  type LogicalType,
  PAGE_HEADER_MAX_BYTES,
  PageType,
  PhysicalType,
  Repetition,
  type RowGroupInfo,
  serializeFileMetaData,
  serializePageHeader,
} from '../../../src/formats/parquet/parquetFormat';
import { ThriftCompactWriter, ThriftType, putI64, putVarint32, putVarint64, zigzag64 } from '../../../src/formats/parquet/thriftCompactWriter';
import { seededRandom } from '../seededRandom';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

// ---- the reference: main's code, field by field through ThriftCompactWriter ----

function referencePageHeader(uncompressedSize: number, compressedSize: number, numValues: number): Buffer {
  const w = new ThriftCompactWriter(64);
  w.fieldI32(1, PageType.DATA_PAGE);
  w.fieldI32(2, uncompressedSize);
  w.fieldI32(3, compressedSize);
  w.fieldStructBegin(5); // DataPageHeader
  w.fieldI32(1, numValues);
  w.fieldI32(2, Encoding.PLAIN);
  w.fieldI32(3, Encoding.RLE);
  w.fieldI32(4, Encoding.RLE);
  w.structEnd();
  w.structEnd();
  return w.toBuffer();
}

function referenceFileMetaData(meta: FileMetaDataInfo): Buffer {
  const w = new ThriftCompactWriter(1024);
  w.fieldI32(1, 1);
  w.fieldListBegin(2, ThriftType.Struct, meta.columns.length + 1);
  w.structBegin();
  w.fieldString(4, 'schema');
  w.fieldI32(5, meta.columns.length);
  w.structEnd();
  for (const column of meta.columns) referenceSchemaElement(w, column);
  w.fieldI64(3, BigInt(meta.numRows));
  w.fieldListBegin(4, ThriftType.Struct, meta.rowGroups.length);
  meta.rowGroups.forEach((group, ordinal) => referenceRowGroup(w, group, ordinal));
  if (meta.keyValueMetadata.length > 0) {
    w.fieldListBegin(5, ThriftType.Struct, meta.keyValueMetadata.length);
    for (const [key, value] of meta.keyValueMetadata) {
      w.structBegin();
      w.fieldString(1, key);
      w.fieldString(2, value);
      w.structEnd();
    }
  }
  w.fieldString(6, meta.createdBy);
  w.structEnd();
  return w.toBuffer();
}

function referenceSchemaElement(w: ThriftCompactWriter, c: ColumnDescriptor): void {
  w.structBegin();
  w.fieldI32(1, c.physicalType);
  if (c.typeLength !== undefined) w.fieldI32(2, c.typeLength);
  w.fieldI32(3, Repetition.OPTIONAL);
  w.fieldString(4, c.name);
  if (c.convertedType !== undefined) w.fieldI32(6, c.convertedType);
  if (c.scale !== undefined) w.fieldI32(7, c.scale);
  if (c.precision !== undefined) w.fieldI32(8, c.precision);
  if (c.logicalType) {
    w.fieldStructBegin(10);
    referenceLogicalType(w, c.logicalType);
    w.structEnd();
  }
  w.structEnd();
}

function referenceLogicalType(w: ThriftCompactWriter, t: LogicalType): void {
  switch (t.kind) {
    case 'string':
      w.fieldStructBegin(1).structEnd();
      return;
    case 'decimal':
      w.fieldStructBegin(5).fieldI32(1, t.scale).fieldI32(2, t.precision).structEnd();
      return;
    case 'timestamp':
      w.fieldStructBegin(8).fieldBool(1, t.isAdjustedToUTC);
      w.fieldStructBegin(2);
      w.fieldStructBegin(t.unit === 'MILLIS' ? 1 : t.unit === 'MICROS' ? 2 : 3).structEnd();
      w.structEnd();
      w.structEnd();
      return;
    case 'integer':
      w.fieldStructBegin(10).fieldByte(1, t.bitWidth).fieldBool(2, t.isSigned).structEnd();
      return;
  }
}

function referenceRowGroup(w: ThriftCompactWriter, g: RowGroupInfo, ordinal: number): void {
  w.structBegin();
  w.fieldListBegin(1, ThriftType.Struct, g.columns.length);
  for (const chunk of g.columns) {
    w.structBegin();
    w.fieldI64(2, BigInt(chunk.dataPageOffset));
    w.fieldStructBegin(3);
    w.fieldI32(1, chunk.column.physicalType);
    w.fieldListBegin(2, ThriftType.I32, 2).listI32(Encoding.PLAIN).listI32(Encoding.RLE);
    w.fieldListBegin(3, ThriftType.Binary, 1).listString(chunk.column.name);
    w.fieldI32(4, chunk.codec);
    w.fieldI64(5, BigInt(chunk.numValues));
    w.fieldI64(6, BigInt(chunk.totalUncompressedSize));
    w.fieldI64(7, BigInt(chunk.totalCompressedSize));
    w.fieldI64(9, BigInt(chunk.dataPageOffset));
    w.structEnd();
    w.structEnd();
  }
  w.fieldI64(2, BigInt(g.totalByteSize));
  w.fieldI64(3, BigInt(g.numRows));
  w.fieldI64(5, BigInt(g.fileOffset));
  w.fieldI64(6, BigInt(g.totalCompressedSize));
  w.fieldI16(7, ordinal);
  w.structEnd();
}

// ---- values at every varint length ----

/** i32 values of the page headers: each length of their zigzag varint (1 to 5 bytes) at its edges. */
const I32_VALUES = [0, 1, 63, 64, 127, 128, 2 ** 13 - 1, 2 ** 13, 2 ** 14 - 1, 2 ** 14, 2 ** 20 - 1, 2 ** 20, 2 ** 21, 2 ** 27, 2 ** 28, 2 ** 30, 2 ** 31 - 1];

/** i64 values: every zigzag varint length to 10 bytes, up to 2^53 and past it, negative ones too. */
const I64_VALUES: number[] = [];
for (let bits = 0; bits <= 53; bits++) for (const v of [2 ** bits - 1, 2 ** bits, 2 ** bits + 1]) I64_VALUES.push(v, -v);
I64_VALUES.push(2 ** 55, -(2 ** 55), 2 ** 62, -(2 ** 62), 2 ** 63 - 1024, -(2 ** 63));

function pick<T>(random: () => number, values: readonly T[]): T {
  return values[Math.floor(random() * values.length)];
}

const KUSTO_TYPES: KustoType[] = ['bool', 'int', 'long', 'real', 'decimal', 'datetime', 'timespan', 'string', 'guid', 'dynamic'];
const NAMES = ['a', 'bucket', 'é', 'Straße', '日本語の列', '🎉 party', 'x'.repeat(127), 'y'.repeat(128), 'ü'.repeat(70), '\ud800lone', ''];

/** Every descriptor the writer emits (parquetColumnFor of each Kusto type), and the other annotations parquetFormat can write. */
function descriptors(names: readonly string[]): ColumnDescriptor[] {
  const extra: Array<Omit<ColumnDescriptor, 'name'>> = [
    { physicalType: PhysicalType.INT32, convertedType: ConvertedType.INT_32, logicalType: { kind: 'integer', bitWidth: 32, isSigned: true } },
    { physicalType: PhysicalType.INT64, convertedType: ConvertedType.INT_64, logicalType: { kind: 'integer', bitWidth: 64, isSigned: false } },
    { physicalType: PhysicalType.INT32, logicalType: { kind: 'integer', bitWidth: 8, isSigned: true } },
    { physicalType: PhysicalType.INT32, logicalType: { kind: 'integer', bitWidth: 16, isSigned: false } },
    { physicalType: PhysicalType.INT64, logicalType: { kind: 'timestamp', isAdjustedToUTC: false, unit: 'MILLIS' } },
    { physicalType: PhysicalType.INT64, logicalType: { kind: 'timestamp', isAdjustedToUTC: true, unit: 'NANOS' } },
    { physicalType: PhysicalType.INT96 },
    { physicalType: PhysicalType.FLOAT },
    { physicalType: PhysicalType.FIXED_LEN_BYTE_ARRAY, typeLength: 200, convertedType: ConvertedType.DECIMAL, precision: 60, scale: 0, logicalType: { kind: 'decimal', precision: 60, scale: 0 } },
  ];
  return names.map((name, i) => {
    const k = i % (KUSTO_TYPES.length + extra.length);
    if (k < KUSTO_TYPES.length) return parquetColumnFor({ name, type: KUSTO_TYPES[k] } satisfies ColumnSchema);
    return { name, ...extra[k - KUSTO_TYPES.length] };
  });
}

function randomMeta(random: () => number, columnCount: number, groupCount: number, values: readonly number[]): FileMetaDataInfo {
  const names: string[] = [];
  for (let c = 0; c < columnCount; c++) names.push(`${pick(random, NAMES)}${c}`);
  const columns = descriptors(names);
  const rowGroups: RowGroupInfo[] = [];
  for (let g = 0; g < groupCount; g++) {
    const chunks: ColumnChunkInfo[] = columns.map((column) => ({
      column,
      codec: pick(random, [CompressionCodec.UNCOMPRESSED, CompressionCodec.SNAPPY, CompressionCodec.GZIP]),
      numValues: pick(random, values),
      totalUncompressedSize: pick(random, values),
      totalCompressedSize: pick(random, values),
      dataPageOffset: pick(random, values),
    }));
    rowGroups.push({ numRows: pick(random, values), fileOffset: pick(random, values), totalByteSize: pick(random, values), totalCompressedSize: pick(random, values), columns: chunks });
  }
  return {
    columns,
    numRows: pick(random, values),
    rowGroups,
    keyValueMetadata: random() < 0.8 ? [['kusto-data-mover.kusto.schema', JSON.stringify(names)]] : [],
    createdBy: 'kusto-data-mover version 0.1.0',
  };
}

function assertFooterEqual(meta: FileMetaDataInfo, label: string): void {
  const actual = serializeFileMetaData(meta);
  const expected = referenceFileMetaData(meta);
  if (!actual.equals(expected)) assert.equal(hex(actual), hex(expected), label); // the hex only when they differ
}

describe('page headers written directly', () => {
  test('every combination of sizes and counts at every varint length: the bytes of the field-by-field writer, nothing written past them', () => {
    const out = Buffer.alloc(4 + PAGE_HEADER_MAX_BYTES + 4);
    let cases = 0;
    for (const uncompressed of I32_VALUES)
      for (const compressed of I32_VALUES)
        for (const numValues of I32_VALUES) {
          out.fill(0xee);
          const end = serializePageHeader(out, 4, uncompressed, compressed, numValues);
          const expected = referencePageHeader(uncompressed, compressed, numValues);
          assert.ok(end - 4 <= PAGE_HEADER_MAX_BYTES);
          const label = `${uncompressed} ${compressed} ${numValues}`;
          if (!out.subarray(4, end).equals(expected)) assert.equal(hex(out.subarray(4, end)), hex(expected), label);
          assert.equal(hex(out.subarray(0, 4)), 'eeeeeeee', label);
          assert.equal(hex(out.subarray(end)), 'ee'.repeat(out.length - end), label);
          cases++;
        }
    assert.equal(cases, I32_VALUES.length ** 3);
  });

  test('the longest header is PAGE_HEADER_MAX_BYTES; a known header has the bytes of parquet.thrift PageHeader', () => {
    const out = Buffer.alloc(PAGE_HEADER_MAX_BYTES);
    assert.equal(serializePageHeader(out, 0, 2 ** 31 - 1, 2 ** 31 - 1, 2 ** 31 - 1), PAGE_HEADER_MAX_BYTES);
    assert.equal(hex(out), '1500' + '15feffffff0f' + '15feffffff0f' + '2c' + '15feffffff0f' + '1500' + '1506' + '1506' + '00' + '00');
    const end = serializePageHeader(out, 0, 2 ** 14, 128, 64);
    assert.equal(hex(out.subarray(0, end)), '1500' + '15808002' + '158002' + '2c' + '158001' + '1500' + '1506' + '1506' + '00' + '00');
  });

  test('headers written one after another into one buffer are the headers written apart', () => {
    const random = seededRandom(65);
    const headers = Buffer.alloc(300 * PAGE_HEADER_MAX_BYTES);
    const expected: Buffer[] = [];
    let at = 0;
    for (let i = 0; i < 300; i++) {
      const args = [pick(random, I32_VALUES), pick(random, I32_VALUES), pick(random, I32_VALUES)] as const;
      at = serializePageHeader(headers, at, ...args);
      expected.push(referencePageHeader(...args));
    }
    assert.equal(hex(headers.subarray(0, at)), hex(Buffer.concat(expected)));
  });
});

describe('footer row groups written directly', () => {
  test('varints of i32 and i64 values are the bigint LEB128 of their zigzag', () => {
    const a = Buffer.alloc(10);
    const b = Buffer.alloc(10);
    for (const v of I32_VALUES) {
      const n = putVarint32(a, 0, v);
      assert.equal(hex(a.subarray(0, n)), hex(b.subarray(0, putVarint64(b, 0, BigInt(v)))), String(v));
    }
    for (const v of I64_VALUES) {
      const n = putI64(a, 0, v);
      assert.equal(hex(a.subarray(0, n)), hex(b.subarray(0, putVarint64(b, 0, zigzag64(BigInt(v))))), String(v));
    }
  });

  test('1 to 40 columns, 0 to 300 row groups, values at every length up to 2^53 and negative ones: the bytes of the field-by-field writer', () => {
    const random = seededRandom(2026);
    const groupCounts = [0, 1, 2, 14, 15, 16, 127, 128, 300];
    let footers = 0;
    for (let columnCount = 1; columnCount <= 40; columnCount++) {
      for (const groupCount of groupCounts) {
        if (columnCount > 20 && groupCount > 128 && columnCount % 5 !== 0) continue; // keep the run short
        assertFooterEqual(randomMeta(random, columnCount, groupCount, I64_VALUES), `${columnCount} columns, ${groupCount} groups`);
        footers++;
      }
    }
    assert.ok(footers > 250);
  });

  test('the list of a row group\'s columns in its short form to 14 and its long form from 15', () => {
    const random = seededRandom(15);
    for (const columnCount of [14, 15, 16, 127, 128]) {
      const meta = randomMeta(random, columnCount, 3, [0, 1, 4096]);
      assertFooterEqual(meta, String(columnCount));
      // The footer without row groups has the same bytes up to the row_groups list header (0x0c
      // there, 0x3c here); the first RowGroup follows it: 0x19 (field 1, list), then its header.
      const bytes = serializeFileMetaData(meta);
      const empty = serializeFileMetaData({ ...meta, rowGroups: [] });
      let at = 0;
      while (bytes[at] === empty[at]) at++;
      assert.equal(empty[at], 0x0c);
      assert.equal(bytes[at], 0x3c);
      assert.equal(bytes[at + 1], 0x19);
      if (columnCount < 15) assert.equal(bytes[at + 2], (columnCount << 4) | ThriftType.Struct);
      else assert.equal(bytes[at + 2], 0xfc);
    }
  });

  test('the longest values of every field (10-byte i64s, 5-byte i32s, empty names, 3-byte UTF-8 units): no field cut short', () => {
    // The footer's buffer is sized by a bound (58 bytes a RowGroup, 81 + 3 per UTF-16 unit of its
    // name a ColumnChunk); a field past it would be dropped (typed arrays ignore writes past
    // their end) and the bytes would differ. Empty names and names of 3-byte characters leave
    // the least room.
    const wide = -(2 ** 63);
    const widest = (columns: readonly ColumnDescriptor[], groups: number): FileMetaDataInfo => ({
      columns,
      numRows: wide,
      rowGroups: Array.from({ length: groups }, () => ({
        numRows: wide,
        fileOffset: wide,
        totalByteSize: wide,
        totalCompressedSize: wide,
        columns: columns.map((column) => ({ column: { ...column, physicalType: (2 ** 31 - 1) as PhysicalType }, codec: -(2 ** 31) as CompressionCodec, numValues: wide, totalUncompressedSize: wide, totalCompressedSize: wide, dataPageOffset: wide })),
      })),
      keyValueMetadata: [],
      createdBy: '',
    });
    for (const groups of [1, 2, 20, 300]) {
      assertFooterEqual(widest(descriptors(new Array<string>(40).fill('')), groups), `empty names, ${groups} groups`);
      assertFooterEqual(widest(descriptors(new Array<string>(1).fill('')), groups), `one empty name, ${groups} groups`);
      assertFooterEqual(widest(descriptors(Array.from({ length: 12 }, (_, i) => '語'.repeat(40 * i + 3))), groups), `3-byte names, ${groups} groups`);
    }
    const random = seededRandom(7);
    assertFooterEqual(widest(randomMeta(random, 40, 1, [0]).columns, 20), 'random names');
  });

  test('chunks naming other columns than the file\'s at their index have their own names', () => {
    const random = seededRandom(3);
    const meta = randomMeta(random, 6, 4, I64_VALUES);
    const shuffled = meta.rowGroups.map((g) => ({ ...g, columns: [...g.columns].reverse() }));
    assertFooterEqual({ ...meta, rowGroups: shuffled }, 'reversed');
    const more = meta.rowGroups.map((g) => ({ ...g, columns: [...g.columns, { ...g.columns[0], column: { ...g.columns[0].column, name: 'extra é' } }] }));
    assertFooterEqual({ ...meta, rowGroups: more }, 'one more chunk than columns');
  });
});
