// Reads a Parquet file's footer (FileMetaData, Thrift compact) and maps its top-level columns to
// Kusto types, as Kusto's own Parquet ingestion does (kusto-protocol.md §7), listing each
// conversion that can change a value (time zone, precision, overflow, encoding).
import { asByteSource, type ByteRangeSource } from './byteRangeReader';
import type { ColumnSchema, KustoType } from '../engine/rows';
import { ThriftCompactReader, type ThriftStruct, thriftBool, thriftInt, thriftList, thriftString, thriftStruct } from './thriftCompactReader';

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

const PHYSICAL = ['BOOLEAN', 'INT32', 'INT64', 'INT96', 'FLOAT', 'DOUBLE', 'BYTE_ARRAY', 'FIXED_LEN_BYTE_ARRAY'];
const REPETITION = ['REQUIRED', 'OPTIONAL', 'REPEATED'] as const;
const CONVERTED = ['UTF8', 'MAP', 'MAP_KEY_VALUE', 'LIST', 'ENUM', 'DECIMAL', 'DATE', 'TIME_MILLIS', 'TIME_MICROS', 'TIMESTAMP_MILLIS', 'TIMESTAMP_MICROS', 'UINT_8', 'UINT_16', 'UINT_32', 'UINT_64', 'INT_8', 'INT_16', 'INT_32', 'INT_64', 'JSON', 'BSON', 'INTERVAL'];

/** Reads the raw FileMetaData struct from the end of a Parquet file (two small reads: the tail, then the footer). */
export async function readParquetFooter(file: string | ByteRangeSource): Promise<ThriftStruct> {
  const source = asByteSource(file);
  const path = source.name;
  const size = await source.size();
  if (size < 12) throw new Error(`${path} is too small to be a Parquet file`);
  const tail = await source.read(size - 8, 8);
  if (tail.subarray(4).toString('latin1') !== 'PAR1') throw new Error(`${path} is not a Parquet file (no PAR1 at its end)`);
  const footerLength = tail.readUInt32LE(0);
  if (footerLength > size - 12) throw new Error(`${path}: the Parquet footer length ${footerLength} does not fit the file`);
  const footer = await source.read(size - 8 - footerLength, footerLength);
  return new ThriftCompactReader(footer).struct();
}

function timeUnit(unit: ThriftStruct | undefined): string {
  if (!unit) return '?';
  if (unit.has(1)) return 'MILLIS';
  if (unit.has(2)) return 'MICROS';
  if (unit.has(3)) return 'NANOS';
  return '?';
}

/** The logical type of a schema element as text, from LogicalType (field 10) or the older ConvertedType (field 6). */
function logicalText(element: ThriftStruct): string | undefined {
  const logical = thriftStruct(element, 10);
  if (logical && logical.size > 0) {
    const [id] = [...logical.keys()];
    const body = thriftStruct(logical, id);
    switch (id) {
      case 1: return 'STRING';
      case 2: return 'MAP';
      case 3: return 'LIST';
      case 4: return 'ENUM';
      case 5: return `DECIMAL(${thriftInt(body, 2) ?? '?'},${thriftInt(body, 1) ?? 0})`;
      case 6: return 'DATE';
      case 7: return `TIME(${timeUnit(thriftStruct(body, 2))})`;
      case 8: return `TIMESTAMP(${timeUnit(thriftStruct(body, 2))},${thriftBool(body, 1) === false ? 'local' : 'utc'})`;
      case 10: return `${thriftBool(body, 2) === false ? 'UINT' : 'INT'}(${thriftInt(body, 1) ?? '?'})`;
      case 11: return 'NULL';
      case 12: return 'JSON';
      case 13: return 'BSON';
      case 14: return 'UUID';
      case 15: return 'FLOAT16';
      default: break;
    }
  }
  const converted = thriftInt(element, 6);
  if (converted === undefined) return undefined;
  const name = CONVERTED[converted];
  if (name === 'UTF8') return 'STRING';
  if (name === 'DECIMAL') return `DECIMAL(${thriftInt(element, 8) ?? '?'},${thriftInt(element, 7) ?? 0})`;
  if (name === 'TIMESTAMP_MILLIS') return 'TIMESTAMP(MILLIS,utc)';
  if (name === 'TIMESTAMP_MICROS') return 'TIMESTAMP(MICROS,utc)';
  if (name === 'TIME_MILLIS') return 'TIME(MILLIS)';
  if (name === 'TIME_MICROS') return 'TIME(MICROS)';
  if (name === 'MAP_KEY_VALUE') return 'MAP';
  if (name && /^U?INT_(8|16|32|64)$/.test(name)) return `${name.startsWith('U') ? 'UINT' : 'INT'}(${name.split('_')[1]})`;
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
  const elements = thriftList(meta, 2).filter((e): e is ThriftStruct => e instanceof Map);
  if (elements.length === 0) throw new Error(`${path}: the Parquet footer has no schema`);
  const columns: ParquetColumnInfo[] = [];
  // elements[0] is the root; walk its direct children, skipping each child's own subtree.
  const rootChildren = thriftInt(elements[0], 5) ?? 0;
  let index = 1;
  const skipSubtree = (): void => {
    const children = thriftInt(elements[index], 5) ?? 0;
    index++;
    for (let c = 0; c < children; c++) skipSubtree();
  };
  for (let child = 0; child < rootChildren && index < elements.length; child++) {
    const element = elements[index];
    const children = thriftInt(element, 5) ?? 0;
    const physicalId = thriftInt(element, 1);
    columns.push({
      name: thriftString(element, 4) ?? `column${child}`,
      physical: children > 0 || physicalId === undefined ? 'GROUP' : (PHYSICAL[physicalId] ?? `TYPE${physicalId}`),
      logical: logicalText(element),
      repetition: REPETITION[thriftInt(element, 3) ?? 0] ?? 'REQUIRED',
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
  return { numRows: Number(thriftInt(meta, 3) ?? 0), createdBy: thriftString(meta, 6), columns, kustoColumns, conversions };
}
