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
}

/** Bytes kept past a copied byte array (the module copies short values by 8-byte words). */
const MARGIN = 16;

/** Rows put into partition order by the module on this thread (diagnostics: tests check it does the work). */
let rowsGathered = 0;

export function rowsGatheredByWasm(): number {
  return rowsGathered;
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
   * Each buffer's rows in the order of `picks` (every row of the buffers once: their indexes,
   * grouped by partition). The views are into the module's memory: valid until the next call.
   */
  gather(buffers: readonly ColumnBuffer[], picks: Int32Array): GatheredColumn[] {
    const n = picks.length;
    const raws = buffers.map((b) => b.raw());
    // Layout: the picks, then per column its input (levels, values, ends) and its output
    // (levels, values, ends, present counts), and one scratch region for value indexes.
    let at = this.base;
    const picksAt = at;
    at = align(at + 4 * n);
    const scratchAt = at;
    at = align(at + 4 * (n + 1));
    const places = raws.map((raw) => {
      if (raw.defs.length !== n) throw new Error(`a column buffer holds ${raw.defs.length} rows, the picks ${n}`);
      const defs = at;
      at = align(at + n);
      const values = at;
      at = align(at + raw.values.length + MARGIN);
      const ends = raw.width === 0 ? at : 0;
      if (raw.width === 0) at = align(at + 4 * n);
      const outDefs = at;
      at = align(at + n);
      const outValues = at;
      at = align(at + raw.values.length + MARGIN);
      const outEnds = raw.width === 0 ? at : 0;
      if (raw.width === 0) at = align(at + 4 * n);
      const outPresent = raw.allPresent ? 0 : at;
      if (!raw.allPresent) at = align(at + 4 * (n + 1));
      return { defs, values, ends, outDefs, outValues, outEnds, outPresent };
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
