// CSV/TSV sniffing from a sample: the delimiter (the one among , \t ; | that splits the most
// lines into the same number of fields), whether the first row is a header, column names and
// types. Quote-aware (RFC 4180 double quotes) so quoted delimiters and newlines do not mislead it.
import type { ColumnSchema, KustoType } from '../engine/rows';
import { scanCsvRecords } from './csvRecordScanner';
import type { DataFormat } from './formatSniffReader';
import { textValueType, widenType } from './textSchemaInference';

export interface CsvSchema {
  delimiter: string;
  /** The Kusto format name for that delimiter: csv, tsv, scsv or psv. */
  format: DataFormat;
  hasHeader: boolean;
  columns: ColumnSchema[];
  /** Data rows seen in the sample. */
  sampleRows: number;
  /** Columns with no non-empty cell in the sample: typed string here, but they should not outvote other files' evidence. */
  untyped: string[];
  /** Rows whose width differs from the header's (or the sample's dominant width), with their line. */
  warnings: string[];
}

const DELIMITERS: Array<[string, DataFormat]> = [
  [',', 'csv'],
  ['\t', 'tsv'],
  [';', 'scsv'],
  ['|', 'psv'],
];

/** Splits text into records of fields; a last record cut by the sample's end is dropped. */
export function parseCsvRecords(text: string, delimiter: string, maxRecords = 1000, complete = false): string[][] {
  return parseCsvRecordLines(text, delimiter, maxRecords, complete).records;
}

/** As parseCsvRecords, with the 1-based line each record starts on (quoted newlines counted). */
function parseCsvRecordLines(text: string, delimiter: string, maxRecords: number, complete: boolean): { records: string[][]; lines: number[] } {
  const records: string[][] = [];
  const lines: number[] = [];
  if (maxRecords <= 0) return { records, lines };
  scanCsvRecords(text, delimiter.charCodeAt(0), complete, { line: 1 }, (fields, line) => {
    records.push(fields.slice());
    lines.push(line);
    return records.length < maxRecords;
  });
  return { records, lines };
}

function chooseDelimiter(text: string): [string, DataFormat] {
  let best: [string, DataFormat] = DELIMITERS[0];
  let bestScore = -1;
  for (const candidate of DELIMITERS) {
    const records = parseCsvRecords(text, candidate[0], 200, true);
    if (records.length === 0) continue;
    const width = records[0].length;
    if (width < 2) continue;
    const consistent = records.filter((r) => r.length === width).length / records.length;
    const score = consistent * 1000 + width;
    if (score > bestScore) {
      bestScore = score;
      best = candidate;
    }
  }
  return best;
}

const NAME_LIKE = /^[\p{L}_][\p{L}\p{N}_ .-]*$/u;
/** Rows of another width named one by one; past this many, only counted. */
const WIDTH_WARNINGS = 5;

/** The most common record width (ties: the wider), so one odd row does not set the columns. */
function dominantWidth(records: string[][]): number {
  const counts = new Map<number, number>();
  for (const r of records) counts.set(r.length, (counts.get(r.length) ?? 0) + 1);
  let best = 0;
  let bestCount = -1;
  for (const [width, count] of counts) if (count > bestCount || (count === bestCount && width > best)) [best, bestCount] = [width, count];
  return best;
}

/** Infers the CSV schema from the decompressed start of a file. `complete` says the sample is the whole file. */
export function inferCsvSchema(sample: string, options: { complete?: boolean; delimiter?: string; header?: boolean } = {}): CsvSchema {
  const text = sample.charCodeAt(0) === 0xfeff ? sample.slice(1) : sample;
  const [delimiter, format] = options.delimiter ? ([options.delimiter, DELIMITERS.find((d) => d[0] === options.delimiter)?.[1] ?? 'csv'] as [string, DataFormat]) : chooseDelimiter(text);
  const { records, lines } = parseCsvRecordLines(text, delimiter, 1000, options.complete ?? false);
  if (records.length === 0) return { delimiter, format, hasHeader: false, columns: [], sampleRows: 0, untyped: [], warnings: [] };
  const first = records[0];
  const typesOf = (rows: string[][], width: number): Array<KustoType | undefined> =>
    Array.from({ length: width }, (_, c) => {
      let type: KustoType | undefined;
      for (const row of rows) {
        const cell = row[c];
        if (cell === undefined || cell === '') continue;
        type = widenType(type, textValueType(cell), 'string');
        if (type === 'string') break;
      }
      return type;
    });
  const below = records.slice(1);
  const bodyWidth = dominantWidth(below.length > 0 ? below : records);
  const dataTypes = typesOf(below, first.length);
  // A header is a row of distinct, non-empty text cells as wide as the rows below it, over at
  // least one column whose values are not text (so the header cell does not fit the column's
  // type); when every column is text, a name-like first row is still taken as a header.
  const unique = new Set(first).size === first.length;
  const allText = first.every((cell) => cell !== '' && textValueType(cell) === 'string');
  const typedBelow = dataTypes.some((t) => t !== undefined && t !== 'string');
  const allNames = first.every((cell) => NAME_LIKE.test(cell));
  const hasHeader = options.header ?? (unique && allText && (below.length === 0 ? allNames : first.length === bodyWidth && (typedBelow || allNames)));
  const width = hasHeader ? first.length : dominantWidth(records);
  const dataRows = hasHeader ? below : records;
  const types = hasHeader ? dataTypes : typesOf(records, width);
  const columns: ColumnSchema[] = types.map((type, c) => ({ name: hasHeader ? first[c] : `Column${c + 1}`, type: type ?? 'string' }));
  const untyped = columns.filter((_, c) => types[c] === undefined).map((column) => column.name);
  const warnings: string[] = [];
  const odd = dataRows.map((r, i) => ({ r, line: lines[i + (hasHeader ? 1 : 0)] })).filter(({ r }) => r.length !== width);
  for (const { r, line } of odd.slice(0, WIDTH_WARNINGS)) {
    const extra = r.length > width ? 'the fields past the last column are not ingested' : 'the missing fields land as empty';
    warnings.push(`line ${line} has ${r.length} fields where ${hasHeader ? 'the header has' : 'most rows have'} ${width}: ${extra}`);
  }
  if (odd.length > WIDTH_WARNINGS) warnings.push(`${odd.length - WIDTH_WARNINGS} more row(s) in the sample have another number of fields than ${width}`);
  return { delimiter, format, hasHeader, columns, sampleRows: dataRows.length, untyped, warnings };
}
