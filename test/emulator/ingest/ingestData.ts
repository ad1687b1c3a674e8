// Ingests one local data file into a table as one extent: CSV-like, JSON (lines / multi) and
// Parquet, gzip detected by magic bytes, mappings and transforms, tags, ingestIfNotExists.
import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { DuckDBAppender } from '@duckdb/node-api';
import type { KustoType } from '../kql/contract';
import { quoteIdent } from '../kql/sqlText';
import { parseKustoText } from '../kql/values';
import type { EmulatorContext } from '../server/context';
import { EXTENT_COLUMN, type DatabaseMeta, type TableMeta } from '../store/store';
import { IngestError } from './ingestError';
import { resolveMapping, unixTransform, type ColumnSource } from './mappings';
import { BIG_NUMBER_PREFIX, DelimitedParser, JsonValueSplitter } from './textFormats';

export interface IngestSpec {
  database: string;
  table: string;
  format: string;
  mappingJson?: string;
  mappingReference?: string;
  ignoreFirstRecord?: boolean;
  tags?: string[];
  ingestIfNotExists?: string[];
  creationTime?: string;
}

export interface IngestResult {
  status: 'Succeeded' | 'Skipped';
  rowCount: number;
  extentId?: string;
}

const DELIMITERS: Record<string, string> = { csv: ',', tsv: '\t', tsve: '\t', psv: '|', scsv: ';', sohsv: '\u0001' };
const JSON_FORMATS = new Set(['json', 'multijson', 'singlejson']);

export async function isGzip(file: string): Promise<boolean> {
  const handle = await open(file, 'r');
  try {
    const { bytesRead, buffer } = await handle.read(Buffer.alloc(2), 0, 2, 0);
    return bytesRead === 2 && buffer[0] === 0x1f && buffer[1] === 0x8b;
  } finally {
    await handle.close();
  }
}

/** Converts a source value to the stored value of a column. */
function storedValue(type: KustoType, value: unknown, source: ColumnSource): unknown {
  const transformed = unixTransform(source.transform, value);
  if (transformed !== undefined) return type === 'datetime' ? transformed : null;
  if (value === undefined || value === null) return type === 'string' ? '' : null;
  if (typeof value === 'string') {
    if (value.startsWith(BIG_NUMBER_PREFIX)) return parseKustoText(type, value.slice(BIG_NUMBER_PREFIX.length));
    return parseKustoText(type, value);
  }
  if (typeof value === 'object') return type === 'dynamic' || type === 'string' ? dynamicText(value) : null;
  return parseKustoText(type, String(value));
}

/** Dynamic values keep big numbers exact: their marked text is put back verbatim. */
function dynamicText(value: unknown): string {
  return JSON.stringify(value).replace(new RegExp(`"${BIG_NUMBER_PREFIX.replace('\u0000', '\\\\u0000')}(-?\\d+)"`, 'g'), '$1');
}

class RowAppender {
  count = 0;
  constructor(private readonly appender: DuckDBAppender, private readonly types: KustoType[], private readonly extentId: string) {}

  append(values: unknown[]): void {
    this.types.forEach((type, i) => {
      const v = values[i];
      if (v === null || v === undefined) {
        if (type === 'string') this.appender.appendVarchar('');
        else this.appender.appendNull();
        return;
      }
      switch (type) {
        case 'bool': this.appender.appendBoolean(Boolean(v)); break;
        case 'int': this.appender.appendInteger(Number(v)); break;
        case 'long': case 'datetime': case 'timespan': this.appender.appendBigInt(BigInt(v as bigint)); break;
        case 'real': this.appender.appendDouble(Number(v)); break;
        default: this.appender.appendVarchar(String(v));
      }
    });
    this.appender.appendVarchar(this.extentId);
    this.appender.endRow();
    this.count++;
  }
}

function textStream(file: string, gzip: boolean): Readable {
  const raw = createReadStream(file);
  const stream: Readable = gzip ? raw.pipe(createGunzip()) : raw;
  stream.setEncoding('utf8');
  return stream;
}

function csvRow(record: string[], sources: ColumnSource[], table: TableMeta): unknown[] {
  const values: unknown[] = table.columns.map((c) => (c.type === 'string' ? '' : null));
  for (const s of sources) {
    const index = table.columns.indexOf(s.column);
    const raw = s.constValue !== undefined ? s.constValue : s.ordinal !== undefined ? record[s.ordinal] : undefined;
    values[index] = storedValue(s.column.type, raw ?? null, s);
  }
  return values;
}

function lookupPath(root: unknown, path: Array<string | number>): unknown {
  let cur: unknown = root;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    if (typeof seg === 'number') cur = Array.isArray(cur) ? cur[seg] : undefined;
    else {
      const obj = cur as Record<string, unknown>;
      cur = Object.hasOwn(obj, seg) ? obj[seg] : undefined;
    }
  }
  return cur;
}

