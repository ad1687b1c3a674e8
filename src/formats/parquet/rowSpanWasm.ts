// The WebAssembly row parser (rowSpanWasm.c, built into dist/rowSpanWasm.wasm) driven from
// RowSpanColumnParser: it parses runs of common-shape rows into its own memory, and each run is
// appended to the JavaScript column buffers in bulk (a few copies, not a call per value). It
// stops before any row it does not take, which the exact text parser takes (rowSpanColumns.ts).
// A table with a column kind it does not handle, or no module, is not read as spans at all
// (rowWasmTakes): its rows go row by row, as for the other formats.
import type { ColumnSchema, KustoType } from '../../engine/rows';
import { type ByteArrayColumn, type ColumnBuffer, type FixedWidthColumn, fixedWidthOf } from './columnBuffers';
import { align16 as align, grownMemory, loadEngineWasm } from './engineWasm';

/** Column kinds as rowSpanWasm.c numbers them; a type not here keeps its table in JavaScript. */
const WASM_KIND: Partial<Record<KustoType, number>> = { bool: 0, int: 1, long: 2, real: 3, datetime: 4, decimal: 5, string: 6, guid: 7, dynamic: 8 };
/** Kinds from here on are the variable-length ones (string, guid, dynamic: PLAIN byte arrays). */
const FIRST_VARYING_KIND = 6;
/** rowSpanWasm.c's MAX_WIDTH. */
const MAX_WIDTH = 256;
/** Bytes of rowSpanWasm.c's Column struct (eight 32-bit fields). */
const COLUMN_STRUCT_BYTES = 32;
/** Rows per call: the output regions hold this many. */
const ROWS_PER_CALL = 8192;
/** Bytes a string column's output region holds per call (a call stops before a row that would not fit). */
const VARYING_BYTES_PER_CALL = 1 << 20;
/** Bytes of memory kept past the loaded input (rowSpanWasm.c's copyBytes reads up to 7 past a value). */
const INPUT_MARGIN = 16;
/** After a row the module did not take, the next this many rows go to the JavaScript too (more while it keeps refusing). */
const FIRST_BACKOFF_ROWS = 0;
const MAX_BACKOFF_ROWS = 4096;

interface Exports {
  memory: WebAssembly.Memory;
  __heap_base: WebAssembly.Global;
  parseRows(input: number, start: number, n: number, maxRows: number, columns: number, kinds: number, width: number): number;
  rowsEnd(): number;
  lastRowStart(): number;
}

function wasmModule(): WebAssembly.Module | null {
  return loadEngineWasm('rowSpanWasm');
}

/** Rows the WebAssembly parser has parsed on this thread (diagnostics: tests check it does the work). */
let rowsParsed = 0;

export function rowsParsedByWasm(): number {
  return rowsParsed;
}

/** Whether the WebAssembly row parser is available on this thread (tests assert it is built). */
export function rowWasmAvailable(): boolean {
  return wasmModule() !== null;
}

/**
 * Whether the WebAssembly parser takes rows of these columns (built, every column of a kind it
 * handles): only then are a response's rows parsed as spans of bytes; other tables go row by row.
 */
export function rowWasmTakes(columns: readonly ColumnSchema[]): boolean {
  return columns.length > 0 && columns.length <= MAX_WIDTH && columns.every((c) => WASM_KIND[c.type] !== undefined) && wasmModule() !== null;
}

interface ColumnRegions {
  buffer: ColumnBuffer;
  struct: number;
  defs: number;
  values: number;
  ends: number;
  width: number;
}

export class WasmRowParser {
  /** Just past the last row of the last parse (its `]`). */
  end = 0;
  /** Where the last row of the last parse starts (its `[`). */
  lastRowStart = 0;
  private readonly exports: Exports;
  private readonly columns: ColumnRegions[] = [];
  private readonly columnsAt: number;
  private readonly kindsAt: number;
  private readonly inputAt: number;
  private inputCapacity = 0;
  private bytes: Uint8Array;
  private backoff = FIRST_BACKOFF_ROWS;
  /** Rows still to leave to the JavaScript before the module is tried again. */
  skipRows = 0;

  /** A parser for these buffers' columns, or undefined when the module or one of the column kinds is not available. */
  static for(buffers: readonly ColumnBuffer[]): WasmRowParser | undefined {
    const module = wasmModule();
    if (!module || !rowWasmTakes(buffers.map((b) => b.column))) return undefined;
    try {
      return new WasmRowParser(module, buffers, buffers.map((b) => WASM_KIND[b.column.type] as number));
    } catch {
      return undefined;
    }
  }

