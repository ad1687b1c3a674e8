// An incremental parser for the body of POST /v2/rest/query: one JSON array of frames, fed in
// chunks cut anywhere. Frames are small except the rows, so the frame "envelope" (every key but
// Rows) is collected as text and parsed with JSON.parse, while each row is parsed as soon as it is
// complete (v2RowParser) and handed out in batches. Memory holds one batch plus one partial row,
// whether the server sends TableFragments (progressive) or one huge DataTable.
import type { ColumnSchema, KustoType, Row } from '../engine/rows';
import { type OneApiError, KustoError, kustoErrorFromOneApi } from './kustoError';
import { FastRowParser, INCOMPLETE, RowSyntaxError, endOfValue, parseRow, skipWhitespace } from './v2RowParser';

export type V2Event =
  /** A primary result starts (a DataTable, or a TableHeader in progressive mode). */
  | { kind: 'table'; tableId: number; name: string; columns: ColumnSchema[] }
  | { kind: 'rows'; tableId: number; rows: Row[] }
  /** A DataReplace fragment: rows given so far for this table are void; the new ones follow. */
  | { kind: 'replace'; tableId: number }
  | { kind: 'progress'; tableId: number; percent: number }
  | { kind: 'tableEnd'; tableId: number; rowCount?: number }
  | { kind: 'done'; cancelled: boolean };

/** How parsing goes on from the text given back by `resumeRows`. */
export type ResumeRows =
  /** The rows ended there (at the Rows array's `]`). */
  | 'arrayEnd'
  /** The row there is parsed here, then rows are left to the span reader again. */
  | 'parseOneRow'
  /** Every row in the text is parsed here, then rows are left to the span reader again. */
  | 'parseAvailable'
  /** Everything is parsed here from now on (no more spans for this response). */
  | 'parseAll';

interface RawColumn {
  ColumnName?: string;
  ColumnType?: string;
  DataType?: string;
}

interface FrameEnvelope {
  FrameType?: string;
  TableId?: number;
  TableKind?: string;
  TableName?: string;
  Columns?: RawColumn[];
  TableFragmentType?: string;
  TableProgress?: number;
  RowCount?: number;
  HasErrors?: boolean;
  Cancelled?: boolean;
  OneApiErrors?: OneApiError[];
}

interface TableState {
  id: number;
  primary: boolean;
  types: KustoType[];
  /** Parses the common shape of a row without intermediate strings; parseRow takes the rest. */
  fast: FastRowParser;
  /** A primary table whose rows are left to a span reader (see leaveRowsToSpans and spansTake). */
  spans: boolean;
  columns: ColumnSchema[];
  name: string;
  /** QueryCompletionInformation rows are kept (few) to surface errors the service reports there. */
  keepRows: boolean;
  kept: Row[];
}

const TYPE_ALIASES: Record<string, KustoType> = {
  bool: 'bool', boolean: 'bool', int: 'int', int32: 'int', long: 'long', int64: 'long', real: 'real', double: 'real', float: 'real',
  decimal: 'decimal', string: 'string', datetime: 'datetime', date: 'datetime', timespan: 'timespan', time: 'timespan',
  guid: 'guid', uniqueid: 'guid', dynamic: 'dynamic', object: 'dynamic', sbyte: 'bool',
};

export function kustoTypeOf(columnType: string | undefined): KustoType {
  const type = TYPE_ALIASES[(columnType ?? '').toLowerCase().replace(/^system\./, '')];
  if (!type) throw new KustoError({ code: 'UnsupportedColumnType', message: `the result has a column of unknown type "${columnType}"` });
  return type;
}

type Mode = 'outside' | 'array' | 'frame' | 'rows' | 'finished';

export class V2ResponseParser {
  private text = '';
  private pos = 0;
  private mode: Mode = 'outside';
  /** Envelope text of the frame being read, excluding already-consumed rows. */
  private frameParts: string[] = [];
  private frameSegmentStart = 0;
  private frameDepth = 0;
  private frameInString = false;
  private frameEscaped = false;
  private lastStringStart = -1;
  private lastStringText = '';
  private currentKey: string | undefined;
  /** The row at `pos` did not fit in the text so far. */
  private rowCutByChunk = false;
  private rowsTable: TableState | undefined;
  private readonly tables = new Map<number, TableState>();
  private batch: Row[] = [];
  private events: V2Event[] = [];
  private sawCompletion = false;
  /** Primary rows are left to a span reader: parsing stops at the start of such a row. */
  private spans = false;
  /** Rows to parse here before stopping for the span reader again. */
  private sequentialRows = 0;

  // Small batches keep few rows alive at each young-generation GC, which copies every live one;
  // 1000 rows measured faster than 5000 for 1 M rows to Parquet, and the per-batch cost is an await.
  constructor(private readonly batchRows = 1000) {}

