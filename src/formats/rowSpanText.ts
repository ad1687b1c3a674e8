// Turns a "row span" (a run of v2 rows from the primary table's Rows array, as UTF-8 bytes) straight
// into CSV or JSON lines bytes, without making a string or a row per value: the text formats' fast
// path (responseReader.ts feeds it chunk by chunk, as it feeds the Parquet row span parser).
//
// Only rows of the common shape are taken here: `[v1,v2,...]`, one value per column, no whitespace,
// strings without escapes or (for JSON lines) control characters, valid UTF-8, no objects or
// arrays, numbers whose text the text path would print the same way, or that are converted exactly
// as it converts them. Any other row is 'stopped' at and the caller parses it with the exact text
// parser, so the bytes written are the same as CsvWriter's / JsonLinesWriter's for the same rows
// (test/unit/formats/rowSpanText.test.ts holds them to it).
import { isUtf8 } from 'node:buffer';
import type { ColumnSchema } from '../engine/rows';
import type { SpanParse } from './parquet/rowSpanColumns';
import { WasmTextEncoder } from './rowTextWasm';

export type TextSpanFormat = 'csv' | 'json';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;
const MINUS = 0x2d;
const DOT = 0x2e;
const ZERO = 0x30;

const K_BOOL = 0;
/** int: at most 15 digits (the text path makes a double of it). */
const K_INT = 1;
/** long: any number of digits (the text path makes a bigint beyond 15). */
const K_LONG = 2;
const K_REAL = 3;
/** decimal, datetime, timespan, guid: JSON strings kept as text; null stays null. */
const K_TEXT = 4;
/** string: as K_TEXT, but a null is "" (Kusto has no null strings; the text parser says so too). */
const K_STRING = 5;
const K_DYNAMIC = 6;

function kindOf(type: ColumnSchema['type']): number {
  switch (type) {
    case 'bool': return K_BOOL;
    case 'int': return K_INT;
    case 'long': return K_LONG;
    case 'real': return K_REAL;
    case 'string': return K_STRING;
    case 'dynamic': return K_DYNAMIC;
    default: return K_TEXT;
  }
}

/** Where the output starts a new buffer once this much is in it (a write of about 1 MB). */
const OUTPUT_BYTES = 1 << 20;
/**
 * An output buffer: a write's worth and room for the rows that pass it. The output is handed on
 * once past a write's worth, after a whole chunk, and JSON lines makes about twice a chunk's bytes
 * (a 64 KB chunk: ~120 KB), so the room is a second write's worth: the buffer is not grown (and
 * copied) on the way.
 */
const BUFFER_BYTES = 2 * OUTPUT_BYTES;
/** Released buffers kept for reuse (the file stream holds at most a few writes at once). */
const SPARE_BUFFERS = 4;

/** `f` that does something only the first time it is called. */
function once(f: () => void): () => void {
  let called = false;
  return () => {
    if (called) return;
    called = true;
    f();
  };
}

/** A row cut by a chunk's end is finished from this much of the next chunk where it can. */
const HEAD_BYTES = 8192;

function isWhitespace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/**
 * Encodes rows from span bytes into CSV (no header: the writer writes it) or JSON lines. The
 * output collects in a buffer until taken (take()); a row it does not take leaves nothing behind.
 */
export class RowSpanTextEncoder {
  private readonly kinds: number[];
  /** JSON lines: `{"name":` / `,"name":` per column, as bytes. */
  private readonly prefixes: Buffer[];
  private readonly csv: boolean;
  private out: Buffer = Buffer.allocUnsafe(BUFFER_BYTES);
  /** Buffers taken and released (written out), filled again before a new one is made. */
  private readonly spare: Buffer[] = [];
  private at = 0;
  private rows = 0;
  /** Where the next backslash of the span is (-1: none), searched once per span rather than per value. */
  private backslashAt = -1;
  private readonly wasm: WasmTextEncoder | undefined;
  /** Bytes from the module, appended to the output. */
  private readonly fromWasm = (bytes: Uint8Array): void => {
    this.ensure(bytes.length);
    this.out.set(bytes, this.at);
    this.at += bytes.length;
  };

  constructor(readonly columns: readonly ColumnSchema[], format: TextSpanFormat) {
    this.kinds = columns.map((c) => kindOf(c.type));
    this.csv = format === 'csv';
    this.prefixes = columns.map((c, i) => Buffer.from(`${i === 0 ? '{' : ','}${JSON.stringify(c.name)}:`, 'utf8'));
    this.wasm = WasmTextEncoder.for(columns, this.kinds, this.prefixes, !this.csv);
  }

