// Counts, per file and column, the values of a CSV or JSON file that do not parse as the type of
// the table column they land in: the service stores them as null and reports nothing, so a column
// typed from the start of a file (or an existing table's column) would lose later values silently.
// The counter reads the bytes the upload reads anyway (a tap on its stream: no second pass) and
// holds only the record being read. Records are split by the scanners the schema sniffer uses
// (csvRecordScanner.ts, jsonObjectScanner.ts); the parse rules are Kusto's (kustoTextParsing.ts).
import { StringDecoder } from 'node:string_decoder';
import { Transform } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { DataFormat } from '../../formats/formatSniffReader';
import { scanCsvRecords } from '../../formats/csvRecordScanner';
import { scanJsonObjects } from '../../formats/jsonObjectScanner';
import { NUMBER_TEXT, parseKeepingNumberText } from '../../formats/jsonSchemaReader';
import type { JobLogger } from '../jobContext';
import type { ColumnSchema, KustoType } from '../rows';
import { jsonPathOf, type MappingEntry } from '../../kusto/ingest/ingestionMapping';
import { canLoseText, JsonNumberText, jsonValueParsesAs, textParsesAs } from './kustoTextParsing';

/** A file column whose values are checked: its CSV ordinal or JSON key, and the table column it fills. */
export interface CheckedColumn {
  column: string;
  type: KustoType;
  ordinal?: number;
  key?: string;
}

/** What one file lost in one column. */
export interface UnparsedColumn {
  column: string;
  type: KustoType;
  count: number;
  /** The first such value as it reads in the file (CSV text quoted, JSON as written). */
  example: string;
  /** The 1-based line its record starts on. */
  line: number;
}

const DELIMITERS: Partial<Record<DataFormat, string>> = { csv: ',', tsv: '\t', scsv: ';', psv: '|' };

/**
 * The file's columns the mapping puts into a column that can lose values (not string; for CSV not
 * dynamic either, which takes any text). Empty when there is nothing to check: then no counter runs.
 */
export function checkedColumns(format: DataFormat, fileColumns: readonly string[], entries: readonly MappingEntry[], tableColumns: readonly ColumnSchema[]): CheckedColumn[] {
  const json = format === 'json' || format === 'multijson';
  if (!json && DELIMITERS[format] === undefined) return [];
  const out: CheckedColumn[] = [];
  for (const entry of entries) {
    const target = tableColumns.find((c) => c.name === entry.Column);
    if (!target || target.type === 'string' || (!json && !canLoseText(target.type))) continue;
    if (json) {
      const key = fileColumns.find((name) => jsonPathOf(name) === entry.Properties.Path);
      if (key !== undefined) out.push({ column: target.name, type: target.type, key });
    } else if (entry.Properties.Ordinal !== undefined) {
      out.push({ column: target.name, type: target.type, ordinal: Number(entry.Properties.Ordinal) });
    }
  }
  return out;
}

interface Tally {
  count: number;
  example: string;
  line: number;
}

function shown(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

/** Integer tokens this long may not survive as a JS number: kept as their text, as the service reads them. */
const LONG_INTEGER = /\d{16}/;
const LONG_INTEGER_TOKEN = /^-?\d{16,}$/;

/** JSON.parse of one record, with integer tokens of 16 digits or more kept as text. */
function parseRecord(text: string): unknown {
  if (!LONG_INTEGER.test(text)) return JSON.parse(text);
  const parsed = parseKeepingNumberText(text, (token) => LONG_INTEGER_TOKEN.test(token));
  if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) {
    for (const [key, value] of Object.entries(parsed)) {
      if (typeof value === 'string' && value.startsWith(NUMBER_TEXT)) (parsed as Record<string, unknown>)[key] = new JsonNumberText(value.slice(NUMBER_TEXT.length));
    }
  }
  return parsed;
}

/**
 * One file's counter. `tap()` gives a pass-through stream for the upload to read the file through
 * (a fresh count each time: an upload that reads the file again after a retry counts again);
 * `countAll` counts a file held in memory (streaming ingestion). `result()` is undefined until a
 * whole file was read.
 */
export class TypeConformanceCounter {
  private readonly tallies = new Map<string, Tally>();
  private decoder = new StringDecoder('utf8');
  private pending = '';
  /** The line `pending` starts on, which the record scanners move on. */
  private readonly cursor = { line: 1 };
  private records = 0;
  private started = false;
  private complete = false;
  private generation = 0;
  /** Settles when the latest tap has counted all it was given (or gave up on the file). */
  private tapSettled: Promise<void> = Promise.resolve();
  private readonly delimiter: number;
  private readonly json: boolean;