  /**
   * From the next primary row on, parsing stops at each row of the primary table (`atPrimaryRow`),
   * so that a span reader (responseReader.ts) takes the rows from there and gives back what it leaves.
   */
  set leaveRowsToSpans(on: boolean) {
    this.spans = on;
  }

  /** Which primary tables (by their columns) the span reader takes; the rows of the others are parsed here. */
  spansTake: (columns: readonly ColumnSchema[]) => boolean = () => true;

  /** Parsing stopped at the start of a row of the primary table, for the span reader. */
  get atPrimaryRow(): boolean {
    return this.spans && this.mode === 'rows' && this.rowsTable?.spans === true && !this.rowCutByChunk && this.sequentialRows === 0;
  }

  /** The table whose rows parsing stopped at (see atPrimaryRow). */
  get primaryRowsTable(): { id: number; columns: ColumnSchema[] } | undefined {
    return this.rowsTable?.primary ? { id: this.rowsTable.id, columns: this.rowsTable.columns } : undefined;
  }

  /** The text not parsed yet (from the row where parsing stopped); the parser then holds none. */
  takeUnparsed(): string {
    const rest = this.text.slice(this.pos);
    this.text = '';
    this.pos = 0;
    return rest;
  }

  /**
   * Parsing goes on from the start of `text`, which is where the span reader stopped inside the
   * rows of the table it was given (what the parser would have read next).
   */
  resumeRows(text: string, how: ResumeRows): V2Event[] {
    if (how === 'parseAll') this.spans = false;
    if (how === 'parseOneRow') this.sequentialRows = 1;
    if (how === 'parseAvailable') this.sequentialRows = Number.MAX_SAFE_INTEGER;
    this.text = text;
    this.pos = 0;
    this.frameSegmentStart = 0;
    this.lastStringStart = -1;
    this.scan();
    if (how === 'parseAvailable') {
      this.sequentialRows = 0;
      // Rows parsed here go before the next span's.
      if (this.rowsTable?.primary) this.flush(this.rowsTable.id);
    }
    return this.take();
  }

  /** Feeds decoded text; returns the events it completed. Throws KustoError for errors in the stream. */
  push(chunk: string): V2Event[] {
    // Keep the unconsumed tail: a partial row, or the envelope of the frame being read.
    const keepFrom = this.mode === 'frame' ? Math.min(this.pos, this.frameSegmentStart) : this.pos;
    this.text = keepFrom < this.text.length ? this.text.slice(keepFrom) + chunk : chunk;
    this.pos -= keepFrom;
    this.frameSegmentStart = Math.max(0, this.frameSegmentStart - keepFrom);
    this.lastStringStart -= keepFrom;
    this.scan();
    return this.take();
  }

  /** Call at the end of the body; throws when the body was cut short. */
  end(): V2Event[] {
    if (this.mode !== 'finished') {
      throw new KustoError({ code: 'ResponseTruncated', message: 'the query response ended before it was complete (connection closed mid-way?)' });
    }
    if (!this.sawCompletion) throw new KustoError({ code: 'ResponseTruncated', message: 'the query response has no DataSetCompletion frame' });
    return this.take();
  }

  private take(): V2Event[] {
    const out = this.events;
    this.events = [];
    return out;
  }

  private scan(): void {
    const s = this.text;
    while (this.pos < s.length) {
      switch (this.mode) {
        case 'outside': {
          const i = skipWhitespace(s, this.pos);
          if (i >= s.length) {
            this.pos = i;
            return;
          }
          if (s[i] !== '[') throw new RowSyntaxError(`the response must be a JSON array of frames, found "${s.slice(i, i + 40)}"`, i);
          this.pos = i + 1;
          this.mode = 'array';
          break;
        }
        case 'array': {
          let i = skipWhitespace(s, this.pos);
          while (i < s.length && (s[i] === ',' || s[i] === ' ' || s[i] === '\n' || s[i] === '\r' || s[i] === '\t')) i++;
          if (i >= s.length) {
            this.pos = i;
            return;
          }
          if (s[i] === ']') {
            this.pos = s.length;
            this.mode = 'finished';
            return;
          }
          if (s[i] !== '{') throw new RowSyntaxError(`a frame must be an object, found "${s[i]}"`, i);
          this.mode = 'frame';
          this.frameParts = [];
          this.frameSegmentStart = i;
          this.frameDepth = 1;
          this.frameInString = false;
          this.frameEscaped = false;
          this.currentKey = undefined;
          this.pos = i + 1;
          break;
        }
        case 'frame':
          this.scanEnvelope(s);
          break;
        case 'rows':
          this.scanRows(s);
          if (this.mode === 'rows') return;
          break;
        case 'finished':
          this.pos = s.length;
          return;
      }
    }
  }

