// The first rows of a files source, read as the ingestion will see them: a Parquet file's rows
// (hyparquet), a CSV/TSV sample's records after its header, JSON lines; partition values appended.
// Also the rows a text file holds, estimated from its sample when it is not read whole.
import { parquetReadObjects } from 'hyparquet';
import { asAsyncBuffer } from '../../formats/parquetSchemaReader';
import { parseCsvRecords } from '../../formats/csvSchemaReader';
import { readTextSample, SAMPLE_BYTES } from '../../formats/formatSniffReader';
import type { SourceFile, SourceListing } from '../../spark/sparkFolderReader';
import type { FileSchema } from '../sink/sourceSchema';
import { previewText } from './reviewShared';

const DELIMITER: Record<string, string> = { csv: ',', tsv: '\t', scsv: ';', psv: '|' };

/** A datetime as Kusto prints it, from 100 ns ticks since the epoch: every digit kept (a Date holds only milliseconds). */
export function kustoDatetimeText(ticks: bigint): string {
  let ms = ticks / 10_000n;
  let rest = ticks % 10_000n;
  if (rest < 0n) {
    rest += 10_000n;
    ms -= 1n;
  }
  const iso = new Date(Number(ms)).toISOString();
  const fraction = `${iso.slice(20, 23)}${rest.toString().padStart(4, '0')}`.replace(/0+$/, '');
  return `${iso.slice(0, 19)}${fraction ? `.${fraction}` : ''}Z`;
}

// Timestamps (INT96 too) and dates as the text Kusto will hold, not as JavaScript Dates.
const PARSERS = {
  timestampFromMilliseconds: (millis: bigint) => kustoDatetimeText(BigInt(millis) * 10_000n),
  timestampFromMicroseconds: (micros: bigint) => kustoDatetimeText(BigInt(micros) * 10n),
  timestampFromNanoseconds: (nanos: bigint) => kustoDatetimeText(BigInt(nanos) / 100n),
  dateFromDays: (days: number) => kustoDatetimeText(BigInt(days) * 864_000_000_000n),
};

/** Rows of one file as text, by the file's own column names. */
async function fileRows(listing: SourceListing, file: SourceFile, schema: FileSchema, limit: number): Promise<Array<Record<string, string>>> {
  const bytes = listing.open(file);
  if (schema.format === 'parquet') {
    const rows = (await parquetReadObjects({ file: await asAsyncBuffer(bytes), rowEnd: limit, parsers: PARSERS, utf8: false })) as Array<Record<string, unknown>>;
    return rows.map((row) => Object.fromEntries(schema.columns.map((c) => [c.name, previewText(row[c.name])])));
  }
  const { text } = await readTextSample(bytes);
  const sample = text.toString('utf8');
  if (schema.format === 'json' || schema.format === 'multijson') {
    const rows: Array<Record<string, string>> = [];
    for (const line of sample.split(/\r?\n/)) {
      if (rows.length >= limit) break;
      if (line.trim() === '') continue;
      try {
        const value = JSON.parse(line) as Record<string, unknown>;
        rows.push(Object.fromEntries(schema.columns.map((c) => [c.name, previewText(value?.[c.name])])));
      } catch {
        break; // a multi-line JSON document: no line-wise preview
      }
    }
    return rows;
  }
  const records = parseCsvRecords(sample, DELIMITER[schema.format] ?? ',', limit + 1, file.size <= SAMPLE_BYTES);
  const data = schema.hasHeader ? records.slice(1) : records;
  return data.slice(0, limit).map((record) => Object.fromEntries(schema.columns.map((c, i) => [c.name, record[i] ?? ''])));
}

/** The first `limit` rows over the files in listing order, under the source's column names. */
export async function previewFiles(listing: SourceListing, perFile: Map<string, FileSchema>, columns: string[], limit = 10): Promise<string[][]> {
  const out: string[][] = [];
  for (const file of listing.files) {
    if (out.length >= limit) break;
    const schema = perFile.get(file.relativePath);
    if (!schema) continue;
    const rows = await fileRows(listing, file, schema, limit - out.length);
    const lower = (name: string): string => name.toLowerCase();
    for (const row of rows) {
      const byName = new Map(Object.entries(row).map(([k, v]) => [lower(k), v]));
      const partitions = new Map(Object.entries(file.partitionValues).map(([k, v]) => [lower(k), v ?? '']));
      out.push(columns.map((c) => byName.get(lower(c)) ?? partitions.get(lower(c)) ?? ''));
    }
  }
  return out;
}

/**
 * Rows of a text file: counted when its sample is the whole file, else estimated from the sample's
 * rows per byte; undefined for a gzip file (its sample's size says nothing of the file's).
 */
export async function textFileRows(listing: SourceListing, file: SourceFile, schema: FileSchema): Promise<{ rows?: number; exact: boolean }> {
  if (file.compression === 'gzip') return { exact: false };
  const { text } = await readTextSample(listing.open(file));
  const sample = text.toString('utf8');
  const complete = file.size <= SAMPLE_BYTES;
  let count: number;
  if (schema.format === 'json' || schema.format === 'multijson') count = sample.split(/\r?\n/).filter((l) => l.trim() !== '').length - (complete ? 0 : 1);
  else count = parseCsvRecords(sample, DELIMITER[schema.format] ?? ',', Number.MAX_SAFE_INTEGER, complete).length - (schema.hasHeader ? 1 : 0);
  if (complete) return { rows: Math.max(0, count), exact: true };
  const usedBytes = Buffer.byteLength(sample, 'utf8');
  return { rows: Math.round((Math.max(0, count) / usedBytes) * file.size), exact: false };
}
