// Reads a Parquet file's footer (by byte ranges, parsed by hyparquet) and maps its top-level
// columns to Kusto types, as Kusto's own Parquet ingestion does (kusto-protocol.md §7), listing
// each conversion that can change a value (time zone, precision, overflow, encoding).
import { type AsyncBuffer, type FileMetaData, type SchemaElement, parquetMetadataAsync } from 'hyparquet';
import { asByteSource, type ByteRangeSource } from './byteRangeReader';
import type { ColumnSchema, KustoType } from '../engine/rows';

export interface ParquetColumnInfo {
  name: string;
  /** Physical type name: BOOLEAN, INT32, INT64, INT96, FLOAT, DOUBLE, BYTE_ARRAY, FIXED_LEN_BYTE_ARRAY, or GROUP. */
  physical: string;
  /** Logical or converted type as text ("STRING", "TIMESTAMP(MICROS,utc)", "DECIMAL(38,18)", "LIST", ...), if any. */
  logical?: string;
  repetition: 'REQUIRED' | 'OPTIONAL' | 'REPEATED';
}

export interface TypeConversion {
  column: string;
  from: string;
  to: KustoType;
  /** What may change on the way; undefined when the conversion is exact. */
  risk?: string;
}

export interface ParquetSchemaInfo {
  numRows: number;
  createdBy?: string;
  columns: ParquetColumnInfo[];
  kustoColumns: ColumnSchema[];
  conversions: TypeConversion[];
}

/** The last bytes read first: most footers fit, so one ranged read of a blob is enough (a larger footer takes a second). */
const FOOTER_FETCH_BYTES = 64 * 1024;

/** A ByteRangeSource as hyparquet's AsyncBuffer (it asks for byte ranges [start, end)). */
export async function asAsyncBuffer(source: ByteRangeSource): Promise<AsyncBuffer> {
  const byteLength = await source.size();
  return {
    byteLength,
    slice: async (start, end = byteLength) => {
      const bytes = await source.read(start, end - start);
      return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    },
  };
}

/** Reads the FileMetaData from the end of a Parquet file by byte ranges (hyparquet parses it). */
export async function readParquetFooter(file: string | ByteRangeSource): Promise<FileMetaData> {
  const source = asByteSource(file);
  const buffer = await asAsyncBuffer(source);
  if (buffer.byteLength < 12) throw new Error(`${source.name} is too small to be a Parquet file`);
  try {
    return await parquetMetadataAsync(buffer, { initialFetchSize: Math.min(FOOTER_FETCH_BYTES, buffer.byteLength) });
  } catch (err) {
    throw new Error(`${source.name} is not a readable Parquet file: ${(err as Error).message}`);
  }
}

/** The logical type of a schema element as text, from its LogicalType or the older ConvertedType. */
function logicalText(element: SchemaElement): string | undefined {
  const logical = element.logical_type;
  if (logical) {
    switch (logical.type) {
      case 'DECIMAL': return `DECIMAL(${logical.precision},${logical.scale ?? 0})`;
      case 'TIME': return `TIME(${logical.unit})`;
      case 'TIMESTAMP': return `TIMESTAMP(${logical.unit},${logical.isAdjustedToUTC === false ? 'local' : 'utc'})`;
      case 'INTEGER': return `${logical.isSigned === false ? 'UINT' : 'INT'}(${logical.bitWidth})`;
      default: return logical.type;
    }
  }
  const name = element.converted_type;
  if (name === undefined) return undefined;
  if (name === 'UTF8') return 'STRING';
  if (name === 'DECIMAL') return `DECIMAL(${element.precision ?? '?'},${element.scale ?? 0})`;
  if (name === 'TIMESTAMP_MILLIS') return 'TIMESTAMP(MILLIS,utc)';
  if (name === 'TIMESTAMP_MICROS') return 'TIMESTAMP(MICROS,utc)';
  if (name === 'TIME_MILLIS') return 'TIME(MILLIS)';
  if (name === 'TIME_MICROS') return 'TIME(MICROS)';
  if (name === 'MAP_KEY_VALUE') return 'MAP';
  if (/^U?INT_(8|16|32|64)$/.test(name)) return `${name.startsWith('U') ? 'UINT' : 'INT'}(${name.split('_')[1]})`;
  return name;
}