  /** Whether runs of rows are written by the WebAssembly module (tests check it does the work). */
  get usesWasm(): boolean {
    return this.wasm !== undefined;
  }

  /** Rows encoded into the output not taken yet. */
  get pendingRows(): number {
    return this.rows;
  }

  get pendingBytes(): number {
    return this.at;
  }

  /**
   * The output so far and its rows; the encoder goes on in another buffer (the one taken is the
   * caller's). Calling `release` once those bytes are written lets the encoder fill that buffer
   * again: a job then cycles through a few buffers instead of allocating one per megabyte, whose
   * external memory made the garbage collector run (a sixth of a JSON lines job's thread).
   */
  take(): { bytes: Buffer; rows: number; release: () => void } {
    const buffer = this.out;
    const taken = { bytes: buffer.subarray(0, this.at), rows: this.rows, release: once(() => this.recycle(buffer)) };
    this.out = this.spare.pop() ?? Buffer.allocUnsafe(BUFFER_BYTES);
    this.at = 0;
    this.rows = 0;
    return taken;
  }

  private recycle(buffer: Buffer): void {
    if (buffer.length >= BUFFER_BYTES && this.spare.length < SPARE_BUFFERS) this.spare.push(buffer);
  }

  reset(): void {
    this.at = 0;
    this.rows = 0;
  }

  /** Encodes the rows of `span` (see SpanParse for where it stops). */
  appendSpan(span: Buffer): SpanParse {
    return this.appendSpanParts([span], span.length).parse;
  }

  /**
   * appendSpan of the concatenation of `parts` (the start of a row the previous chunk ended in,
   * then the next chunk). `span` is the bytes parsed, valid until the next call.
   */
  appendSpanParts(parts: readonly Buffer[], length: number): { parse: SpanParse; span: Buffer } {
    if (this.wasm) {
      const span = this.wasm.load(parts, length);
      return { parse: this.encode(span, length, false), span };
    }
    if (parts.length === 1) return { parse: this.encode(parts[0], parts[0].length, false), span: parts[0] };
    if (parts.length === 2 && parts[0].length < HEAD_BYTES && parts[1].length > 4 * HEAD_BYTES) {
      // The row cut by the last chunk, finished from the head of this chunk alone, so that the
      // chunk is not copied whole. The span returned is then the chunk, and `end` is in it.
      const head = Buffer.concat([parts[0], parts[1].subarray(0, HEAD_BYTES)]);
      const before = this.at;
      const first = this.encode(head, head.length, true);
      if (first.rows === 1 && first.stop === 'complete' && first.end > parts[0].length) {
        const tail = this.encode(parts[1], parts[1].length, false, first.end - parts[0].length);
        return { parse: { rows: 1 + tail.rows, end: tail.end, stop: tail.stop }, span: parts[1] };
      }
      // Not one whole row there (a longer row, the array's end, a row left to the text parser): all of it, joined.
      this.at = before;
      this.rows -= first.rows;
    }
    const span = Buffer.concat(parts, length);
    return { parse: this.encode(span, length, false), span };
  }

  /** The rows of span[from, n); with `oneRow` it stops after the first row (as 'complete' when it ended with its comma). */
  private encode(span: Buffer, n: number, oneRow: boolean, from = 0): SpanParse {
    let rows = 0;
    let i = from;
    let atRowStart = true;
    let lastRowStart = -1;
    let lastRowOut = this.at;
    this.backslashAt = span.indexOf(BACKSLASH, from);
    for (;;) {
      while (i < n && isWhitespace(span[i])) i++;
      if (!atRowStart && i < n && span[i] === COMMA) {
        i++;
        while (i < n && isWhitespace(span[i])) i++;
        atRowStart = true;
        if (oneRow) return { rows, end: i, stop: 'complete' };
      }
      if (i >= n) {
        if (atRowStart) return { rows, end: n, stop: 'complete' };
        // Right after a row, before its comma or the array's end: that row goes with what follows.
        this.at = lastRowOut;
        this.rows--;
        return { rows: rows - 1, end: lastRowStart, stop: 'incomplete' };
      }
      if (span[i] === CLOSE_BRACKET) return { rows, end: i, stop: 'arrayEnd' };
      if (!atRowStart || span[i] !== OPEN_BRACKET) return { rows, end: i, stop: 'stopped' };
      lastRowStart = i;
      lastRowOut = this.at;
      if (this.wasm && !oneRow) {
        // Runs of common-shape rows; the row it stops before (if any) is written below.
        const before = this.at;
        const written = this.wasm.encode(i, n, this.fromWasm);
        if (written > 0) {
          rows += written;
          this.rows += written;
          i = this.wasm.end;
          lastRowStart = this.wasm.lastRowStart;
          lastRowOut = before + this.wasm.lastRowOutput;
          atRowStart = false;
          continue;
        }
      }
      const end = this.row(span, i, n);
      if (end < 0) {
        this.at = lastRowOut;
        return { rows, end: i, stop: end === -1 ? 'incomplete' : 'stopped' };
      }
      rows++;
      this.rows++;
      i = end;
      atRowStart = false;
    }
  }