function jsonRow(record: unknown, sources: ColumnSource[], table: TableMeta): unknown[] {
  const values: unknown[] = table.columns.map((c) => (c.type === 'string' ? '' : null));
  for (const s of sources) {
    const index = table.columns.indexOf(s.column);
    const raw = s.constValue !== undefined ? s.constValue : s.path ? lookupPath(record, s.path) : undefined;
    values[index] = s.column.type === 'dynamic' && raw !== null && raw !== undefined && typeof raw === 'object'
      ? dynamicText(raw)
      : storedValue(s.column.type, raw, s);
  }
  return values;
}

function mappingFor(table: TableMeta, spec: IngestSpec): string | undefined {
  if (spec.mappingJson) return spec.mappingJson;
  if (!spec.mappingReference) return undefined;
  const m = table.mappings.find((x) => x.name === spec.mappingReference);
  if (!m) throw new IngestError('BadRequest_MappingReferenceWasNotFound', `Mapping reference '${spec.mappingReference}' of table '${table.name}' was not found`);
  return m.mapping;
}

export async function ingestFile(ctx: EmulatorContext, spec: IngestSpec, file: string): Promise<IngestResult> {
  const db = ctx.store.findDatabase(spec.database);
  if (!db) throw new IngestError('BadRequest_DatabaseNotExist', `Database '${spec.database}' was not found`);
  const format = spec.format.toLowerCase();
  const gzip = await isGzip(file);
  return ctx.store.write(async () => {
    const table = ctx.store.findTable(db, spec.table);
    if (!table) throw new IngestError('BadRequest_TableNotExist', `Table '${spec.table}' was not found in database '${db.name}'`);
    for (const tag of spec.ingestIfNotExists ?? []) {
      if (ctx.store.hasIngestByTag(table, tag)) return { status: 'Skipped', rowCount: 0 };
    }
    const mapping = mappingFor(table, spec);
    const extentId = randomUUID();
    const appender = await ctx.store.appender(db, table);
    const rows = new RowAppender(appender, table.columns.map((c) => c.type), extentId);
    try {
      if (DELIMITERS[format] !== undefined || format === 'txt' || format === 'raw') {
        await appendDelimited(file, gzip, format, spec, table, mapping, rows);
      } else if (JSON_FORMATS.has(format)) {
        await appendJson(file, gzip, table, mapping, rows);
      } else if (format === 'parquet') {
        appender.closeSync();
        return await ingestParquet(ctx, db, table, file, gzip, mapping, spec, extentId);
      } else {
        throw new IngestError('BadRequest_FormatNotSupported', `The emulator does not ingest the format '${spec.format}'`);
      }
      appender.closeSync();
    } catch (error) {
      try {
        appender.closeSync();
      } catch {
        // already closed
      }
      await ctx.store.connection.run(`DELETE FROM ${ctx.store.relation(db, table)} WHERE ${quoteIdent(EXTENT_COLUMN)} = '${extentId}'`);
      if (error instanceof IngestError) throw error;
      throw new IngestError('BadRequest_InvalidData', `Ingestion of ${format} data failed: ${error instanceof Error ? error.message : String(error)}`);
    }
    const extent = ctx.store.recordExtent(db, table, extentId, rows.count, { tags: spec.tags, creationTime: spec.creationTime });
    return { status: 'Succeeded', rowCount: rows.count, extentId: extent?.id };
  });
}

async function appendDelimited(file: string, gzip: boolean, format: string, spec: IngestSpec, table: TableMeta, mapping: string | undefined, rows: RowAppender): Promise<void> {
  const sources = resolveMapping(table, mapping, false);
  const lines = format === 'txt' || format === 'raw';
  const parser = new DelimitedParser(lines ? '\u0000' : DELIMITERS[format], !lines);
  let skip = spec.ignoreFirstRecord === true;
  const take = (records: string[][]) => {
    for (const record of records) {
      if (skip) { skip = false; continue; }
      rows.append(csvRow(record, sources, table));
    }
  };
  for await (const chunk of textStream(file, gzip)) take(parser.feed(chunk as string));
  take(parser.end());
}

async function appendJson(file: string, gzip: boolean, table: TableMeta, mapping: string | undefined, rows: RowAppender): Promise<void> {
  const sources = resolveMapping(table, mapping, true);
  const splitter = new JsonValueSplitter();
  for await (const chunk of textStream(file, gzip)) {
    for (const text of splitter.feed(chunk as string)) rows.append(jsonRow(JSON.parse(text), sources, table));
  }
  splitter.end();
}

const TEMPORAL_TO_TICKS: Array<[RegExp, (x: string) => string]> = [
  [/^TIMESTAMP_NS$/, (x) => `(epoch_ns(${x}) // 100 + 621355968000000000)`],
  [/^(TIMESTAMP|TIMESTAMP WITH TIME ZONE|TIMESTAMP_MS|TIMESTAMP_S|DATE)$/, (x) => `(epoch_us(CAST(${x} AS TIMESTAMP)) * 10 + 621355968000000000)`],
];