  /** Walks the frame's envelope, watching for the key "Rows" at the frame's top level. */
  private scanEnvelope(s: string): void {
    let i = this.pos;
    for (; i < s.length; i++) {
      const c = s[i];
      if (this.frameInString) {
        if (this.frameEscaped) this.frameEscaped = false;
        else if (c === '\\') this.frameEscaped = true;
        else if (c === '"') {
          this.frameInString = false;
          if (this.frameDepth === 1 && this.lastStringStart >= 0) this.lastStringText = s.slice(this.lastStringStart + 1, i);
        }
        continue;
      }
      switch (c) {
        case '"':
          this.frameInString = true;
          this.lastStringStart = i;
          this.lastStringText = '';
          break;
        case ':':
          if (this.frameDepth === 1) this.currentKey = this.lastStringText;
          break;
        case ',':
          if (this.frameDepth === 1) this.currentKey = undefined;
          break;
        case '{':
        case '[':
          if (c === '[' && this.frameDepth === 1 && this.currentKey === 'Rows') {
            this.frameParts.push(s.slice(this.frameSegmentStart, i + 1));
            this.pos = i + 1;
            this.startRows();
            return;
          }
          this.frameDepth++;
          break;
        case '}':
        case ']':
          this.frameDepth--;
          if (this.frameDepth === 0) {
            this.frameParts.push(s.slice(this.frameSegmentStart, i + 1));
            this.pos = i + 1;
            this.mode = 'array';
            this.finishFrame(this.frameParts.join(''));
            this.frameParts = [];
            return;
          }
          break;
      }
    }
    this.pos = i;
  }

  private startRows(): void {
    this.mode = 'rows';
    // The envelope so far, closed off, tells which table the rows belong to (Columns precede Rows).
    const head = parseEnvelope(this.frameParts.join('') + ']}');
    this.rowsTable = this.tableForRows(head);
  }

  private scanRows(s: string): void {
    const table = this.rowsTable as TableState;
    let i = this.pos;
    for (;;) {
      i = skipWhitespace(s, i);
      if (i < s.length && s[i] === ',') i = skipWhitespace(s, i + 1);
      if (i >= s.length) break;
      if (s[i] === ']') {
        this.frameSegmentStart = i;
        this.pos = i + 1;
        this.mode = 'frame';
        this.frameDepth = 1;
        this.currentKey = undefined;
        return;
      }
      // A row cut by the chunk boundary: find its end first (resumably) so a huge value is scanned once.
      if (this.rowCutByChunk) {
        if (endOfValue(s, i) === INCOMPLETE) break;
        this.rowCutByChunk = false;
      } else if (this.spans && table.spans && this.sequentialRows === 0) {
        // The span reader takes the rows from here; rows parsed here so far go first.
        this.flush(table.id);
        break;
      } else if (table.primary && this.sequentialRows === 0) {
        // Rows of the common shape, many per call: the per-row overhead is a large share of the cost.
        const next = table.fast.parseRun(s, i, this.batch, this.batchRows - this.batch.length);
        if (this.batch.length >= this.batchRows) this.flush(table.id);
        if (next !== i) {
          i = next;
          continue;
        }
      } else {
        const row = table.fast.parse(s, i);
        if (row) {
          i = table.fast.end;
          if (this.sequentialRows > 0) this.sequentialRows--;
          this.onRow(table, row);
          continue;
        }
      }
      const parsed = parseRow(s, i, table.types);
      if (parsed === INCOMPLETE) {
        this.rowCutByChunk = true;
        break;
      }
      i = parsed.end;
      if (this.sequentialRows > 0) this.sequentialRows--;
      if (parsed.objectText !== undefined) this.onRowObject(parsed.objectText);
      else if (parsed.row) this.onRow(table, parsed.row);
    }
    this.pos = i;
    // The text ended right after a row parsed here, and the span reader goes on from there: that
    // row goes first (in the batch it would wait behind the rows of the spans after it).
    if (this.spans && table.spans && this.sequentialRows === 0 && !this.rowCutByChunk) this.flush(table.id);
  }

  private onRow(table: TableState, row: Row): void {
    if (table.primary) {
      this.batch.push(row);
      if (this.batch.length >= this.batchRows) this.flush(table.id);
    } else if (table.keepRows && table.kept.length < 1000) table.kept.push(row);
  }

  private onRowObject(text: string): void {
    const value = JSON.parse(text) as { OneApiErrors?: OneApiError[] };
    if (Array.isArray(value.OneApiErrors)) throw kustoErrorFromOneApi(value.OneApiErrors);
    throw new RowSyntaxError(`unexpected object row ${text.slice(0, 200)}`, 0);
  }

  private flush(tableId: number): void {
    if (this.batch.length === 0) return;
    this.events.push({ kind: 'rows', tableId, rows: this.batch });
    this.batch = [];
  }

