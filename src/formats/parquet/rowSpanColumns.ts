// Parses a "row span" (a run of v2 rows from a primary table's Rows array, as UTF-8 bytes)
// into Parquet column buffers. Runs of common-shape rows go to the WebAssembly parser
// (rowSpanWasm.ts), which writes column values straight from the bytes; any row it does not take
// (escapes, whitespace, a value it is not sure of), and every row when the module is missing, is
// cut out by a string-aware scan and parsed exactly by parseRow (v2RowParser.ts), so both ways
// give the same column values.
//
// A span starts at a row's `[`. Where it stops tells the caller how to go on (responseReader.ts).
import type { ColumnSchema, Row } from '../../engine/rows';
import { BACKSLASH, CLOSE_BRACE, CLOSE_BRACKET, COMMA, INCOMPLETE, OPEN_BRACE, OPEN_BRACKET, QUOTE, isWhitespace, parseRow } from '../../kusto/v2RowParser';
import type { ColumnBuffer } from './columnBuffers';
import { WasmRowParser } from './rowSpanWasm';

export type SpanStop =
  /** Every byte was consumed: complete rows, the last one followed by its comma. */
  | 'complete'
  /** The Rows array closed at `end` (the `]`): what follows is the rest of the frame. */
  | 'arrayEnd'
  /** The span ends inside the row at `end` (or right after it, before its comma): it needs the bytes that follow. */
  | 'incomplete'
  /** The row at `end` is not parsed here (an error object, malformed text, a value the buffers refuse). */
  | 'stopped'
  /** The row limit was reached: `end` is the start of the next row (a file's rows end here; see maxRowsPerFile). */
  | 'full';

export interface SpanParse {
  rows: number;
  /** Byte offset into the span: past the text ('complete'), at the closing `]`, or at the row not parsed. */
  end: number;
  stop: SpanStop;
}

// endOfStringBytes and endOfNestedBytes are the byte twins of endOfString and endOfValue in
// v2RowParser.ts (which read a string's char codes): the same scans, on a Uint8Array.

/** Index just past the JSON string starting at `start` (a quote), or -1 when the bytes end first. */
function endOfStringBytes(b: Uint8Array, start: number, n: number): number {
  for (let i = start + 1; i < n; i++) {
    const c = b[i];
    if (c === QUOTE) return i + 1;
    if (c === BACKSLASH) i++;
  }
  return -1;
}

/** Index just past the array or object starting at `start`, or -1 when the bytes end first. */
function endOfNestedBytes(b: Uint8Array, start: number, n: number): number {
  let depth = 0;
  for (let i = start; i < n; i++) {
    const c = b[i];
    if (c === QUOTE) {
      const end = endOfStringBytes(b, i, n);
      if (end < 0) return -1;
      i = end - 1;
    } else if (c === OPEN_BRACKET || c === OPEN_BRACE) depth++;
    else if (c === CLOSE_BRACKET || c === CLOSE_BRACE) {
      if (--depth === 0) return i + 1;
    }
  }
  return -1;
}

/**
 * Appends rows parsed from span bytes to one row group's column buffers (one per column, in
 * order). Reusable across spans; it keeps no state between calls but the buffers it writes to.
 */
export class RowSpanColumnParser {
  private readonly types: ColumnSchema['type'][];
  /** The WebAssembly parser of common-shape rows, when built and when it takes every column's kind. */
  private readonly wasm: WasmRowParser | undefined;

  /** acceptRow: rows the JavaScript parses are appended only if it says so (else 'stopped' at, for the caller). */
  constructor(
    private readonly buffers: readonly ColumnBuffer[],
    private readonly acceptRow?: (row: Row) => boolean,
  ) {
    this.types = buffers.map((b) => b.column.type);
    this.wasm = WasmRowParser.for(buffers);
  }

  /**
   * Parses the rows of span[0, length) into the buffers. A row with a value the buffers refuse
   * (e.g. a decimal Parquet cannot hold) is 'stopped' at, like malformed text.
   */
  parse(span: Buffer, length = span.length): SpanParse {
    return this.parseParts([span], length).parse;
  }

  /**
   * parse() of the concatenation of `parts` (a row cut by the previous chunk, then the next
   * chunk): with the WebAssembly parser they are copied once, into its memory, and parsed there,
   * rather than concatenated first. `span` is the bytes that were parsed (valid until the next call).
   */
  parseParts(parts: readonly Buffer[], length: number, maxRows = Infinity): { parse: SpanParse; span: Buffer } {
    const span = this.wasm ? this.wasm.load(parts, length) : parts.length === 1 ? parts[0] : Buffer.concat(parts, length);
    return { parse: this.parseLoaded(span, length, maxRows), span };
  }

  /** The rows of span[0, length), which the WebAssembly parser (if any) has loaded. */
  private parseLoaded(span: Buffer, length: number, maxRows: number): SpanParse {
    const n = length;
    let rows = 0;
    let i = 0;
    let atRowStart = true;
    let lastRowStart = -1;
    const wasm = this.wasm;
    for (;;) {
      while (i < n && isWhitespace(span[i])) i++;
      if (!atRowStart && i < n && span[i] === COMMA) {
        i++;
        while (i < n && isWhitespace(span[i])) i++;
        atRowStart = true;
      }
      if (i >= n) {
        if (atRowStart) return { rows, end: n, stop: 'complete' };
        // Right after a row, before its comma or the array's end: that row goes with what follows.
        this.dropLastRow();
        return { rows: rows - 1, end: lastRowStart, stop: 'incomplete' };
      }
      if (span[i] === CLOSE_BRACKET) return { rows, end: i, stop: 'arrayEnd' };
      if (!atRowStart) return { rows, end: i, stop: 'stopped' };
      if (rows >= maxRows) return { rows, end: i, stop: 'full' };
      lastRowStart = i;
      if (wasm && wasm.skipRows-- <= 0) {
        // Runs of common-shape rows; the row it stops before (if any) is parsed below.
        const parsed = wasm.parse(i, n, maxRows - rows);
        if (parsed > 0) {
          rows += parsed;
          i = wasm.end;
          lastRowStart = wasm.lastRowStart;
          atRowStart = false;
          continue;
        }
      }
      const end = span[i] === OPEN_BRACKET ? endOfNestedBytes(span, i, n) : -2;
      if (end === -1) return { rows, end: i, stop: 'incomplete' };
      if (end === -2) return { rows, end: i, stop: 'stopped' };
      const row = this.exactRow(span.toString('utf8', i, end));
      if (!row || (this.acceptRow && !this.acceptRow(row)) || !this.appendRow(row)) return { rows, end: i, stop: 'stopped' };
      i = end;
      rows++;
      atRowStart = false;
    }
  }

  private exactRow(text: string): Row | undefined {
    try {
      const parsed = parseRow(text, 0, this.types);
      return parsed === INCOMPLETE || !parsed.row ? undefined : parsed.row;
    } catch {
      // Malformed: the caller parses it again and reports the error with its context.
      return undefined;
    }
  }

  /**
   * Appends a parsed row; false (nothing appended) when a buffer refuses a value: the caller
   * writes that row itself, and its writer fails with the column's message.
   */
  private appendRow(row: Row): boolean {
    let c = 0;
    try {
      for (; c < this.buffers.length; c++) this.buffers[c].append([row], c, 0, 1);
      return true;
    } catch {
      this.dropValues(c);
      return false;
    }
  }

  private dropLastRow(): void {
    this.dropValues(this.buffers.length);
  }

  private dropValues(count: number): void {
    for (let c = 0; c < count; c++) this.buffers[c].dropLast();
  }
}
