// The WebAssembly writer of CSV / JSON lines rows (parquet/rowTextWasm.c) as rowSpanText.ts uses
// it: the span is copied into the module's memory once, runs of common-shape rows are written
// there, and their bytes are copied out. A row it does not take is left to rowSpanText.ts.
import type { ColumnSchema } from '../engine/rows';
import { align16 as align, grownMemory, loadEngineWasm } from './parquet/engineWasm';
import { shortestRealTables } from './parquet/shortestRealTables';

interface Exports {
  memory: WebAssembly.Memory;
  __heap_base: WebAssembly.Global;
  encodeRows(input: number, start: number, n: number, out: number, capacity: number, kinds: number, width: number, json: number, prefixes: number, prefixEnds: number): number;
  rowsEnd(): number;
  lastRowStart(): number;
  outputEnd(): number;
  lastRowOutput(): number;
  setShortestRealTables(inverses: number, powers: number): void;
  printReals(values: number, count: number, out: number): number;
  shortestChecked(): number;
}

/** The printer's Ryū tables copied in from `at` (the parser's powers of five are compiled in: powersOfFive.h): where the free memory starts after them. */
function installTables(exports: Exports, at: number): number {
  const { inverses, powers: ryuPowers } = shortestRealTables();
  const placed = [inverses, ryuPowers].map((table) => {
    const tableAt = at;
    at = align(at + table.byteLength);
    return { table, tableAt };
  });
  const bytes = grownMemory(exports.memory, at);
  for (const { table, tableAt } of placed) bytes.set(new Uint8Array(table.buffer, table.byteOffset, table.byteLength), tableAt);
  exports.setShortestRealTables(placed[0].tableAt, placed[1].tableAt);
  return at;
}

/**
 * The module's real printer on its own (the unit tests hold it to String): each value's text as
 * the row writer prints it. Undefined without the module.
 */
export function wasmRealPrinter(): ((values: Float64Array) => string[]) | undefined {
  const module = loadEngineWasm('rowTextWasm');
  if (!module) return undefined;
  const exports = new WebAssembly.Instance(module, {}).exports as unknown as Exports;
  const valuesAt = installTables(exports, align(Number(exports.__heap_base.value)));
  let capacity = 0;
  return (values) => {
    const outAt = align(valuesAt + values.byteLength);
    if (values.length > capacity) {
      grownMemory(exports.memory, outAt + 26 * values.length);
      capacity = values.length;
    }
    new Float64Array(exports.memory.buffer, valuesAt, values.length).set(values);
    const length = exports.printReals(valuesAt, values.length, outAt);
    const text = Buffer.from(exports.memory.buffer, outAt, length).toString('latin1');
    return text.split('\n').slice(0, values.length);
  };
}

/** Bytes of output per call (a row that would not fit waits for the next call). */
const OUTPUT_BYTES = 1 << 20;
/** Room after the output and after the input: the module copies short runs as 16-byte words that may pass their end. */
const SLACK_BYTES = 64;

export class WasmTextEncoder {
  /** Just past the last row of the last call (its `]`), where it starts (its `[`), and where its output starts. */
  end = 0;
  lastRowStart = 0;
  lastRowOutput = 0;
  private readonly exports: Exports;
  private bytes: Uint8Array;
  private readonly kindsAt: number;
  private readonly prefixesAt: number;
  private readonly prefixEndsAt: number;
  private readonly outputAt: number;
  private readonly inputAt: number;
  private inputCapacity = 0;
  private readonly width: number;

  /** The encoder, or undefined without the module (KDM_ENGINE_WASM=0, not built) or when it does not start. */
  static for(columns: readonly ColumnSchema[], kinds: readonly number[], prefixes: readonly Buffer[], json: boolean): WasmTextEncoder | undefined {
    const module = loadEngineWasm('rowTextWasm');
    if (!module || columns.length === 0) return undefined;
    try {
      return new WasmTextEncoder(module, kinds, prefixes, json);
    } catch {
      return undefined;
    }
  }

  private constructor(module: WebAssembly.Module, kinds: readonly number[], prefixes: readonly Buffer[], private readonly json: boolean) {
    this.width = kinds.length;
    this.exports = new WebAssembly.Instance(module, {}).exports as unknown as Exports;
    let at = installTables(this.exports, align(Number(this.exports.__heap_base.value)));
    this.kindsAt = at;
    at = align(at + kinds.length);
    const prefixBytes = Buffer.concat(prefixes);
    this.prefixesAt = at;
    at = align(at + prefixBytes.length);
    this.prefixEndsAt = at;
    at = align(at + 4 * kinds.length);
    this.outputAt = at;
    at = align(at + OUTPUT_BYTES + SLACK_BYTES);
    this.inputAt = at;
    this.bytes = grownMemory(this.exports.memory, at);
    this.bytes.set(kinds, this.kindsAt);
    this.bytes.set(prefixBytes, this.prefixesAt);
    const ends = new Uint32Array(this.exports.memory.buffer, this.prefixEndsAt, kinds.length);
    let end = 0;
    prefixes.forEach((p, c) => (ends[c] = end += p.length));
  }

  /** Reals of 16-17 digits this encoder's module settled without computing their shortest digits (diagnostics, for the tests). */
  get shortestChecked(): number {
    return this.exports.shortestChecked();
  }

  private view(): Uint8Array {
    if (this.bytes.buffer !== this.exports.memory.buffer) this.bytes = new Uint8Array(this.exports.memory.buffer);
    return this.bytes;
  }

  /** Copies the first `length` bytes of `parts` into the module's memory; returns them there (valid until the next load). */
  load(parts: readonly Uint8Array[], length: number): Buffer {
    if (length + SLACK_BYTES > this.inputCapacity) {
      this.bytes = grownMemory(this.exports.memory, this.inputAt + length + SLACK_BYTES);
      this.inputCapacity = this.bytes.length - this.inputAt;
    }
    const view = this.view();
    let at = 0;
    for (const part of parts) {
      if (at >= length) break;
      const take = Math.min(part.length, length - at);
      view.set(take === part.length ? part : part.subarray(0, take), this.inputAt + at);
      at += take;
    }
    return Buffer.from(view.buffer, this.inputAt, length);
  }

  /**
   * Writes common-shape rows of the loaded span from `start` (a row's `[`) up to `n` (at most an
   * output's worth); returns the rows written (0: the row at `start` is not taken) and hands their
   * bytes to `sink`. `end`, `lastRowStart` and `lastRowOutput` (offset into those bytes) say where they stop.
   */
  encode(start: number, n: number, sink: (bytes: Uint8Array) => void): number {
    const e = this.exports;
    const rows = e.encodeRows(this.inputAt, start, n, this.outputAt, OUTPUT_BYTES, this.kindsAt, this.width, this.json ? 1 : 0, this.prefixesAt, this.prefixEndsAt);
    if (rows === 0) return 0;
    this.end = e.rowsEnd();
    this.lastRowStart = e.lastRowStart();
    this.lastRowOutput = e.lastRowOutput();
    const view = this.view();
    sink(view.subarray(this.outputAt, this.outputAt + e.outputEnd()));
    return rows;
  }
}
