// The schema of a whole source: every file's own columns (Parquet footers are read for every file;
// CSV headers per file, since ordinals follow each file's header; JSON from a sample of each file),
// merged into one Kusto schema, plus the partition columns typed from their values. Also the
// conversions worth showing before the job runs.
import { isUtf8 } from 'node:buffer';
import { readTextSample, SAMPLE_BYTES } from '../../formats/formatSniffReader';
import { inferCsvSchema } from '../../formats/csvSchemaReader';
import { inferJsonSchema } from '../../formats/jsonSchemaReader';
import { readParquetSchema, type TypeConversion } from '../../formats/parquetSchemaReader';
import { widenType } from '../../formats/textSchemaInference';
import { entityNameProblem } from '../../kusto/entityNames';
import { inferPartitionType } from '../../spark/hivePartitionPathParser';
import type { SourceFile, SourceListing } from '../../spark/sparkFolderReader';
import type { ColumnSchema } from '../rows';
import type { DataFormat } from '../../formats/formatSniffReader';
import type { ByteRangeSource } from '../../formats/byteRangeReader';
import { readAhead } from './readAhead';

export interface FileSchema {
  /** Format refined by content (a ".csv" that is tab-separated is ingested as tsv). */
  format: DataFormat;
  /** Columns in file order (CSV ordinals follow this order). */
  columns: ColumnSchema[];
  hasHeader: boolean;
  /** Rows in the file when its format records them (a Parquet footer's num_rows). */
  rows?: number;
  /** Columns with no value in the sample (all null or empty): they take their type from other files. */
  untyped?: string[];
  /** Parquet: how each column's type becomes a Kusto type, with its risk. */
  conversions?: TypeConversion[];
  /** What the sample showed that may not land as the user expects (rows of another width), without the file's name. */
  warnings?: string[];
}

export interface SourceSchema {
  columns: ColumnSchema[];
  partitionColumns: ColumnSchema[];
  /** By relative path. */
  perFile: Map<string, FileSchema>;
  conversions: TypeConversion[];
  warnings: string[];
}

/** Widest decimal Kusto's 128-bit decimal can take; a wider one (decimal256) would be misread. */
const MAX_DECIMAL_PRECISION = 38;

/**
 * Types that convert exactly, or a refusal naming the column: uint64 goes into decimal (which
 * holds all its 20 digits; long would overflow to null above 2^63 - 1), and a decimal wider than
 * Kusto's is refused rather than misread.
 */
