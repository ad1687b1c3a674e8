// Parses a "row span" (a run of v2 rows from a primary table's Rows array, as UTF-8 bytes)
// straight into Parquet column buffers: no string per response, no row objects, no string per
// value. Strings are copied as the UTF-8 they already are; numbers, datetimes and decimals are
// converted from their bytes. A row outside the common shape (escapes, whitespace, objects in
// non-dynamic columns, values the fast converters do not take) is cut out by a string-aware scan
// and parsed exactly by parseRow (v2RowParser.ts), so both ways give the same column values.
//
// A span starts at a row's `[`. Where it stops tells the caller how to go on (responseReader.ts).
import type { ColumnSchema, Row } from '../../engine/rows';
import { BACKSLASH, CLOSE_BRACE, CLOSE_BRACKET, COMMA, INCOMPLETE, OPEN_BRACE, OPEN_BRACKET, QUOTE, isWhitespace, parseRow } from '../../kusto/v2RowParser';
import { ByteArrayColumn, type ColumnBuffer, FixedWidthColumn } from './columnBuffers';
import { decimalToDouble } from './decimalToDouble';
import { quotientToDouble } from './quotientToDouble';
import { WasmRowParser } from './rowSpanWasm';

export type SpanStop =
  /** Every byte was consumed: complete rows, the last one followed by its comma. */
  | 'complete'
  /** The Rows array closed at `end` (the `]`): what follows is the rest of the frame. */
  | 'arrayEnd'
  /** The span ends inside the row at `end` (or right after it, before its comma): it needs the bytes that follow. */
  | 'incomplete'
  /** The row at `end` is not parsed here (an error object, malformed text, a value the buffers refuse). */
  | 'stopped';

export interface SpanParse {
  rows: number;
  /** Byte offset into the span: past the text ('complete'), at the closing `]`, or at the row not parsed. */
  end: number;
  stop: SpanStop;
}

const MINUS = 0x2d;
const DOT = 0x2e;

// Column kinds as small integers, so the per-value switch stays cheap.
const BOOL = 0;
const INT = 1;
const LONG = 2;
const REAL = 3;
/** datetime, timespan, decimal: converted from the value's text. */
const CONVERTED = 4;
/** string: a null arrives as "" (Kusto has no null strings). */
const STRING = 5;
/** guid: text, null stays null. */
const TEXT = 6;
/** dynamic: the value's JSON text as it is. */
const DYNAMIC = 7;

/** Largest digit count whose every value is exact in a double (< 2^53). */
const SAFE_DIGITS = 15;
const TWO_32 = 4294967296;
const INV_TWO_32 = 1 / TWO_32;
const TWO_53 = 2 ** 53;
/** While a mantissa is below this, one more digit keeps it below 2^53 (exact). */
const EXACT_BELOW_TENTH = Math.floor(2 ** 53 / 10);
/** Strings longer than this are searched natively (indexOf) rather than byte by byte. */
const SHORT_STRING = 48;
const EXACT_POWERS_OF_TEN = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];