  constructor(
    format: DataFormat,
    private readonly columns: readonly CheckedColumn[],
    private readonly hasHeader: boolean,
    private readonly gzipped = false,
  ) {
    this.json = format === 'json' || format === 'multijson';
    this.delimiter = (DELIMITERS[format] ?? ',').charCodeAt(0);
  }

  /** A counter for one file, or undefined when none of its columns can lose values. */
  static forFile(format: DataFormat, fileColumns: readonly string[], entries: readonly MappingEntry[], tableColumns: readonly ColumnSchema[], hasHeader: boolean, gzipped: boolean): TypeConformanceCounter | undefined {
    const columns = checkedColumns(format, fileColumns, entries, tableColumns);
    return columns.length === 0 ? undefined : new TypeConformanceCounter(format, columns, hasHeader, gzipped);
  }

  reset(): void {
    this.tallies.clear();
    this.decoder = new StringDecoder('utf8');
    this.pending = '';
    this.cursor.line = 1;
    this.records = 0;
    this.started = false;
    this.complete = false;
  }

  /** Feeds the next bytes of the (uncompressed) file. */
  write(chunk: Buffer): void {
    let text = this.decoder.write(chunk);
    if (!this.started && text.length > 0) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    this.scan(this.pending + text, false);
  }

  /** The end of the file: the last record may have no line end. */
  end(): void {
    this.scan(this.pending + this.decoder.end(), true);
    this.pending = '';
    this.complete = true;
  }

  countAll(data: Buffer): void {
    this.reset();
    this.write(data);
    this.end();
  }

  /** The columns that lost values, in the order checked; undefined when the file was not read to its end. */
  result(): UnparsedColumn[] | undefined {
    if (!this.complete) return undefined;
    return this.columns.flatMap((c) => {
      const tally = this.tallies.get(c.column);
      return tally ? [{ column: c.column, type: c.type, ...tally }] : [];
    });
  }

  /**
   * The result once the latest tap has counted everything it passed on. An upload can be answered
   * before that (the service has every byte while the last ones, or a gzip file's inflation, are
   * still being counted here); bounded, so a tap that never ends cannot hold up the job.
   */
  async settledResult(boundMs = 30_000): Promise<UnparsedColumn[] | undefined> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.tapSettled, new Promise<void>((resolve) => (timer = setTimeout(resolve, boundMs)))]);
    clearTimeout(timer);
    return this.result();
  }

  /**
   * The stream the upload reads the file's bytes through, unchanged. A gzip file is inflated on
   * the side for counting (waiting for it when it lags, so memory stays bounded); bytes that do
   * not inflate leave the file uncounted, never the upload failed (the service says what is wrong).
   */
  tap(): Transform {
    this.reset();
    // An older tap (an upload read again after a retry) may still be flushing: it counts no more.
    const generation = ++this.generation;
    const live = (): boolean => generation === this.generation;
    let settle!: () => void;
    this.tapSettled = new Promise<void>((resolve) => (settle = resolve));
    if (!this.gzipped) {
      const plain = new Transform({
        transform: (chunk: Buffer, _encoding, callback) => {
          if (live()) this.write(chunk);
          callback(null, chunk);
        },
        flush: (callback) => {
          if (live()) this.end();
          settle();
          callback();
        },
      });
      plain.once('close', settle);
      return plain;
    }
    const inflate = createGunzip();
    let broken = false;
    let resume: (() => void) | undefined;
    let finished: (() => void) | undefined;
    inflate.on('data', (chunk: Buffer) => {
      if (live()) this.write(chunk);
    });
    inflate.on('drain', () => {
      const next = resume;
      resume = undefined;
      next?.();
    });
    inflate.on('error', () => {
      broken = true;
      settle();
      const [next, done] = [resume, finished];
      resume = finished = undefined;
      next?.();
      done?.();
    });
    inflate.on('end', () => {
      if (!broken && live()) this.end();
      settle();
      const done = finished;
      finished = undefined;
      done?.();
    });
    const tapped = new Transform({
      transform: (chunk: Buffer, _encoding, callback) => {
        if (broken || inflate.write(chunk)) callback(null, chunk);
        else resume = () => callback(null, chunk);
      },
      flush: (callback) => {
        if (broken) return callback();
        finished = () => callback();
        inflate.end();
      },
    });
    // Destroyed before its end (the upload failed or was cancelled): nothing more will be counted.
    tapped.once('close', settle);
    return tapped;
  }

  private count(column: CheckedColumn, example: string, line: number): void {
    const tally = this.tallies.get(column.column);
    if (tally) tally.count++;
    else this.tallies.set(column.column, { count: 1, example: shown(example), line });
  }

  private scan(text: string, final: boolean): void {
    const rest = this.json
      ? scanJsonObjects(text, final, this.cursor, (start, end, line) => this.onJsonRecord(text.slice(start, end), line))
      : scanCsvRecords(text, this.delimiter, final, this.cursor, (fields, line) => this.onCsvRecord(fields, line));
    this.pending = text.slice(rest);
  }

  private onCsvRecord(fields: readonly string[], line: number): void {
    if (this.records++ === 0 && this.hasHeader) return;
    for (const column of this.columns) {
      const value = fields[column.ordinal as number];
      if (value !== undefined && !textParsesAs(column.type, value)) this.count(column, JSON.stringify(value), line);
    }
  }

  private onJsonRecord(text: string, line: number): void {
    let record: unknown;
    try {
      record = parseRecord(text);
    } catch {
      return; // not JSON: the service refuses the record itself
    }
    if (record === null || typeof record !== 'object' || Array.isArray(record)) return;
    const values = record as Record<string, unknown>;
    for (const column of this.columns) {
      const value = Object.hasOwn(values, column.key as string) ? values[column.key as string] : undefined;
      if (!jsonValueParsesAs(column.type, value)) this.count(column, value instanceof JsonNumberText ? value.text : JSON.stringify(value), line);
    }
  }
}