function exactParquetTypes(file: string, columns: ColumnSchema[], conversions: TypeConversion[]): { columns: ColumnSchema[]; conversions: TypeConversion[] } {
  const out = columns.map((c) => ({ ...c }));
  const converted = conversions.map((c) => ({ ...c }));
  for (const conversion of converted) {
    const precision = Number(/DECIMAL\((\d+)/.exec(conversion.from)?.[1] ?? 0);
    if (conversion.to === 'decimal' && precision > MAX_DECIMAL_PRECISION) {
      throw new SourceSchemaError(`${file}: column ${JSON.stringify(conversion.column)} is a decimal of precision ${precision}, wider than Kusto's decimal holds (${MAX_DECIMAL_PRECISION} digits); nothing was changed. Cast it in the source to decimal(38, s), to double, or to string`);
    }
    if (/UINT\(64\)/.test(conversion.from) && conversion.to === 'long') {
      conversion.to = 'decimal';
      conversion.risk = undefined;
      const column = out.find((c) => c.name === conversion.column);
      if (column) column.type = 'decimal';
    }
  }
  return { columns: out, conversions: converted };
}

/**
 * The 1-based line of the first bytes that are not UTF-8. A last character cut short is let pass:
 * the sample may end inside it (a gzip sample is cut by its decompressed size, whatever the file's).
 */
export function firstLineNotUtf8(bytes: Buffer): number | undefined {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return undefined; // UTF-16 with its byte order mark: the service reads it
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return undefined;
  let end = bytes.length;
  let back = 0;
  while (back < 3 && end - back - 1 >= 0 && (bytes[end - back - 1]! & 0xc0) === 0x80) back++;
  if (end - back - 1 >= 0 && bytes[end - back - 1]! >= 0xc0) end -= back + 1;
  const whole = bytes.subarray(0, end);
  if (isUtf8(whole)) return undefined;
  let line = 1;
  let start = 0;
  for (;;) {
    const newline = whole.indexOf(0x0a, start);
    const stop = newline < 0 ? whole.length : newline;
    if (!isUtf8(whole.subarray(start, stop))) return line;
    if (newline < 0) return line;
    start = newline + 1;
    line++;
  }
}

export async function readFileSchema(file: SourceFile, bytes: ByteRangeSource, csvHeader?: boolean): Promise<FileSchema> {
  if (file.format === 'parquet') {
    const info = await readParquetSchema(bytes);
    const { columns, conversions } = exactParquetTypes(file.relativePath, info.kustoColumns, info.conversions);
    return { format: 'parquet', columns, hasHeader: false, rows: info.numRows, conversions };
  }
  const { text } = await readTextSample(bytes);
  // The sample holds the whole file when the raw read covered it: then the last row needs no newline.
  const complete = file.size <= SAMPLE_BYTES;
  const badLine = firstLineNotUtf8(text);
  if (badLine !== undefined) {
    // The service would replace the bad bytes with U+FFFD and say nothing: the values would change.
    throw new SourceSchemaError(`${file.relativePath}: line ${badLine} is not valid UTF-8 text. Save the file as UTF-8 (e.g. iconv -f latin1 -t utf-8), or write it from Spark, which writes UTF-8`);
  }
  const sample = text.toString('utf8');
  if (file.format === 'json' || file.format === 'multijson') {
    const json = inferJsonSchema(sample);
    return { format: file.format, columns: json.columns, hasHeader: false, untyped: json.untyped };
  }
  const delimiter = file.format === 'tsv' ? '\t' : file.format === 'scsv' ? ';' : file.format === 'psv' ? '|' : undefined;
  const csv = inferCsvSchema(sample, { complete, delimiter: file.format === 'csv' ? undefined : delimiter, header: csvHeader });
  return { format: csv.format, columns: csv.columns, hasHeader: csv.hasHeader, untyped: csv.untyped, warnings: csv.warnings };
}

/** A source whose columns cannot become a table's as they are; said before anything is created. */
export class SourceSchemaError extends Error {
  readonly code = 'InvalidSourceSchema';
  readonly permanent = true;
  constructor(message: string) {
    super(message);
    this.name = 'SourceSchemaError';
  }
}

/**
 * Refuses, naming the file, a column the service would not take as a column name and two columns
 * of one file whose names differ only in case (Spark reads them as one; our by-name mapping could
 * not tell them apart).
 */
function checkColumnNames(file: string, columns: ColumnSchema[], what = 'column'): void {
  const seen = new Map<string, string>();
  for (const column of columns) {
    const problem = entityNameProblem(column.name);
    if (problem) {
      throw new SourceSchemaError(`${file}: ${what} ${JSON.stringify(column.name)} ${problem}. Rename it in the source (Spark: withColumnRenamed), or create the table yourself with an ingestion mapping and name it in destination.mappingReference`);
    }
    const other = seen.get(column.name.toLowerCase());
    if (other !== undefined) {
      throw new SourceSchemaError(`${file}: columns ${JSON.stringify(other)} and ${JSON.stringify(column.name)} differ only in case; Spark reads them as one column and the copy could not tell them apart. Rename one of them in the source`);
    }
    seen.set(column.name.toLowerCase(), column.name);
  }
}

/** Files whose schema is read at once: footers are a few KB, a text sample SAMPLE_BYTES. */
const SCHEMA_READS = 8;

export async function inferSourceSchema(listing: SourceListing, options: { csvHeader?: boolean; checkNames?: boolean; partitionTypes?: 'infer' | 'string' } = {}): Promise<SourceSchema> {
  const perFile = new Map<string, FileSchema>();
  const merged = new Map<string, ColumnSchema>();
  const warnings: string[] = [];
  const conversions: TypeConversion[] = [];
  // Columns typed only by default so far (every sampled value null or empty, as in a Spark
  // partition holding only null rows): the first file with values decides their type, silently.
  const provisional = new Set<string>();
  // Footers and samples are read a few files ahead (a blob's are a round trip or two each), merged in the listing's order.
  let index = 0;
  for await (const schema of readAhead(listing.files, SCHEMA_READS, (file) => readFileSchema(file, listing.open(file), options.csvHeader))) {
    const file = listing.files[index++];
    perFile.set(file.relativePath, schema);
    if (options.checkNames !== false) checkColumnNames(file.relativePath, schema.columns);
    for (const warning of schema.warnings ?? []) warnings.push(`${file.relativePath}: ${warning}`);
    const untyped = new Set((schema.untyped ?? []).map((name) => name.toLowerCase()));
    for (const column of schema.columns) {
      const key = column.name.toLowerCase();
      const seen = merged.get(key);
      if (!seen) {
        merged.set(key, { ...column });
        if (untyped.has(key)) provisional.add(key);
      } else if (untyped.has(key)) continue;
      else if (provisional.delete(key)) seen.type = column.type;
      else if (seen.type !== column.type) {
        const widened = widenType(seen.type, column.type, file.format === 'parquet' ? 'dynamic' : 'string');
        warnings.push(`column "${column.name}" is ${seen.type} in some files and ${column.type} in ${file.relativePath}: the table takes ${widened}`);
        seen.type = widened;
      }
    }
    // Every file's risky conversions, once per column and risk (files of one folder may differ).
    for (const c of schema.conversions ?? []) if (c.risk && !conversions.some((x) => x.column === c.column && x.risk === c.risk)) conversions.push(c);
  }
  const partitionColumns: ColumnSchema[] = listing.partitionColumns
    .filter((name) => !merged.has(name.toLowerCase()))
    .map((name) => ({ name, type: options.partitionTypes === 'string' ? 'string' : inferPartitionType(listing.files.map((f) => f.partitionValues[name] ?? null)) }));
  if (options.checkNames !== false) checkColumnNames(listing.root, partitionColumns, 'partition column');
  for (const p of partitionColumns) if (p.type !== 'string') conversions.push({ column: p.name, from: 'partition folder name', to: p.type, risk: p.type === 'datetime' ? 'a date without time zone is taken as UTC' : undefined });
  return { columns: [...merged.values(), ...partitionColumns], partitionColumns, perFile, conversions, warnings };
}