function kindOf(type: ColumnSchema['type']): number {
  switch (type) {
    case 'bool': return BOOL;
    case 'int': return INT;
    case 'long': return LONG;
    case 'real': return REAL;
    case 'string': return STRING;
    case 'guid': return TEXT;
    case 'dynamic': return DYNAMIC;
    default: return CONVERTED;
  }
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
  private readonly kinds: number[];
  private readonly fixed: FixedWidthColumn[];
  private readonly varying: ByteArrayColumn[];
  private readonly types: ColumnSchema['type'][];
  /** Index just past the row the fast path parsed last. */
  private end = 0;
  /** Per column, the length of its last datetime, timespan or decimal text (see convertedAt). */
  private readonly lengths: Int32Array;
  /** Where the span's next backslash is at or after the last long string (found once, not per string). */
  private backslashAt = -1;
  /** The WebAssembly parser of common-shape rows, when built and when it takes every column's kind. */
  private readonly wasm: WasmRowParser | undefined;

  constructor(private readonly buffers: readonly ColumnBuffer[]) {
    this.types = buffers.map((b) => b.column.type);
    this.kinds = this.types.map(kindOf);
    this.lengths = new Int32Array(buffers.length);
    // Typed views of the same buffers keep each call site below to one class.
    this.fixed = buffers.map((b) => (b instanceof FixedWidthColumn ? b : (undefined as unknown as FixedWidthColumn)));
    this.varying = buffers.map((b) => (b instanceof ByteArrayColumn ? b : (undefined as unknown as ByteArrayColumn)));
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
  parseParts(parts: readonly Buffer[], length: number): { parse: SpanParse; span: Buffer } {
    const span = this.wasm ? this.wasm.load(parts, length) : parts.length === 1 ? parts[0] : Buffer.concat(parts, length);
    return { parse: this.parseLoaded(span, length), span };
  }

  /** The rows of span[0, length), which the WebAssembly parser (if any) has loaded. */
  private parseLoaded(span: Buffer, length: number): SpanParse {
    const n = length;
    let rows = 0;
    let i = 0;
    let atRowStart = true;
    let lastRowStart = -1;
    this.backslashAt = -1;
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
      lastRowStart = i;
      if (wasm && wasm.skipRows-- <= 0) {
        // Runs of common-shape rows; the row it stops before (if any) is parsed below.
        const parsed = wasm.parse(i, n);
        if (parsed > 0) {
          rows += parsed;
          i = wasm.end;
          lastRowStart = wasm.lastRowStart;
          atRowStart = false;
          continue;
        }
      }
      if (this.fastRow(span, i, n)) {
        i = this.end;
      } else {
        const end = span[i] === OPEN_BRACKET ? endOfNestedBytes(span, i, n) : -2;
        if (end === -1) return { rows, end: i, stop: 'incomplete' };
        if (end === -2) return { rows, end: i, stop: 'stopped' };
        const row = this.exactRow(span.toString('utf8', i, end));
        if (!row || !this.appendRow(row)) return { rows, end: i, stop: 'stopped' };
        i = end;
      }
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

  /**
   * The common shape of a row: `[v1,v2,...]`, one value per column, no whitespace, strings without
   * escapes, integers of at most 15 digits (longs of any length), datetimes, timespans and
   * decimals the fast converters take. Appends it and returns true, or appends nothing and
   * returns false (the row is then parsed exactly).
   */
  private fastRow(b: Buffer, start: number, n: number): boolean {
    const kinds = this.kinds;
    const width = kinds.length;
    if (width === 0 || b[start] !== OPEN_BRACKET) return false;
    let i = start + 1;
    /** appendShortString's answer: past the string, -1 (an escape, or the bytes end), -2 (longer than a short string). */
    let j0 = -2;
    for (let col = 0; col < width; col++) {
      if (i >= n) return this.fail(col);
      const c = b[i];
      j0 = -2;
      const kind = kinds[col];
      if (c === 0x6e /* n */) {
        if (i + 3 >= n || b[i + 1] !== 0x75 || b[i + 2] !== 0x6c || b[i + 3] !== 0x6c) return this.fail(col);
        if (kind === STRING) this.varying[col].appendUtf8(b, i, i);
        else if (kind >= STRING) this.varying[col].appendNull();
        else this.fixed[col].appendNull();
        i += 4;
      } else if (c === QUOTE && kind === CONVERTED && this.convertedAt(b, i, n, col)) {
        i = this.end;
      } else if (c === QUOTE && (kind === STRING || kind === TEXT) && (j0 = this.varying[col].appendShortString(b, i, n, SHORT_STRING)) >= 0) {
        i = j0;
      } else if (c === QUOTE && j0 === -1) {
        return this.fail(col);
      } else if (c === QUOTE) {
        if (kind < CONVERTED) return this.fail(col);
        // The closing quote, or a backslash (an escape: the exact parser decodes it).
        let j = i + 1;
        const shortEnd = Math.min(n, j + SHORT_STRING);
        while (j < shortEnd && b[j] !== QUOTE && b[j] !== BACKSLASH) j++;
        if (j === shortEnd) {
          j = b.indexOf(QUOTE, j);
          if (j < 0 || j >= n) return this.fail(col);
          if (this.backslashAt <= i) {
            const at = b.indexOf(BACKSLASH, i + 1);
            this.backslashAt = at < 0 ? Number.MAX_SAFE_INTEGER : at;
          }
          if (this.backslashAt < j) return this.fail(col);
        } else if (b[j] === BACKSLASH) return this.fail(col);
        if (kind === CONVERTED) {
          if (!this.fixed[col].appendTextBytes(b, i + 1, j)) return this.fail(col);
          this.lengths[col] = j - i - 1;
        } else if (kind === DYNAMIC) this.varying[col].appendUtf8(b, i, j + 1);
        else this.varying[col].appendUtf8(b, i + 1, j);
        i = j + 1;
      } else if (kind === INT || kind === LONG) {
        let j = i;
        const negative = c === MINUS;
        if (negative) j++;
        let value = 0;
        const digitsStart = j;
        for (; j < n; j++) {
          const d = b[j] - 48;
          if (d < 0 || d > 9) break;
          value = value * 10 + d;
        }
        const digits = j - digitsStart;
        if (digits === 0 || j >= n) return this.fail(col);
        if (digits > SAFE_DIGITS) {
          if (kind !== LONG || (b[j] !== COMMA && b[j] !== CLOSE_BRACKET)) return this.fail(col);
          this.fixed[col].appendBigLong(BigInt(b.toString('latin1', i, j)));
        } else if (kind === LONG) this.fixed[col].appendSafeLong(negative ? -value : value);
        else this.fixed[col].appendInt(negative ? -value : value);
        i = j;
      } else if (kind === REAL) {
        const j = this.appendReal(b, i, n, col, col === width - 1);
        if (j < 0) return this.fail(col);
        i = j;
      } else if (kind === BOOL) {
        if (c === 0x74 /* t */ && i + 3 < n && b[i + 1] === 0x72 && b[i + 2] === 0x75 && b[i + 3] === 0x65) {
          this.fixed[col].appendBool(true);
          i += 4;
        } else if (c === 0x66 /* f */ && i + 4 < n && b[i + 1] === 0x61 && b[i + 2] === 0x6c && b[i + 3] === 0x73 && b[i + 4] === 0x65) {
          this.fixed[col].appendBool(false);
          i += 5;
        } else return this.fail(col);
      } else if (kind === CONVERTED && (c === MINUS || (c >= 0x30 && c <= 0x39))) {
        // A decimal sent as a JSON number: its text, up to the delimiter.
        let j = i + 1;
        while (j < n && b[j] !== COMMA && b[j] !== CLOSE_BRACKET) j++;
        if (j >= n || this.types[col] !== 'decimal' || !this.fixed[col].appendTextBytes(b, i, j)) return this.fail(col);
        i = j;
      } else if (kind === DYNAMIC && (c === OPEN_BRACE || c === OPEN_BRACKET)) {
        const j = endOfNestedBytes(b, i, n);
        if (j < 0) return this.fail(col);
        this.varying[col].appendUtf8(b, i, j);
        i = j;
      } else return this.fail(col);
      // The delimiter: a comma between values, the closing bracket after the last one.
      if (i >= n) return this.fail(col + 1);
      const sep = b[i];
      if (sep === COMMA && col < width - 1) i++;
      else if (sep !== CLOSE_BRACKET || col !== width - 1) return this.fail(col + 1);
    }
    this.end = i + 1;
    return true;
  }

  /**
   * A datetime, timespan or decimal string at b[i] of the length the column's last one had (they
   * mostly share one): the closing quote is checked where it would be, not searched for. Safe
   * because the converters refuse quotes and backslashes: if they take the text, it holds none, so
   * that quote is the string's end. Sets `end` past it; false when the guess does not hold.
   */
  private convertedAt(b: Uint8Array, i: number, n: number, col: number): boolean {
    const close = i + 1 + this.lengths[col];
    if (close >= n || b[close] !== QUOTE || !this.fixed[col].appendTextBytes(b, i + 1, close)) return false;
    this.end = close + 1;
    return true;
  }

  /** Takes back the values appended for the row so far; the row is parsed exactly instead. */
  private fail(appended: number): false {
    this.dropValues(appended);
    return false;
  }

  /**
   * Appends the real at b[i..] to column `col` and returns the index of its delimiter, or -1.
   * Converted from its digits, exactly as Number() would: up to 2^53 with a power of ten up to
   * 10^22 by one correctly rounded operation on exact doubles; up to 7 digits more (doubles print
   * up to 17) with a fraction by quotientToDouble; otherwise, up to 19 digits, by decimalToDouble.
   * What none of them is sure of goes through Number on the value's text.
   */
  private appendReal(b: Buffer, i: number, n: number, col: number, last: boolean): number {
    const delimiter = last ? CLOSE_BRACKET : COMMA;
    let j = i;
    const negative = b[j] === MINUS;
    if (negative) j++;
    // The digits: in one double while exact (below 2^53), the rest (up to 7) in a second; leading
    // zeros leave w at 0. The whole part, then (once, past the dot) the fraction, in a tight loop.
    let w = 0;
    let tail = 0;
    let tailDigits = 0;
    const numberFrom = j;
    let fractionFrom = -1;
    for (;;) {
      for (; j < n; j++) {
        const d = b[j] - 48;
        if (d < 0 || d > 9) break;
        if (w < EXACT_BELOW_TENTH) w = w * 10 + d;
        else {
          tail = tail * 10 + d;
          tailDigits++;
        }
      }
      if (fractionFrom >= 0 || j >= n || b[j] !== DOT) break;
      fractionFrom = ++j;
    }
    const fraction = fractionFrom < 0 ? 0 : j - fractionFrom;
    const digits = j - numberFrom - (fractionFrom < 0 ? 0 : 1);
    let q = -fraction;
    if (j < n && (b[j] === 0x65 /* e */ || b[j] === 0x45 /* E */)) {
      j++;
      const negativeExponent = b[j] === MINUS;
      if (negativeExponent || b[j] === 0x2b /* + */) j++;
      let exponent = 0;
      const exponentStart = j;
      for (; j < n && j - exponentStart < 6; j++) {
        const d = b[j] - 48;
        if (d < 0 || d > 9) break;
        exponent = exponent * 10 + d;
      }
      if (j === exponentStart) return -1;
      q += negativeExponent ? -exponent : exponent;
    }
    if (j >= n || b[j] !== delimiter || digits === 0 || tailDigits > 7) return this.appendRealText(b, i, j, n, col, delimiter);
    let value = NaN;
    if (tailDigits > 0) {
      // Still below 2^53 with the tail (monotonic rounding: if the rounded sum is, the exact one is).
      const whole = w * EXACT_POWERS_OF_TEN[tailDigits] + tail;
      if (whole < TWO_53) {
        w = whole;
        tailDigits = 0;
      }
    }
    if (tailDigits === 0 && q >= -22 && q <= 22) value = q < 0 ? w / EXACT_POWERS_OF_TEN[-q] : w * EXACT_POWERS_OF_TEN[q];
    else if (tailDigits > 0 && q < 0 && q >= -22) value = quotientToDouble(w, EXACT_POWERS_OF_TEN[tailDigits], tail, EXACT_POWERS_OF_TEN[-q]);
    // What those do not take, or are not sure of: Eisel-Lemire, up to 19 digits.
    if (Number.isNaN(value) && digitCount(w) + tailDigits <= 19) value = this.viaEiselLemire(w, tailDigits, tail, q);
    if (Number.isNaN(value)) return this.appendRealText(b, i, j, n, col, delimiter);
    this.fixed[col].appendDouble(negative ? -value : value);
    return j;
  }

  /** w · 10^tailDigits + tail (below 2^64: at most 19 digits) times 10^q, by decimalToDouble. */
  private viaEiselLemire(w: number, tailDigits: number, tail: number, q: number): number {
    // As two 32-bit halves, one digit at a time so every product stays exact (below 2^53).
    let high = Math.floor(w * INV_TWO_32);
    let low = w - high * TWO_32;
    for (let k = 0; k <= tailDigits; k++) {
      low = k < tailDigits ? low * 10 : low + tail;
      const carry = Math.floor(low * INV_TWO_32);
      low -= carry * TWO_32;
      high = (k < tailDigits ? high * 10 : high) + carry;
    }
    return decimalToDouble(high, low, q, false);
  }

  /** The real at b[i..] through Number on its text (the rest of a number's characters, then the delimiter), or -1. */
  private appendRealText(b: Buffer, i: number, from: number, n: number, col: number, delimiter: number): number {
    let j = from;
    while (j < n && isNumberChar(b[j])) j++;
    if (j >= n || b[j] !== delimiter) return -1;
    const value = Number(b.toString('latin1', i, j));
    if (Number.isNaN(value)) return -1;
    this.fixed[col].appendDouble(value);
    return j;
  }
}

/** Decimal digits of a whole number below 2^53 (0 has none: leading zeros are not significant). */
function digitCount(w: number): number {
  let count = 0;
  for (let v = w; v >= 1; v = Math.floor(v / 10)) count++;
  return count;
}

/** Characters of a JSON number. */
function isNumberChar(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || c === DOT || c === MINUS || c === 0x2b /* + */ || c === 0x65 /* e */ || c === 0x45 /* E */;
}