  private tableForRows(head: FrameEnvelope): TableState {
    if (head.FrameType === 'DataTable') return this.registerTable(head);
    if (head.FrameType === 'TableFragment') {
      const table = this.tables.get(head.TableId ?? -1);
      if (!table) throw new RowSyntaxError(`TableFragment for unknown table ${head.TableId}`, 0);
      if (head.TableFragmentType === 'DataReplace' && table.primary) {
        this.flush(table.id);
        this.events.push({ kind: 'replace', tableId: table.id });
      }
      return table;
    }
    throw new RowSyntaxError(`unexpected Rows in a ${head.FrameType} frame`, 0);
  }

  private registerTable(head: FrameEnvelope): TableState {
    const id = head.TableId ?? this.tables.size;
    const rawColumns = head.Columns ?? [];
    const columns = rawColumns.map((c) => ({ name: c.ColumnName ?? '', type: kustoTypeOf(c.ColumnType ?? c.DataType) }));
    const primary = head.TableKind === 'PrimaryResult';
    const table: TableState = {
      id,
      primary,
      columns,
      types: columns.map((c) => c.type),
      fast: new FastRowParser(columns.map((c) => c.type)),
      spans: primary && this.spansTake(columns),
      name: head.TableName ?? '',
      keepRows: head.TableKind === 'QueryCompletionInformation',
      kept: [],
    };
    this.tables.set(id, table);
    if (primary) this.events.push({ kind: 'table', tableId: id, name: table.name, columns });
    return table;
  }

  private finishFrame(text: string): void {
    const frame = parseEnvelope(text);
    switch (frame.FrameType) {
      case 'DataTable': {
        // A DataTable without a Rows key never passed through startRows.
        const table = this.rowsTable ?? this.registerTable(frame);
        this.rowsTable = undefined;
        if (table.primary) {
          this.flush(table.id);
          this.events.push({ kind: 'tableEnd', tableId: table.id });
        } else if (table.keepRows) this.checkCompletionInformation(table);
        break;
      }
      case 'TableHeader':
        this.registerTable(frame);
        break;
      case 'TableFragment': {
        const table = this.rowsTable;
        this.rowsTable = undefined;
        if (table?.primary) this.flush(table.id);
        break;
      }
      case 'TableProgress':
        if (this.tables.get(frame.TableId ?? -1)?.primary) this.events.push({ kind: 'progress', tableId: frame.TableId ?? 0, percent: frame.TableProgress ?? 0 });
        break;
      case 'TableCompletion': {
        const table = this.tables.get(frame.TableId ?? -1);
        if (table?.primary) {
          this.flush(table.id);
          this.events.push({ kind: 'tableEnd', tableId: table.id, rowCount: frame.RowCount });
        }
        if (Array.isArray(frame.OneApiErrors) && frame.OneApiErrors.length > 0) throw kustoErrorFromOneApi(frame.OneApiErrors);
        break;
      }
      case 'DataSetCompletion':
        this.sawCompletion = true;
        if (frame.HasErrors) {
          throw Array.isArray(frame.OneApiErrors) && frame.OneApiErrors.length > 0
            ? kustoErrorFromOneApi(frame.OneApiErrors)
            : new KustoError({ code: 'QueryFailed', message: 'the query reported errors (DataSetCompletion HasErrors) without details' });
        }
        this.events.push({ kind: 'done', cancelled: frame.Cancelled === true });
        break;
      default:
        // DataSetHeader and frame types added later carry nothing the copy needs.
        break;
    }
  }

  /** The SDK treats QueryCompletionInformation rows with Level <= 2 (Error, Critical) as a failed query. */
  private checkCompletionInformation(table: TableState): void {
    const level = table.columns.findIndex((c) => c.name === 'Level');
    const payload = table.columns.findIndex((c) => c.name === 'Payload');
    const code = table.columns.findIndex((c) => c.name === 'StatusCodeName');
    for (const row of table.kept) {
      const value = row[level];
      if (level >= 0 && typeof value === 'number' && value <= 2) {
        const text = payload >= 0 && typeof row[payload] === 'string' ? (row[payload] as string) : '';
        let message = text;
        try {
          const parsed = JSON.parse(text) as { error?: OneApiError };
          if (parsed.error) throw kustoErrorFromOneApi([parsed.error]);
        } catch (err) {
          if (err instanceof KustoError) throw err;
          message = text || 'the query failed';
        }
        throw new KustoError({ code: code >= 0 ? String(row[code]) : 'QueryFailed', message });
      }
    }
  }
}

function parseEnvelope(text: string): FrameEnvelope {
  try {
    return JSON.parse(text) as FrameEnvelope;
  } catch (err) {
    throw new RowSyntaxError(`a frame is not valid JSON (${(err as Error).message}): ${text.slice(0, 200)}`, 0);
  }
}
