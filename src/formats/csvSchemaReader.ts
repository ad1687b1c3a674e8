// CSV/TSV sniffing from a sample: the delimiter (the one among , \t ; | that splits the most
// lines into the same number of fields), whether the first row is a header, column names and
// types. Quote-aware (RFC 4180 double quotes) so quoted delimiters and newlines do not mislead it.
import type { ColumnSchema, KustoType } from '../engine/rows';
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
}

const DELIMITERS: Array<[string, DataFormat]> = [
  [',', 'csv'],
  ['\t', 'tsv'],
  [';', 'scsv'],
  ['|', 'psv'],
];

/** Splits text into records of fields; a last record cut by the sample's end is dropped. */
export function parseCsvRecords(text: string, delimiter: string, maxRecords = 1000, complete = false): string[][] {
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let inQuotes = false;
  let i = 0;
  let quoted = false;
  const endRecord = (): void => {
    record.push(field);
    if (!(record.length === 1 && record[0] === '' && !quoted)) records.push(record);
    record = [];
    field = '';
    quoted = false;
  };
  while (i < text.length && records.length < maxRecords) {
    const c = text[i];
    if (inQuotes) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else inQuotes = false;
      } else field += c;
    } else if (c === '"' && field === '') {
      inQuotes = true;
      quoted = true;
    } else if (c === delimiter) {
      record.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      endRecord();
    } else field += c;
    i++;
  }
  if (complete && i >= text.length && (field !== '' || record.length > 0)) endRecord();
  return records;
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

/** Infers the CSV schema from the decompressed start of a file. `complete` says the sample is the whole file. */
export function inferCsvSchema(sample: string, options: { complete?: boolean; delimiter?: string; header?: boolean } = {}): CsvSchema {
  const text = sample.charCodeAt(0) === 0xfeff ? sample.slice(1) : sample;
  const [delimiter, format] = options.delimiter ? ([options.delimiter, DELIMITERS.find((d) => d[0] === options.delimiter)?.[1] ?? 'csv'] as [string, DataFormat]) : chooseDelimiter(text);
  const records = parseCsvRecords(text, delimiter, 1000, options.complete ?? false);
  if (records.length === 0) return { delimiter, format, hasHeader: false, columns: [], sampleRows: 0, untyped: [] };
  const first = records[0];
  const width = Math.max(...records.map((r) => r.length));
  const typesOf = (rows: string[][]): Array<KustoType | undefined> =>
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
  const dataTypes = typesOf(records.slice(1));
  // A header's cells are distinct names that do not look like the values below them.
  const unique = new Set(first).size === first.length;
  const allNames = first.every((cell) => cell !== '' && NAME_LIKE.test(cell) && textValueType(cell) === 'string');
  // When every column is text, a name-like first row is still taken as a header: say so in the plan.
  const hasHeader = options.header ?? (unique && allNames && first.length === width);
  const dataRows = hasHeader ? records.slice(1) : records;
  const types = hasHeader ? dataTypes : typesOf(records);
  const columns: ColumnSchema[] = types.map((type, c) => ({ name: hasHeader ? first[c] : `Column${c + 1}`, type: type ?? 'string' }));
  const untyped = columns.filter((_, c) => types[c] === undefined).map((column) => column.name);
  return { delimiter, format, hasHeader, columns, sampleRows: dataRows.length, untyped };
}