const ADVICE = 'To keep them, give such a column the type string: list the columns in destination.columns of a job file (--print-spec writes one), '
  + 'or create the table yourself with a string column and copy into it with --table-creation fail';

/** Files named one by one in warnings; past this many, in the job log only (the total counts them all). */
const FILES_WARNED = 10;

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** One file's line: each column's count, the first value and its line. */
export function unparsedFileMessage(relativePath: string, columns: readonly UnparsedColumn[]): string {
  const parts = columns.map((c) => `column ${JSON.stringify(c.column)} (${c.type}): ${plural(c.count, 'value')} ${c.count === 1 ? 'does' : 'do'} not parse as ${c.type} and landed as null (first: ${c.example} on line ${c.line})`);
  return `${relativePath}: ${parts.join('; ')}`;
}

/** Collects a job's per-file counts; warns per file, then once with the total and what to do. */
export class UnparsedValuesReport {
  private files = 0;
  private total = 0;
  private readonly columns = new Set<string>();
  private finished = false;

  constructor(private readonly log: JobLogger, private readonly warnings: string[]) {}

  add(relativePath: string, columns: readonly UnparsedColumn[] | undefined): void {
    if (!columns || columns.length === 0) return;
    this.files++;
    for (const c of columns) {
      this.total += c.count;
      this.columns.add(c.column.toLowerCase());
    }
    const message = unparsedFileMessage(relativePath, columns);
    if (this.files <= FILES_WARNED) {
      this.warnings.push(message);
      this.log.warn(message);
    } else this.log.info(message);
  }

  /** With values lost: the total and what to do, as the reason a transaction is not committed. */
  problem(): string | undefined {
    if (this.total === 0) return undefined;
    return `${plural(this.total, 'value')} in ${plural(this.columns.size, 'column')} of ${plural(this.files, 'file')} do not parse as their column's type and would land as null (destination.unparsedValues is "fail"; the files and columns are listed above). ${ADVICE}`;
  }

  /** The total, said once at the end of the run; nothing when no value was lost. */
  finish(): void {
    if (this.total === 0 || this.finished) return;
    this.finished = true;
    const where = `${plural(this.columns.size, 'column')} of ${plural(this.files, 'file')}, ${this.files <= FILES_WARNED ? 'listed above' : `the first ${FILES_WARNED} files listed above, every file in the job log`}`;
    const message = `${plural(this.total, 'value')} in total did not parse as their column's type and landed as null (${where}). `
      + ADVICE;
    this.warnings.push(message);
    this.log.warn(message);
  }
}