async function ingestParquet(ctx: EmulatorContext, db: DatabaseMeta, table: TableMeta, file: string, gzip: boolean, mapping: string | undefined, spec: IngestSpec, extentId: string): Promise<IngestResult> {
  if (gzip) throw new IngestError('BadRequest_InvalidData', 'Parquet data must not be gzip-compressed');
  const conn = ctx.store.connection;
  const source = `read_parquet('${file.replace(/'/g, "''")}')`;
  let described;
  try {
    described = (await conn.runAndReadAll(`DESCRIBE SELECT * FROM ${source}`)).getRowObjects();
  } catch (error) {
    throw new IngestError('BadRequest_InvalidData', `Not a readable Parquet file: ${error instanceof Error ? error.message : String(error)}`);
  }
  const fileColumns = described.map((r) => ({ name: String(r.column_name), type: String(r.column_type) }));
  const sources = resolveMapping(table, mapping, true);
  // Per table column: SQL giving either the stored value ('native') or text to parse in JS.
  const plans = table.columns.map((column) => {
    const s = sources.find((x) => x.column === column);
    if (!s) return { sql: 'NULL', native: true, source: undefined };
    if (s.constValue !== undefined) return { sql: `'${s.constValue.replace(/'/g, "''")}'`, native: false, source: s };
    const wanted = typeof s.path?.[0] === 'string' ? s.path[0] : column.name;
    const fc = fileColumns.find((c) => c.name === wanted) ?? fileColumns.find((c) => c.name.toLowerCase() === String(wanted).toLowerCase());
    if (!fc) return { sql: 'NULL', native: true, source: s };
    let ref = quoteIdent(fc.name);
    for (const seg of s.path?.slice(1) ?? []) ref = typeof seg === 'number' ? `${ref}[${seg + 1}]` : `${ref}[${`'${seg.replace(/'/g, "''")}'`}]`;
    const t = fc.type.toUpperCase();
    const isNested = /^(STRUCT|MAP)|\[\]$/.test(t);
    if (column.type === 'datetime' && !s.transform) {
      const conv = TEMPORAL_TO_TICKS.find(([re]) => re.test(t));
      if (conv) return { sql: conv[1](ref), native: true, source: s };
    }
    if ((column.type === 'long' || column.type === 'timespan') && /INT/.test(t) && !/HUGEINT|UBIGINT/.test(t)) return { sql: `CAST(${ref} AS BIGINT)`, native: true, source: s };
    if (column.type === 'int' && /^(TINYINT|SMALLINT|INTEGER|UTINYINT|USMALLINT)$/.test(t)) return { sql: `CAST(${ref} AS INTEGER)`, native: true, source: s };
    if (column.type === 'real' && /^(FLOAT|DOUBLE|DECIMAL|.*INT)/.test(t)) return { sql: `CAST(${ref} AS DOUBLE)`, native: true, source: s };
    if (column.type === 'bool' && t === 'BOOLEAN') return { sql: ref, native: true, source: s };
    if (t === 'BLOB') return { sql: `base64(${ref})`, native: false, source: s };
    if (isNested) return { sql: `CAST(to_json(${ref}) AS VARCHAR)`, native: false, source: s };
    if (/^TIMESTAMP|^DATE$/.test(t)) return { sql: `strftime(CAST(${ref} AS TIMESTAMP), '%Y-%m-%dT%H:%M:%S.%fZ')`, native: false, source: s };
    return { sql: `CAST(${ref} AS VARCHAR)`, native: false, source: s };
  });
  const appender = await ctx.store.appender(db, table);
  const rows = new RowAppender(appender, table.columns.map((c) => c.type), extentId);
  try {
    const result = await conn.stream(`SELECT ${plans.map((p, i) => `${p.sql} AS c${i}`).join(', ')} FROM ${source}`);
    let skip = spec.ignoreFirstRecord === true;
    for (;;) {
      const chunk = await result.fetchChunk();
      if (!chunk || chunk.rowCount === 0) break;
      for (const row of chunk.getRows()) {
        if (skip) { skip = false; continue; }
        rows.append(row.map((v, i) => {
          const plan = plans[i];
          const type = table.columns[i].type;
          if (plan.native) return v === null && type === 'string' ? '' : v;
          return plan.source ? storedValue(type, v === null ? null : String(v), plan.source) : null;
        }));
      }
    }
    appender.closeSync();
  } catch (error) {
    try {
      appender.closeSync();
    } catch {
      // already closed
    }
    await conn.run(`DELETE FROM ${ctx.store.relation(db, table)} WHERE ${quoteIdent(EXTENT_COLUMN)} = '${extentId}'`);
    throw new IngestError('BadRequest_InvalidData', `Parquet ingestion failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  const extent = ctx.store.recordExtent(db, table, extentId, rows.count, { tags: spec.tags, creationTime: spec.creationTime });
  return { status: 'Succeeded', rowCount: rows.count, extentId: extent?.id };
}
