// Parquet with partitionBy: the rows of a parsed span put into partition order by the
// WebAssembly module rowGatherWasm.c (see there), so that each partition's file appends its rows
// as one run (ColumnBuffer.appendGathered) rather than value by value (appendPicked). Without the
// module (KDM_ENGINE_WASM=0, not built) the caller picks rows in JavaScript: the same bytes.
import type { ColumnBuffer, GatheredColumn } from './columnBuffers';
import { align16 as align, grownMemory, loadEngineWasm } from './engineWasm';

interface Exports {
  memory: WebAssembly.Memory;
  __heap_base: WebAssembly.Global;
  gatherFixed(defs: number, values: number, rows: number, width: number, picks: number, n: number, outDefs: number, outValues: number, scratch: number, outPresent: number): void;
  gatherVarying(defs: number, data: number, ends: number, picks: number, n: number, outDefs: number, outData: number, outEnds: number, outPresent: number): void;
  routeSmallInts(defs: number, values: number, rows: number, allPresent: number, table: number, slotOf: number, firstRows: number, starts: number, picks: number): number;
}

/**
 * rowGatherWasm.c's SMALL_INTS (hard-coded there too; rowGather.test.ts fails if the two differ):
 * int partition values it routes are from 0 to this (exclusive). The JavaScript routing
 * (SparkFolderWriter) keys the same values by a table of this size.
 */
export const SMALL_INTS = 4096;

/** Rows grouped by partition (see RowGather.routeSmallInts). */
export interface RoutedRows {
  /** Per partition slot (in the order their value first appears), a row that has its value. */
  firstRows: Int32Array;
  /** The rows' indexes grouped by slot, in row order within a slot. */
  picks: Int32Array;
  /** Slot s's picks start at starts[s] (one entry more than the slots). */
  starts: Int32Array;
}

/** Bytes kept past a copied byte array (the module copies short values by 8-byte words). */
const MARGIN = 16;

/** Rows put into partition order by the module on this thread (diagnostics: tests check it does the work). */
let rowsGathered = 0;

export function rowsGatheredByWasm(): number {
  return rowsGathered;
}

/** Rows routed to partitions by the module on this thread (diagnostics, as rowsGatheredByWasm). */
let rowsRouted = 0;

export function rowsRoutedByWasm(): number {
  return rowsRouted;
}

export class RowGather {
  private readonly exports: Exports;
  private readonly base: number;
  private bytes: Uint8Array;

  /** A gatherer, or undefined without the module. */
  static create(): RowGather | undefined {
    const module = loadEngineWasm('rowGatherWasm');
    if (!module) return undefined;
    try {
      return new RowGather(new WebAssembly.Instance(module, {}).exports as unknown as Exports);
    } catch {
      return undefined;
    }
  }

  private constructor(exports: Exports) {
    this.exports = exports;
    this.base = align(Number(exports.__heap_base.value));
    this.bytes = new Uint8Array(exports.memory.buffer);
  }

  /**
   * The rows of an int partition column grouped by its value, when every value is from 0 to
   * SMALL_INTS (exclusive) or null; undefined otherwise (the caller routes them). Copies of their own.
   */
  routeSmallInts(buffer: ColumnBuffer): RoutedRows | undefined {
    const raw = buffer.raw();
    if (raw.width !== 4) throw new Error('routeSmallInts takes an int column');
    const rows = raw.defs.length;
    let at = this.base;
    const defs = at;
    at = align(at + rows);
    const values = at;
    at = align(at + raw.values.length);
    const table = at;
    at = align(at + 4 * (SMALL_INTS + 1));
    const slotOf = at;
    at = align(at + 4 * rows);
    const firstRows = at;
    at = align(at + 4 * (SMALL_INTS + 1));
    const starts = at;
    at = align(at + 4 * (SMALL_INTS + 2));
    const picks = at;
    at = align(at + 4 * rows);
    this.bytes = grownMemory(this.exports.memory, at);
    this.bytes.set(raw.defs, defs);
    this.bytes.set(raw.values, values);
    const slots = this.exports.routeSmallInts(defs, values, rows, raw.allPresent ? 1 : 0, table, slotOf, firstRows, starts, picks);
    if (slots < 0) return undefined;
    rowsRouted += rows;
    const memory = this.bytes.buffer;
    return {
      firstRows: new Int32Array(memory, firstRows, slots).slice(),
      picks: new Int32Array(memory, picks, rows).slice(),
      starts: new Int32Array(memory, starts, slots + 1).slice(),
    };
  }