/** The Kusto type of one top-level column, and what the conversion risks. */
export function kustoTypeOf(column: ParquetColumnInfo): { type: KustoType; risk?: string } {
  const { physical, logical = '' } = column;
  if (column.repetition === 'REPEATED') return { type: 'dynamic', risk: 'a repeated field becomes a JSON array' };
  if (physical === 'GROUP') return { type: 'dynamic', risk: logical ? undefined : 'a struct becomes a JSON object' };
  if (logical.startsWith('DECIMAL')) {
    const precision = Number(/DECIMAL\((\d+)/.exec(logical)?.[1] ?? 0);
    return { type: 'decimal', risk: precision > 28 ? `precision ${precision} exceeds Kusto decimal's 28-29 digits: digits beyond may be rounded` : undefined };
  }
  if (logical.startsWith('TIMESTAMP')) {
    const risks: string[] = [];
    if (logical.includes('NANOS')) risks.push('nanoseconds are truncated to 100 ns ticks');
    if (logical.includes('local')) risks.push('a local (not UTC-adjusted) time is taken as UTC');
    return { type: 'datetime', risk: risks.length > 0 ? risks.join('; ') : undefined };
  }
  if (logical === 'DATE') return { type: 'datetime', risk: 'a date becomes midnight UTC' };
  if (logical.startsWith('TIME(')) return { type: 'timespan', risk: logical.includes('NANOS') ? 'nanoseconds are truncated to 100 ns ticks' : undefined };
  if (logical === 'UUID') return { type: 'guid' };
  if (logical === 'JSON' || logical === 'LIST' || logical === 'MAP') return { type: 'dynamic' };
  if (logical === 'FLOAT16') return { type: 'real' };
  switch (physical) {
    case 'BOOLEAN':
      return { type: 'bool' };
    case 'INT32':
      if (logical === 'UINT(32)') return { type: 'long' };
      return { type: 'int' };
    case 'INT64':
      if (logical === 'UINT(64)') return { type: 'long', risk: 'unsigned values above 9223372036854775807 overflow' };
      return { type: 'long' };
    case 'INT96':
      return { type: 'datetime', risk: 'INT96 (Spark\'s default timestamp) is read as UTC, nanoseconds truncated to 100 ns ticks' };
    case 'FLOAT':
      return { type: 'real', risk: 'a 32-bit float widens to 64 bits (values like 0.1 show float rounding)' };
    case 'DOUBLE':
      return { type: 'real' };
    case 'BYTE_ARRAY':
    case 'FIXED_LEN_BYTE_ARRAY':
      if (logical === 'STRING' || logical === 'ENUM') return { type: 'string' };
      return { type: 'string', risk: 'binary bytes are stored as base64 text' };
    default:
      return { type: 'string' };
  }
}

/** Reads a Parquet file's schema and row count and maps its top-level columns to Kusto. */
export async function readParquetSchema(file: string | ByteRangeSource): Promise<ParquetSchemaInfo> {
  const meta = await readParquetFooter(file);
  const path = asByteSource(file).name;
  const elements = meta.schema;
  if (elements.length === 0) throw new Error(`${path}: the Parquet footer has no schema`);
  const columns: ParquetColumnInfo[] = [];
  // elements[0] is the root; walk its direct children, skipping each child's own subtree.
  const rootChildren = elements[0].num_children ?? 0;
  let index = 1;
  const skipSubtree = (): void => {
    const children = elements[index].num_children ?? 0;
    index++;
    for (let c = 0; c < children; c++) skipSubtree();
  };
  for (let child = 0; child < rootChildren && index < elements.length; child++) {
    const element = elements[index];
    const children = element.num_children ?? 0;
    columns.push({
      name: element.name,
      physical: children > 0 || element.type === undefined ? 'GROUP' : element.type,
      logical: logicalText(element),
      repetition: element.repetition_type ?? 'REQUIRED',
    });
    skipSubtree();
  }
  const kustoColumns: ColumnSchema[] = [];
  const conversions: TypeConversion[] = [];
  for (const column of columns) {
    const { type, risk } = kustoTypeOf(column);
    kustoColumns.push({ name: column.name, type });
    conversions.push({ column: column.name, from: column.logical ? `${column.physical} ${column.logical}` : column.physical, to: type, risk });
  }
  return { numRows: Number(meta.num_rows), createdBy: meta.created_by, columns, kustoColumns, conversions };
}