  private constructor(module: WebAssembly.Module, buffers: readonly ColumnBuffer[], kinds: number[]) {
    this.exports = new WebAssembly.Instance(module, {}).exports as unknown as Exports;
    // Laid out after the module's own data (the powers of five among them) and stack: the column
    // structs, the kinds, each column's output regions, then the input (grown as spans need).
    let at = align(Number(this.exports.__heap_base.value));
    this.columnsAt = at;
    at = align(at + buffers.length * COLUMN_STRUCT_BYTES);
    this.kindsAt = at;
    at = align(at + buffers.length);
    buffers.forEach((buffer, c) => {
      const kind = kinds[c];
      const width = kind >= FIRST_VARYING_KIND ? 0 : fixedWidthOf(buffer.column.type);
      const defs = at;
      at = align(at + ROWS_PER_CALL);
      const ends = width === 0 ? at : 0;
      if (width === 0) at = align(at + 4 * ROWS_PER_CALL);
      const values = at;
      at = align(at + (width === 0 ? VARYING_BYTES_PER_CALL : width * ROWS_PER_CALL));
      this.columns.push({ buffer, struct: this.columnsAt + c * COLUMN_STRUCT_BYTES, defs, values, ends, width });
    });
    this.inputAt = at;
    this.bytes = this.ensureMemory(at);
    this.bytes.set(kinds, this.kindsAt);
    const words = new Uint32Array(this.exports.memory.buffer);
    for (const column of this.columns) {
      const w = column.struct >>> 2;
      words[w] = column.defs;
      words[w + 1] = column.values;
      words[w + 2] = column.ends;
      words[w + 3] = column.width === 0 ? VARYING_BYTES_PER_CALL : 0;
      words[w + 4] = 0;
      words[w + 5] = 0;
      words[w + 6] = 0;
    }
  }

  /**
   * Copies the first `length` bytes of `parts`, one after the other, into the module's memory,
   * where parse() reads them; returns them there as a Buffer (for the rows the JavaScript parses),
   * valid until the next load.
   */
  load(parts: readonly Uint8Array[], length: number): Buffer {
    if (length + INPUT_MARGIN > this.inputCapacity) {
      // The margin: the module's word copies of short strings may read a few bytes past the input.
      this.bytes = this.ensureMemory(this.inputAt + length + INPUT_MARGIN);
      this.inputCapacity = this.bytes.length - this.inputAt;
    }
    let at = 0;
    for (const part of parts) {
      if (at >= length) break;
      const take = Math.min(part.length, length - at);
      this.bytes.set(take === part.length ? part : part.subarray(0, take), this.inputAt + at);
      at += take;
    }
    return Buffer.from(this.bytes.buffer, this.inputAt, length);
  }

  /**
   * Parses common-shape rows of the loaded span from `start` (a row's `[`) up to `n`, appending
   * them to the column buffers. Returns the rows parsed (0: the row at `start` is not taken);
   * `end` and `lastRowStart` say where they stop.
   */
  parse(start: number, n: number, maxRows = Infinity): number {
    const e = this.exports;
    const words = new Uint32Array(e.memory.buffer);
    let total = 0;
    let from = start;
    for (;;) {
      for (const column of this.columns) {
        words[(column.struct >>> 2) + 4] = 0;
        words[(column.struct >>> 2) + 5] = 0;
      }
      const callRows = Math.min(ROWS_PER_CALL, maxRows - total);
      if (callRows <= 0) break;
      const rows = e.parseRows(this.inputAt, from, n, callRows, this.columnsAt, this.kindsAt, this.columns.length);
      if (rows === 0) break;
      this.appendToBuffers(rows, words);
      total += rows;
      this.end = e.rowsEnd();
      this.lastRowStart = e.lastRowStart();
      // A full call stops at a row boundary with more to come: go on after its comma.
      if (rows < callRows || this.bytes[this.inputAt + this.end] !== 0x2c || this.end + 1 >= n) break;
      from = this.end + 1;
    }
    rowsParsed += total;
    if (total === 0) {
      this.skipRows = this.backoff;
      this.backoff = Math.min(MAX_BACKOFF_ROWS, Math.max(1, this.backoff * 2));
    } else {
      this.backoff = FIRST_BACKOFF_ROWS;
      this.skipRows = 0;
    }
    return total;
  }

  private appendToBuffers(rows: number, words: Uint32Array): void {
    const bytes = this.bytes;
    for (const column of this.columns) {
      const w = column.struct >>> 2;
      const nonNull = words[w + 4];
      const defs = bytes.subarray(column.defs, column.defs + rows);
      if (column.width > 0) {
        (column.buffer as FixedWidthColumn).appendParsed(defs, bytes.subarray(column.values, column.values + nonNull * column.width), rows, nonNull);
      } else {
        const used = words[w + 5];
        const ends = new Int32Array(bytes.buffer, column.ends, rows);
        (column.buffer as ByteArrayColumn).appendParsed(defs, bytes.subarray(column.values, column.values + used), ends, rows, nonNull);
      }
    }
  }

  private ensureMemory(bytes: number): Uint8Array {
    return grownMemory(this.exports.memory, bytes);
  }
}
