// Parses a "row span": a run of v2 rows cut from a primary table's Rows array at a `],[` found by
// a plain text search (so it may have been cut inside a string). The span starts at a row's `[`
// and, when cut correctly, ends just past a row's `],`. Parsing is exact (string-aware), which is
// what makes the cheap cut safe: a wrong cut, the end of the Rows array, or a row this parser
// leaves to the caller (an error object) stops the parse at a known row boundary, and the caller
// parses on from there.
import type { KustoType, Row } from '../engine/rows';
import { FastRowParser, INCOMPLETE, parseRow, skipWhitespace } from './v2RowParser';

export type SpanStop =
  /** Every character was consumed: complete rows, the last one followed by its comma. */
  | 'complete'
  /** The Rows array closed at `end` (the `]`): what follows is the rest of the frame. */
  | 'arrayEnd'
  /** The row at `end` is not parsed here (cut by a wrong split, an error object, malformed). */
  | 'stopped';

export interface SpanParse {
  rows: number;
  /** Index into the span: past the text ('complete'), at the closing `]`, or at the row left unparsed. */
  end: number;
  stop: SpanStop;
}

const COMMA = 0x2c;
const CLOSE_BRACKET = 0x5d;

/** Parses rows from the start of `text`, handing them to `onBatch` in batches of up to `batchRows`. */
export function parseRowSpan(text: string, types: readonly KustoType[], batchRows: number, onBatch: (rows: Row[]) => void): SpanParse {
  const fast = new FastRowParser(types);
  const n = text.length;
  let batch: Row[] = [];
  let rows = 0;
  const flush = (): void => {
    if (batch.length === 0) return;
    rows += batch.length;
    onBatch(batch);
    batch = [];
  };
  let i = 0;
  // True where a row may start: at the span's start, and after a row's comma.
  let atRowStart = true;
  for (;;) {
    i = skipWhitespace(text, i);
    if (!atRowStart && i < n && text.charCodeAt(i) === COMMA) {
      i = skipWhitespace(text, i + 1);
      atRowStart = true;
    }
    if (i >= n) {
      flush();
      // Ending right after a row without its comma cannot come from a correct cut.
      return atRowStart ? { rows, end: n, stop: 'complete' } : { rows, end: n, stop: 'stopped' };
    }
    if (text.charCodeAt(i) === CLOSE_BRACKET) {
      flush();
      return { rows, end: i, stop: 'arrayEnd' };
    }
    if (!atRowStart) {
      flush();
      return { rows, end: i, stop: 'stopped' };
    }
    if (batch.length >= batchRows) flush();
    const next = fast.parseRun(text, i, batch, batchRows - batch.length);
    if (next !== i) {
      i = next;
      // parseRun stops either just past a row or, having taken `max` rows, past the comma at the next row.
      atRowStart = text.charCodeAt(i - 1) === COMMA;
      continue;
    }
    let parsed: ReturnType<typeof parseRow>;
    try {
      parsed = parseRow(text, i, types);
    } catch {
      // Malformed here: the caller parses it again and reports the error with its context.
      flush();
      return { rows, end: i, stop: 'stopped' };
    }
    if (parsed === INCOMPLETE || !parsed.row) {
      flush();
      return { rows, end: i, stop: 'stopped' };
    }
    batch.push(parsed.row);
    i = parsed.end;
    atRowStart = false;
  }
}
