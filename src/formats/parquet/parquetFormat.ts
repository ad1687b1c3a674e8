// Parquet's footer and page headers (parquet-format's parquet.thrift), serialized with the
// compact protocol. Only what this writer emits: flat schemas of optional primitive columns,
// data pages v1, PLAIN values with RLE definition levels.
//
// The parts written many times (a page header per page, a RowGroup with its ColumnChunks per row
// group) are written directly: their field headers are constant bytes (the field ids and types
// never change), only the values are varints. A partitioned job writes ~1,600 page headers and
// 50 footers of ~200 row groups in all; through the general ThriftCompactWriter each of its small
// methods got an optimizing compile of its own. The schema, key/value metadata and created_by
// (once per file) still go through ThriftCompactWriter. test/unit/formats/parquetHeaderBytes.test.ts
// holds both to the bytes the ThriftCompactWriter gives field by field.
import { ThriftCompactWriter, ThriftType, putI64, putVarint32, zigzag32 } from './thriftCompactWriter';

export enum PhysicalType {
  BOOLEAN = 0,
  INT32 = 1,
  INT64 = 2,
  INT96 = 3,
  FLOAT = 4,
  DOUBLE = 5,
  BYTE_ARRAY = 6,
  FIXED_LEN_BYTE_ARRAY = 7,
}

export enum ConvertedType {
  UTF8 = 0,
  DECIMAL = 5,
  TIMESTAMP_MICROS = 10,
  INT_32 = 17,
  INT_64 = 18,
}

export enum Repetition {
  REQUIRED = 0,
  OPTIONAL = 1,
}

export enum Encoding {
  PLAIN = 0,
  RLE = 3,
}

export enum CompressionCodec {
  UNCOMPRESSED = 0,
  SNAPPY = 1,
  GZIP = 2,
}

export enum PageType {
  DATA_PAGE = 0,
}

/** The modern annotation (LogicalType union); written beside the legacy ConvertedType. */
export type LogicalType =
  | { kind: 'string' }
  | { kind: 'decimal'; precision: number; scale: number }
  | { kind: 'timestamp'; isAdjustedToUTC: boolean; unit: 'MILLIS' | 'MICROS' | 'NANOS' }
  | { kind: 'integer'; bitWidth: 8 | 16 | 32 | 64; isSigned: boolean };

export interface ColumnDescriptor {
  name: string;
  physicalType: PhysicalType;
  /** FIXED_LEN_BYTE_ARRAY width in bytes. */
  typeLength?: number;
  convertedType?: ConvertedType;
  logicalType?: LogicalType;
  /** DECIMAL precision/scale (legacy SchemaElement fields, beside the LogicalType). */
  precision?: number;
  scale?: number;
}

export interface ColumnChunkInfo {
  column: ColumnDescriptor;
  codec: CompressionCodec;
  numValues: number;
  totalUncompressedSize: number;
  totalCompressedSize: number;
  dataPageOffset: number;
}

export interface RowGroupInfo {
  numRows: number;
  fileOffset: number;
  totalByteSize: number;
  totalCompressedSize: number;
  columns: ColumnChunkInfo[];
}

export interface FileMetaDataInfo {
  columns: readonly ColumnDescriptor[];
  numRows: number;
  rowGroups: readonly RowGroupInfo[];
  keyValueMetadata: ReadonlyArray<[string, string]>;
  createdBy: string;
}

/** Bytes of a data page header at most (serializePageHeader with every varint at 5 bytes). */
export const PAGE_HEADER_MAX_BYTES = 29;

/**
 * Writes a data page header (PageHeader with a DataPageHeader: PLAIN values, RLE levels) at `at`
 * of `out`, which has room for PAGE_HEADER_MAX_BYTES there; returns the position after it.
 */
export function serializePageHeader(out: Buffer, at: number, uncompressedSize: number, compressedSize: number, numValues: number): number {
  out[at] = 0x15; // 1: type (i32)
  out[at + 1] = 0x00; // DATA_PAGE
  out[at + 2] = 0x15; // 2: uncompressed_page_size (i32)
  let p = putVarint32(out, at + 3, zigzag32(uncompressedSize));
  out[p] = 0x15; // 3: compressed_page_size (i32)
  p = putVarint32(out, p + 1, zigzag32(compressedSize));
  out[p] = 0x2c; // 5: data_page_header (struct)
  out[p + 1] = 0x15; // 1: num_values (i32)
  p = putVarint32(out, p + 2, zigzag32(numValues));
  out[p] = 0x15; // 2: encoding (i32)
  out[p + 1] = 0x00; // PLAIN
  out[p + 2] = 0x15; // 3: definition_level_encoding (i32)
  out[p + 3] = 0x06; // RLE
  out[p + 4] = 0x15; // 4: repetition_level_encoding (i32)
  out[p + 5] = 0x06; // RLE (none: flat schema)
  out[p + 6] = 0x00; // STOP (DataPageHeader)
  out[p + 7] = 0x00; // STOP (PageHeader)
  return p + 8;
}

export function serializeFileMetaData(meta: FileMetaDataInfo): Buffer {
  const w = new ThriftCompactWriter(1024);
  w.fieldI32(1, 1); // version
  w.fieldListBegin(2, ThriftType.Struct, meta.columns.length + 1);
  w.structBegin(); // root
  w.fieldString(4, 'schema');
  w.fieldI32(5, meta.columns.length);
  w.structEnd();
  for (const column of meta.columns) writeSchemaElement(w, column);
  w.fieldI64(3, meta.numRows);
  w.fieldListBegin(4, ThriftType.Struct, meta.rowGroups.length);
  w.raw(rowGroupsBytes(meta.rowGroups, meta.columns));
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

function writeSchemaElement(w: ThriftCompactWriter, c: ColumnDescriptor): void {
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
    writeLogicalType(w, c.logicalType);
    w.structEnd();
  }
  w.structEnd();
}