  private ensure(bytes: number): void {
    if (this.at + bytes <= this.out.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.out.length * 2, this.at + bytes + 1024));
    this.out.copy(bigger, 0, 0, this.at);
    this.out = bigger;
  }

  private put(byte: number): void {
    this.out[this.at++] = byte;
  }

  private putAscii(text: string): void {
    this.ensure(text.length);
    this.at += this.out.write(text, this.at, 'latin1');
  }

  private copy(span: Buffer, from: number, to: number): void {
    const out = this.out;
    let at = this.at;
    if (to - from > 32) at += span.copy(out, at, from, to);
    else for (let k = from; k < to; k++) out[at++] = span[k];
    this.at = at;
  }

  /**
   * Encodes the row at `start` (its `[`); returns the index past its `]`, -1 when the bytes end
   * inside it, -2 when it is not of the common shape (the caller then drops what was written).
   */
  private row(b: Buffer, start: number, n: number): number {
    const kinds = this.kinds;
    const width = kinds.length;
    const csv = this.csv;
    let i = start + 1;
    for (let col = 0; col < width; col++) {
      if (i >= n) return -1;
      const kind = kinds[col];
      const last = col === width - 1;
      if (csv) {
        this.ensure(8);
        if (col > 0) this.put(COMMA);
      } else {
        const prefix = this.prefixes[col];
        this.ensure(prefix.length + 16);
        this.copy(prefix, 0, prefix.length);
      }
      const c = b[i];
      if (c === QUOTE) {
        if (kind !== K_TEXT && kind !== K_STRING && kind !== K_DYNAMIC) return -2;
        const j = b.indexOf(QUOTE, i + 1);
        if (j < 0 || j >= n) return -1;
        if (this.backslashAt >= 0 && this.backslashAt < i) this.backslashAt = b.indexOf(BACKSLASH, i);
        if (this.backslashAt >= 0 && this.backslashAt < j) return -2;
        if (!this.stringValue(b, i + 1, j, kind)) return -2;
        i = j + 1;
      } else if (c === 0x6e /* n */) {
        if (i + 4 > n) return -1;
        if (b[i + 1] !== 0x75 || b[i + 2] !== 0x6c || b[i + 3] !== 0x6c) return -2;
        if (kind === K_STRING) {
          this.put(QUOTE);
          this.put(QUOTE);
        } else if (!csv) this.putAscii('null');
        i += 4;
      } else if (kind === K_INT || kind === K_LONG) {
        let j = i;
        if (c === MINUS) j++;
        const digitsStart = j;
        while (j < n && b[j] >= ZERO && b[j] <= 0x39) j++;
        if (j >= n) return -1;
        const digits = j - digitsStart;
        // The text path prints the number it made: the same digits unless they have a leading zero or are "-0".
        if (digits === 0 || (b[digitsStart] === ZERO && (digits > 1 || c === MINUS))) return -2;
        if (kind === K_INT && digits > 15) return -2;
        this.ensure(j - i);
        this.copy(b, i, j);
        i = j;
      } else if (kind === K_REAL) {
        const j = this.realValue(b, i, n);
        if (j < 0) return j;
        i = j;
      } else if (kind === K_BOOL) {
        if (i + 5 > n) return -1;
        if (c === 0x74 && b[i + 1] === 0x72 && b[i + 2] === 0x75 && b[i + 3] === 0x65) {
          this.putAscii('true');
          i += 4;
        } else if (c === 0x66 && b[i + 1] === 0x61 && b[i + 2] === 0x6c && b[i + 3] === 0x73 && b[i + 4] === 0x65) {
          this.putAscii('false');
          i += 5;
        } else return -2;
      } else if (kind === K_DYNAMIC) {
        // A number or true/false: its JSON text, as the text parser keeps it.
        let j = i;
        while (j < n && b[j] !== COMMA && b[j] !== CLOSE_BRACKET) {
          const d = b[j];
          if (!((d >= ZERO && d <= 0x39) || d === MINUS || d === 0x2b || d === DOT || d === 0x65 || d === 0x45 || (d >= 0x61 && d <= 0x7a))) return -2;
          j++;
        }
        if (j >= n) return -1;
        if (j === i) return -2;
        const word = b.toString('latin1', i, j);
        if (!/^(true|false|-?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?)$/.test(word)) return -2;
        this.putAscii(word);
        i = j;
      } else return -2;
      if (i >= n) return -1;
      const sep = b[i];
      if (sep === COMMA) {
        if (last) return -2;
        i++;
      } else if (sep !== CLOSE_BRACKET || !last) return -2;
    }
    if (width === 0) return -2;
    this.ensure(2);
    if (!csv) this.put(0x7d /* } */);
    this.put(NEWLINE);
    return i + 1;
  }

  /** A string value's bytes b[from, to) (no backslash in them): false when the text path would write it otherwise. */
  private stringValue(b: Buffer, from: number, to: number, kind: number): boolean {
    let special = false;
    let high = false;
    let control = false;
    for (let k = from; k < to; k++) {
      const d = b[k];
      if (d === COMMA) special = true;
      else if (d < 0x20) {
        control = true;
        if (d === NEWLINE || d === CARRIAGE_RETURN) special = true;
      } else if (d >= 0x80) high = true;
    }
    // Invalid UTF-8 would have become U+FFFD in the text path's decoding.
    if (high && !isUtf8(b.subarray(from, to))) return false;
    const length = to - from;
    this.ensure(length + 8);
    if (this.csv) {
      if (kind === K_DYNAMIC) {
        // The dynamic value's JSON text `"..."`, as a CSV cell: quoted, its quotes doubled.
        if (control) return false;
        this.put(QUOTE);
        this.put(QUOTE);
        this.put(QUOTE);
        this.copy(b, from, to);
        this.put(QUOTE);
        this.put(QUOTE);
        this.put(QUOTE);
      } else if (length === 0 || special) {
        this.put(QUOTE);
        this.copy(b, from, to);
        this.put(QUOTE);
      } else this.copy(b, from, to);
      return true;
    }
    // JSON.stringify escapes control characters; a dynamic value's line breaks become spaces.
    if (control) return false;
    this.put(QUOTE);
    this.copy(b, from, to);
    this.put(QUOTE);
    return true;
  }

  /**
   * A real's literal at b[i..): copied where its text is the one the text path prints (String of
   * the double: at most 15 significant digits, no exponent, no trailing zeros, from 1e-6 on),
   * otherwise converted as the text path converts it. Returns the index past it, -1 or -2.
   */
  private realValue(b: Buffer, i: number, n: number): number {
    let j = i;
    let canonical = true;
    if (b[j] === MINUS) j++;
    const intStart = j;
    while (j < n && b[j] >= ZERO && b[j] <= 0x39) j++;
    const intDigits = j - intStart;
    if (intDigits === 0 || (intDigits > 1 && b[intStart] === ZERO)) canonical = false;
    let significant = intDigits === 1 && b[intStart] === ZERO ? 0 : intDigits;
    if (intDigits > 21) canonical = false;
    if (j < n && b[j] === DOT) {
      j++;
      const fracStart = j;
      while (j < n && b[j] >= ZERO && b[j] <= 0x39) j++;
      const fracDigits = j - fracStart;
      if (fracDigits === 0 || b[j - 1] === ZERO) canonical = false;
      if (significant === 0) {
        let zeros = 0;
        while (zeros < fracDigits && b[fracStart + zeros] === ZERO) zeros++;
        if (zeros >= 6) canonical = false;
        significant = fracDigits - zeros;
      } else significant += fracDigits;
    } else if (intDigits === 1 && b[intStart] === ZERO && intStart > i) canonical = false; // "-0"
    // Anything else up to the delimiter (an exponent, letters): converted, or refused.
    let k = j;
    while (k < n && b[k] !== COMMA && b[k] !== CLOSE_BRACKET) k++;
    if (k >= n) return -1;
    if (k === i) return -2;
    if (k !== j || significant > 15) canonical = false;
    if (canonical) {
      this.ensure(k - i);
      this.copy(b, i, k);
      return k;
    }
    for (let m = i; m < k; m++) {
      const d = b[m];
      if (!((d >= ZERO && d <= 0x39) || d === MINUS || d === 0x2b || d === DOT || d === 0x65 || d === 0x45)) return -2;
    }
    const value = Number(b.toString('latin1', i, k));
    if (Number.isNaN(value)) return -2;
    const text = String(value);
    if (!this.csv && !Number.isFinite(value)) this.putAscii(`"${text}"`);
    else this.putAscii(text);
    return k;
  }
}
