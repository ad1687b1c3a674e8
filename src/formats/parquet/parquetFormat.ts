// Parquet's footer and page headers (parquet-format's parquet.thrift), serialized with the
// compact protocol. Only what this writer emits: flat schemas of optional primitive columns,
// data pages v1, PLAIN values with RLE definition levels.
import { ThriftCompactWriter, ThriftType } from './thriftCompactWriter';

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

export function serializePageHeader(args: {
  uncompressedSize: number;
  compressedSize: number;
  numValues: number;
}): Buffer {
  const w = new ThriftCompactWriter(64);
  w.fieldI32(1, PageType.DATA_PAGE);
  w.fieldI32(2, args.uncompressedSize);
  w.fieldI32(3, args.compressedSize);
  w.fieldStructBegin(5); // DataPageHeader
  w.fieldI32(1, args.numValues);
  w.fieldI32(2, Encoding.PLAIN);
  w.fieldI32(3, Encoding.RLE); // definition levels
  w.fieldI32(4, Encoding.RLE); // repetition levels (none: flat schema)
  w.structEnd();
  w.structEnd();
  return w.toBuffer();
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
  meta.rowGroups.forEach((group, ordinal) => writeRowGroup(w, group, ordinal));
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

function writeRowGroup(w: ThriftCompactWriter, g: RowGroupInfo, ordinal: number): void {
  w.structBegin();
  w.fieldListBegin(1, ThriftType.Struct, g.columns.length);
  for (const chunk of g.columns) {
    w.structBegin(); // ColumnChunk
    w.fieldI64(2, chunk.dataPageOffset); // file_offset (deprecated meaning; readers take the page offset)
    w.fieldStructBegin(3); // ColumnMetaData
    w.fieldI32(1, chunk.column.physicalType);
    w.fieldListBegin(2, ThriftType.I32, 2).listI32(Encoding.PLAIN).listI32(Encoding.RLE);
    w.fieldListBegin(3, ThriftType.Binary, 1).listString(chunk.column.name);
    w.fieldI32(4, chunk.codec);
    w.fieldI64(5, chunk.numValues);
    w.fieldI64(6, chunk.totalUncompressedSize);
    w.fieldI64(7, chunk.totalCompressedSize);
    w.fieldI64(9, chunk.dataPageOffset);
    w.structEnd();
    w.structEnd();
  }
  w.fieldI64(2, g.totalByteSize);
  w.fieldI64(3, g.numRows);
  w.fieldI64(5, g.fileOffset);
  w.fieldI64(6, g.totalCompressedSize);
  w.fieldI16(7, ordinal);
  w.structEnd();
}