function writeLogicalType(w: ThriftCompactWriter, t: LogicalType): void {
  switch (t.kind) {
    case 'string':
      w.fieldStructBegin(1).structEnd(); // StringType {}
      return;
    case 'decimal':
      w.fieldStructBegin(5).fieldI32(1, t.scale).fieldI32(2, t.precision).structEnd();
      return;
    case 'timestamp': {
      w.fieldStructBegin(8).fieldBool(1, t.isAdjustedToUTC);
      w.fieldStructBegin(2); // TimeUnit union
      w.fieldStructBegin(t.unit === 'MILLIS' ? 1 : t.unit === 'MICROS' ? 2 : 3).structEnd();
      w.structEnd();
      w.structEnd();
      return;
    }
    case 'integer':
      w.fieldStructBegin(10).fieldByte(1, t.bitWidth).fieldBool(2, t.isSigned).structEnd();
      return;
  }
}

/** Bytes of a RowGroup at most, its ColumnChunks apart (list header 7, four i64 fields 44, i16 6, STOP 1). */
const ROW_GROUP_MAX_BYTES = 58;
/** Bytes of a ColumnChunk at most, the bytes of its column name apart (see writeColumnChunk). */
const COLUMN_CHUNK_MAX_BYTES = 81;

/**
 * The elements of FileMetaData's row_groups list (RowGroup structs, ordinals from 0), written
 * directly. Each column's name is encoded once (the chunks of a file's row groups name the file's
 * columns, in order); a chunk naming another column has its name encoded there.
 */
function rowGroupsBytes(groups: readonly RowGroupInfo[], columns: readonly ColumnDescriptor[]): Buffer {
  const names: Buffer[] = [];
  for (const column of columns) names.push(Buffer.from(column.name, 'utf8'));
  let bound = 0;
  for (const group of groups) {
    bound += ROW_GROUP_MAX_BYTES;
    // A UTF-16 code unit is at most 3 bytes of UTF-8 (a surrogate pair 4 for two units).
    for (const chunk of group.columns) bound += COLUMN_CHUNK_MAX_BYTES + 3 * chunk.column.name.length;
  }
  const out = Buffer.allocUnsafe(bound);
  let p = 0;
  for (let g = 0; g < groups.length; g++) {
    const group = groups[g];
    const chunks = group.columns;
    out[p++] = 0x19; // 1: columns (list)
    p = structListHeader(out, p, chunks.length);
    for (let c = 0; c < chunks.length; c++) {
      const name = chunks[c].column.name;
      p = writeColumnChunk(out, p, chunks[c], c < columns.length && name === columns[c].name ? names[c] : Buffer.from(name, 'utf8'));
    }
    out[p++] = 0x16; // 2: total_byte_size (i64)
    p = putI64(out, p, group.totalByteSize);
    out[p++] = 0x16; // 3: num_rows (i64)
    p = putI64(out, p, group.numRows);
    out[p++] = 0x26; // 5: file_offset (i64)
    p = putI64(out, p, group.fileOffset);
    out[p++] = 0x16; // 6: total_compressed_size (i64)
    p = putI64(out, p, group.totalCompressedSize);
    out[p++] = 0x14; // 7: ordinal (i16)
    p = putVarint32(out, p, zigzag32(g));
    out[p++] = 0x00; // STOP
  }
  return out.subarray(0, p);
}

/** A list header of `size` structs: size and type in one byte below 15 elements, else 0xfc and a varint. */
function structListHeader(out: Buffer, at: number, size: number): number {
  if (size < 15) {
    out[at] = (size << 4) | ThriftType.Struct;
    return at + 1;
  }
  out[at] = 0xf0 | ThriftType.Struct;
  return putVarint32(out, at + 1, size);
}

/** A ColumnChunk with its ColumnMetaData, `name` its column's name in UTF-8: at most COLUMN_CHUNK_MAX_BYTES + its bytes. */
function writeColumnChunk(out: Buffer, at: number, chunk: ColumnChunkInfo, name: Buffer): number {
  let p = at;
  out[p++] = 0x26; // 2: file_offset (i64; deprecated meaning, readers take the page offset)
  p = putI64(out, p, chunk.dataPageOffset);
  out[p++] = 0x1c; // 3: meta_data (struct ColumnMetaData)
  out[p++] = 0x15; // 1: type (i32)
  p = putVarint32(out, p, zigzag32(chunk.column.physicalType));
  out[p++] = 0x19; // 2: encodings (list)
  out[p++] = 0x25; // 2 elements, i32
  out[p++] = 0x00; // PLAIN
  out[p++] = 0x06; // RLE
  out[p++] = 0x19; // 3: path_in_schema (list)
  out[p++] = 0x18; // 1 element, binary
  p = putVarint32(out, p, name.length);
  out.set(name, p);
  p += name.length;
  out[p++] = 0x15; // 4: codec (i32)
  p = putVarint32(out, p, zigzag32(chunk.codec));
  out[p++] = 0x16; // 5: num_values (i64)
  p = putI64(out, p, chunk.numValues);
  out[p++] = 0x16; // 6: total_uncompressed_size (i64)
  p = putI64(out, p, chunk.totalUncompressedSize);
  out[p++] = 0x16; // 7: total_compressed_size (i64)
  p = putI64(out, p, chunk.totalCompressedSize);
  out[p++] = 0x26; // 9: data_page_offset (i64)
  p = putI64(out, p, chunk.dataPageOffset);
  out[p++] = 0x00; // STOP (ColumnMetaData)
  out[p++] = 0x00; // STOP (ColumnChunk)
  return p;
}