  /**
   * Each buffer's rows in the order of `picks` (every row of the buffers once: their indexes,
   * grouped by partition). The views are into the module's memory: valid until the next call.
   */
  gather(buffers: readonly ColumnBuffer[], picks: Int32Array): GatheredColumn[] {
    const n = picks.length;
    const raws = buffers.map((b) => b.raw());
    // Layout: the picks, one scratch region for value indexes, one input region (levels,
    // values, ends) that each column is copied into in turn, then per column its output (levels,
    // values, ends, present counts), which must all stay until the partitions have appended them.
    let at = this.base;
    const picksAt = at;
    at = align(at + 4 * n);
    const scratchAt = at;
    at = align(at + 4 * (n + 1));
    const defs = at;
    at = align(at + n);
    const ends = at;
    at = align(at + 4 * n);
    const values = at;
    let largest = 0;
    for (const raw of raws) largest = Math.max(largest, raw.values.length);
    at = align(at + largest + MARGIN);
    const places = raws.map((raw) => {
      if (raw.defs.length !== n) throw new Error(`a column buffer holds ${raw.defs.length} rows, the picks ${n}`);
      const outDefs = at;
      at = align(at + n);
      const outValues = at;
      at = align(at + raw.values.length + MARGIN);
      const outEnds = raw.width === 0 ? at : 0;
      if (raw.width === 0) at = align(at + 4 * n);
      const outPresent = raw.allPresent ? 0 : at;
      if (!raw.allPresent) at = align(at + 4 * (n + 1));
      return { defs, values, ends: raw.width === 0 ? ends : 0, outDefs, outValues, outEnds, outPresent };
    });
    this.bytes = grownMemory(this.exports.memory, at);
    const bytes = this.bytes;
    const memory = bytes.buffer;
    new Int32Array(memory, picksAt, n).set(picks);
    const out: GatheredColumn[] = [];
    for (let c = 0; c < raws.length; c++) {
      const raw = raws[c];
      const place = places[c];
      bytes.set(raw.defs, place.defs);
      bytes.set(raw.values, place.values);
      if (raw.width > 0) {
        this.exports.gatherFixed(place.defs, place.values, n, raw.width, picksAt, n, place.outDefs, place.outValues, raw.allPresent ? 0 : scratchAt, place.outPresent);
        out.push({
          defs: bytes.subarray(place.outDefs, place.outDefs + n),
          values: bytes.subarray(place.outValues, place.outValues + raw.values.length),
          present: raw.allPresent ? undefined : new Int32Array(memory, place.outPresent, n + 1),
        });
      } else {
        new Int32Array(memory, place.ends, n).set(raw.ends as Int32Array);
        this.exports.gatherVarying(place.defs, place.values, place.ends, picksAt, n, place.outDefs, place.outValues, place.outEnds, place.outPresent);
        out.push({
          defs: bytes.subarray(place.outDefs, place.outDefs + n),
          values: bytes.subarray(place.outValues, place.outValues + raw.values.length),
          ends: new Int32Array(memory, place.outEnds, n),
          present: raw.allPresent ? undefined : new Int32Array(memory, place.outPresent, n + 1),
        });
      }
    }
    rowsGathered += n;
    return out;
  }
}
