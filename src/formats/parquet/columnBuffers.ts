// One row group's values of one column, held in growable preallocated buffers (no per-value
// objects), then cut into data pages: RLE definition levels followed by PLAIN values.
import type { ColumnSchema, KustoType, KustoValue, RowBatch } from '../../engine/rows';
import { encodeAllPresent, encodeDefinitionLevels } from './definitionLevels';
import { ParquetValueError, setDatetimeMicros, setDecimal128, setTimespanTicks } from './kustoParquetValues';
import type { ColumnDescriptor } from './parquetFormat';
import { parquetColumnFor } from './kustoParquetTypes';

export interface PageBody {
  numValues: number;
  /** Uncompressed page content: definition levels then values (with `levels`: the values only). */
  body: Buffer;
  /** The page's definition levels, kept apart from `body` (a view of a column buffer's storage; see takePages). */
  levels?: Buffer;
}

/** Pages handed over by ColumnBuffer.takePages. */
export interface TakenPages {
  /** Each with `levels`; `body` views the storage given up. */
  pages: PageBody[];
  /** The ArrayBuffers given up: nobody else writes to them (they may be moved to another thread). */
  storage: ArrayBuffer[];
}

const INITIAL_ROWS = 4096;

/** Buffers grown by doubling as rows came (not sized ahead by reserveRows): diagnostics, tests check a partition file's first row group is sized ahead. */
let doublings = 0;

export function columnBufferDoublings(): number {
  return doublings;
}

/** Rows picked by index from column buffers (one per column of the file they go to), in the order of `picks`. */
export interface PickedRows {
  columns: readonly ColumnBuffer[];
  /** Each column's valueIndexes(). */
  valueIndexes: ReadonlyArray<Int32Array | undefined>;
  picks: Int32Array;
}

/**
 * A column's rows put into partition order elsewhere (rowGather.ts), in the layout of the
 * buffers' own parsed appends: each partition's rows are one run of it. Views valid until the next gather.
 */
export interface GatheredColumn {
  /** Definition level of each row. */
  defs: Uint8Array;
  /** Fixed width: the present rows' values, packed; byte arrays: their PLAIN bytes (length, then the bytes). */
  values: Uint8Array;
  /** Byte arrays: the bytes of `values` in use after each row. */
  ends?: Int32Array;
  /** With nulls: the present rows before each row (one entry more than the rows); without, row r's value is the r-th. */
  present?: Int32Array;
}

/** A buffer's contents as they are, for a bulk copy (rowGather.ts). */
export interface RawColumn {
  defs: Uint8Array;
  /** As GatheredColumn.values. */
  values: Uint8Array;
  /** Byte arrays: the bytes in use after each row. */
  ends?: Int32Array;
  /** Bytes per value; 0 for byte arrays. */
  width: number;
  allPresent: boolean;
}

export abstract class ColumnBuffer {
  readonly descriptor: ColumnDescriptor;
  protected defs = new Uint8Array(INITIAL_ROWS);
  rows = 0;
  protected nonNull = 0;

  constructor(readonly column: ColumnSchema) {
    this.descriptor = parquetColumnFor(column);
  }

  abstract append(batch: RowBatch, index: number, from: number, to: number): void;
  /** Approximate bytes buffered (values and levels). */
  abstract byteSize(): number;
  /** The pages, each its definition levels and values joined into one body (a copy: see takePages). */
  pages(pageBytes: number): PageBody[] {
    return this.pageViews(pageBytes).map(({ numValues, levels, body }) => ({ numValues, body: joinPage(levels as Buffer, body) }));
  }
  /** The pages, each with its definition levels apart and a view of its values in this buffer's storage. */
  protected abstract pageViews(pageBytes: number): PageBody[];
  /**
   * The pages of pages(), without copying their values: each is its definition levels and a view
   * of the values in this buffer's storage, which the buffer gives up with them (it takes new
   * storage of the same size for the rows that come after a reset), so the views stay as they are.
   */
  abstract takePages(pageBytes: number): TakenPages;
  /**
   * Appends the rows `picks[from..to)` of `source` (a buffer of the same column type), in that
   * order: how a row group parsed from the response's bytes is split between partition files.
   * `valueIndexes` is source.valueIndexes() (undefined when every value is present).
   */
  abstract appendPicked(source: ColumnBuffer, valueIndexes: Int32Array | undefined, picks: Int32Array, from: number, to: number): void;
  /** appendPicked for rows already in order: rows [from, to) of a gathered column of the same type. */
  abstract appendGathered(source: GatheredColumn, from: number, to: number): void;
  /** The rows buffered, as they are (views valid until the next append or reset). */
  abstract raw(): RawColumn;
  /** Row r's value as the text parser gives it (null, a number, bigint beyond 2^53, boolean or string): a partition value. */
  abstract valueAt(r: number, valueIndexes: Int32Array | undefined): KustoValue;

  /** For each row, the index of its value among the non-null ones; undefined when there are no nulls (the row's own index). */
  valueIndexes(): Int32Array | undefined {
    if (this.nonNull === this.rows) return undefined;
    const out = new Int32Array(this.rows);
    let n = 0;
    for (let r = 0; r < this.rows; r++) {
      out[r] = n;
      n += this.defs[r];
    }
    return out;
  }

  /** Whether row r holds a value (definition level 1). */
  isPresent(r: number): boolean {
    return this.defs[r] === 1;
  }

  protected checkSameColumn(source: ColumnBuffer): void {
    if (source.column.type !== this.column.type) throw new Error(`rows of a ${source.column.type} column cannot go into the ${this.column.type} column "${this.column.name}"`);
  }

  reset(): void {
    this.rows = 0;
    this.nonNull = 0;
  }

  /**
   * Room for `rows` rows in all (values of a fixed width too), made now in one step rather than by
   * doubling as rows come: a row group whose size is known ahead is not copied at each doubling.
   */
  reserveRows(rows: number): void {
    if (rows > this.defs.length) this.ensureRows(rows - this.rows, true);
  }

  protected ensureRows(extra: number, exact = false): void {
    if (this.rows + extra <= this.defs.length) return;
    if (!exact) doublings++;
    const next = new Uint8Array(exact ? this.rows + extra : Math.max(this.defs.length * 2, this.rows + extra));
    next.set(this.defs.subarray(0, this.rows));
    this.defs = next;
    this.onRowsGrown(next.length);
  }

  protected onRowsGrown(_capacity: number): void {}

  /** Takes back the last value appended (a row parsed half-way from bytes, then left to the exact parser). */
  dropLast(): void {
    this.rows--;
    if (this.defs[this.rows] === 1) this.nonNull--;
  }

  /** Definition levels of rows [r0, r1): without nulls (the usual case) one run, built without a scan. */
  protected levelsOf(r0: number, r1: number): Buffer {
    return this.nonNull === this.rows ? encodeAllPresent(r1 - r0) : encodeDefinitionLevels(this.defs, r0, r1);
  }

  protected invalid(value: unknown): ParquetValueError {
    const shown = typeof value === 'string' ? JSON.stringify(value.length > 80 ? value.slice(0, 80) + '…' : value) : String(value);
    return new ParquetValueError(`column "${this.column.name}" (${this.column.type}): ${shown} is not a valid ${this.column.type} value`);
  }
}

/** bool, int, long, real, datetime, timespan, decimal: a fixed number of bytes per non-null value. */
export class FixedWidthColumn extends ColumnBuffer {
  private readonly width: number;
  private bytes: Uint8Array;
  private words: Int32Array;
  private doubles: Float64Array;
  private longs: BigInt64Array;

  constructor(column: ColumnSchema) {
    super(column);
    this.width = fixedWidthOf(column.type);
    const buffer = new ArrayBuffer(INITIAL_ROWS * this.width);
    this.bytes = new Uint8Array(buffer);
    this.words = new Int32Array(buffer, 0, (buffer.byteLength >> 2));
    this.doubles = new Float64Array(buffer, 0, buffer.byteLength >> 3);
    this.longs = new BigInt64Array(buffer, 0, buffer.byteLength >> 3);
  }

  protected override onRowsGrown(capacity: number): void {
    const buffer = new ArrayBuffer(capacity * this.width);
    new Uint8Array(buffer).set(this.bytes.subarray(0, this.nonNull * this.width));
    this.setStorage(buffer);
  }

  private setStorage(buffer: ArrayBuffer): void {
    this.bytes = new Uint8Array(buffer);
    this.words = new Int32Array(buffer, 0, buffer.byteLength >> 2);
    this.doubles = new Float64Array(buffer, 0, buffer.byteLength >> 3);
    this.longs = new BigInt64Array(buffer, 0, buffer.byteLength >> 3);
  }

  byteSize(): number {
    return this.rows + this.nonNull * this.width;
  }

  append(batch: RowBatch, index: number, from: number, to: number): void {
    this.ensureRows(to - from);
    const defs = this.defs;
    let rows = this.rows;
    let n = this.nonNull;
    switch (this.column.type) {
      case 'bool':
        for (let r = from; r < to; r++) {
          const v = batch[r][index];
          if (v === null || v === undefined) defs[rows++] = 0;
          else {
            defs[rows++] = 1;
            this.bytes[n++] = v === true || v === 1 ? 1 : 0;
          }
        }
        break;
      case 'int': {
        const words = this.words;
        for (let r = from; r < to; r++) {
          const v = batch[r][index];
          if (v === null || v === undefined) defs[rows++] = 0;
          else {
            if (typeof v !== 'number' && typeof v !== 'bigint') throw this.invalid(v);
            defs[rows++] = 1;
            words[n++] = Number(v);
          }
        }
        break;
      }
      case 'long': {
        const longs = this.longs;
        const words = this.words;
        for (let r = from; r < to; r++) {
          const v = batch[r][index];
          if (v === null || v === undefined) defs[rows++] = 0;
          else {
            defs[rows++] = 1;
            if (typeof v === 'number' && Number.isSafeInteger(v)) {
              putSafeLong(words, n++, v);
            } else if (typeof v === 'bigint') longs[n++] = v;
            else throw this.invalid(v);
          }
        }
        break;
      }
      case 'real': {
        const doubles = this.doubles;
        for (let r = from; r < to; r++) {
          const v = batch[r][index];
          if (v === null || v === undefined) defs[rows++] = 0;
          else {
            defs[rows++] = 1;
            doubles[n++] = typeof v === 'number' ? v : Number(v);
          }
        }
        break;
      }
      case 'datetime':
      case 'timespan': {
        const words = this.words;
        const set = this.column.type === 'datetime' ? setDatetimeMicros : setTimespanTicks;
        for (let r = from; r < to; r++) {
          const v = batch[r][index];
          if (v === null || v === undefined) defs[rows++] = 0;
          else {
            if (typeof v !== 'string' || !set(words, n, v)) throw this.invalid(v);
            defs[rows++] = 1;
            n++;
          }
        }
        break;
      }
      case 'decimal':
        for (let r = from; r < to; r++) {
          const v = batch[r][index];
          if (v === null || v === undefined) defs[rows++] = 0;
          else {
            try {
              setDecimal128(this.bytes, n * 16, typeof v === 'string' ? v : String(v));
            } catch (err) {
              throw new ParquetValueError(`column "${this.column.name}" (decimal): ${(err as Error).message}`);
            }
            defs[rows++] = 1;
            n++;
          }
        }
        break;
      default:
        throw new Error(`no fixed-width Parquet encoding for ${this.column.type}`);
    }
    this.rows = rows;
    this.nonNull = n;
  }

  /**
   * Rows parsed elsewhere (rowSpanWasm.ts): their definition levels, and their non-null values
   * packed in this column's layout.
   */
  appendParsed(defs: Uint8Array, values: Uint8Array, rows: number, nonNull: number): void {
    this.ensureRows(rows);
    this.defs.set(defs, this.rows);
    this.bytes.set(values, this.nonNull * this.width);
    this.rows += rows;
    this.nonNull += nonNull;
  }

  appendGathered(source: GatheredColumn, from: number, to: number): void {
    const n0 = source.present ? source.present[from] : from;
    const n1 = source.present ? source.present[to] : to;
    this.appendParsed(source.defs.subarray(from, to), source.values.subarray(n0 * this.width, n1 * this.width), to - from, n1 - n0);
  }

  raw(): RawColumn {
    return { defs: this.defs.subarray(0, this.rows), values: this.bytes.subarray(0, this.nonNull * this.width), width: this.width, allPresent: this.nonNull === this.rows };
  }

  appendPicked(source: ColumnBuffer, valueIndexes: Int32Array | undefined, picks: Int32Array, from: number, to: number): void {
    this.checkSameColumn(source);
    const from_ = source as FixedWidthColumn;
    this.ensureRows(to - from);
    const defs = this.defs;
    const sourceDefs = from_.defs;
    let rows = this.rows;
    let n = this.nonNull;
    if (this.width === 1) {
      const out = this.bytes;
      const values = from_.bytes;
      for (let k = from; k < to; k++) {
        const r = picks[k];
        const present = sourceDefs[r];
        defs[rows++] = present;
        if (present === 1) out[n++] = values[valueIndexes ? valueIndexes[r] : r];
      }
    } else {
      // Copied as 32-bit words, never as doubles: a NaN's bits stay exactly as parsed.
      const wordsPerValue = this.width >> 2;
      const out = this.words;
      const values = from_.words;
      for (let k = from; k < to; k++) {
        const r = picks[k];
        const present = sourceDefs[r];
        defs[rows++] = present;
        if (present === 1) {
          const at = (valueIndexes ? valueIndexes[r] : r) * wordsPerValue;
          const to_ = n++ * wordsPerValue;
          for (let w = 0; w < wordsPerValue; w++) out[to_ + w] = values[at + w];
        }
      }
    }
    this.rows = rows;
    this.nonNull = n;
  }

  valueAt(r: number, valueIndexes: Int32Array | undefined): KustoValue {
    if (this.defs[r] !== 1) return null;
    const v = valueIndexes ? valueIndexes[r] : r;
    switch (this.column.type) {
      case 'bool':
        return this.bytes[v] === 1;
      case 'int':
        return this.words[v];
      case 'long': {
        // Exact as a double below 2^53 in magnitude (the text parser's number); a bigint beyond.
        const high = this.words[2 * v + 1];
        return high >= -0x200000 && high < 0x200000 ? high * 4294967296 + (this.words[2 * v] >>> 0) : this.longs[v];
      }
      case 'real':
        return this.doubles[v];
      default:
        throw new Error(`a ${this.column.type} value is not read back from its buffer`);
    }
  }

  takePages(pageBytes: number): TakenPages {
    const pages = this.pageViews(pageBytes);
    const storage = [this.bytes.buffer as ArrayBuffer];
    // Rows that come next go to storage of their own, of the same size (not zeroed: only what is written is read).
    this.setStorage(Buffer.allocUnsafeSlow(this.bytes.length).buffer as ArrayBuffer);
    return { pages, storage };
  }

  /** The pages, each its levels and a view of its values (booleans: packed into a buffer of their own). */
  protected override pageViews(pageBytes: number): PageBody[] {
    const rowsPerPage = Math.max(1, Math.floor(pageBytes / this.width));
    const result: PageBody[] = [];
    let valueStart = 0;
    for (let r0 = 0; r0 < this.rows; r0 += rowsPerPage) {
      const r1 = Math.min(this.rows, r0 + rowsPerPage);
      let count = r1 - r0;
      if (this.nonNull !== this.rows) {
        count = 0;
        for (let r = r0; r < r1; r++) count += this.defs[r];
      }
      const levels = this.levelsOf(r0, r1);
      const values =
        this.column.type === 'bool'
          ? packBits(this.bytes, valueStart, valueStart + count)
          : Buffer.from(this.bytes.buffer, this.bytes.byteOffset + valueStart * this.width, count * this.width);
      result.push({ numValues: r1 - r0, levels, body: values });
      valueStart += count;
    }
    return result;
  }
}

/** string, guid, dynamic: PLAIN BYTE_ARRAY, i.e. a 4-byte length then the UTF-8 bytes, per value. */
export class ByteArrayColumn extends ColumnBuffer {
  private data = Buffer.allocUnsafe(64 * 1024);
  private used = 0;
  /** Bytes of `data` in use after each row: lets pages be cut by size. */
  private ends = new Int32Array(INITIAL_ROWS);

  protected override onRowsGrown(capacity: number): void {
    const ends = new Int32Array(capacity);
    ends.set(this.ends.subarray(0, this.rows));
    this.ends = ends;
  }

  byteSize(): number {
    return this.rows * 5 + this.used;
  }

  override reset(): void {
    super.reset();
    this.used = 0;
  }

  override dropLast(): void {
    super.dropLast();
    this.used = this.rows > 0 ? this.ends[this.rows - 1] : 0;
  }

  /** Also room for the values' bytes of that many rows, at the bytes per row so far. */
  override reserveRows(rows: number): void {
    super.reserveRows(rows);
    if (this.rows === 0 || rows <= this.rows) return;
    const bytes = Math.ceil((this.used / this.rows) * rows);
    if (bytes > this.data.length) this.grow(bytes - this.used, true);
  }

  /**
   * Rows parsed elsewhere (rowSpanWasm.ts): their definition levels, their PLAIN bytes (a length,
   * then the value, per non-null row) and, per row, the bytes of `data` in use after it
   * (counted from `endsFrom`: where `data` starts in the array `ends` refers to).
   */
  appendParsed(defs: Uint8Array, data: Uint8Array, ends: Int32Array, rows: number, nonNull: number, endsFrom = 0): void {
    this.ensureRows(rows);
    if (this.used + data.length > this.data.length) this.grow(data.length);
    this.data.set(data, this.used);
    this.defs.set(defs, this.rows);
    const base = this.used - endsFrom;
    const out = this.ends;
    const r0 = this.rows;
    for (let k = 0; k < rows; k++) out[r0 + k] = base + ends[k];
    this.rows += rows;
    this.nonNull += nonNull;
    this.used += data.length;
  }

  append(batch: RowBatch, index: number, from: number, to: number): void {
    this.ensureRows(to - from);
    const defs = this.defs;
    const ends = this.ends;
    for (let r = from; r < to; r++) {
      const v = batch[r][index];
      if (v === null || v === undefined) {
        defs[this.rows] = 0;
      } else {
        defs[this.rows] = 1;
        this.nonNull++;
        this.appendText(typeof v === 'string' ? v : String(v));
      }
      ends[this.rows++] = this.used;
    }
  }

  appendGathered(source: GatheredColumn, from: number, to: number): void {
    const ends = source.ends as Int32Array;
    const b0 = from > 0 ? ends[from - 1] : 0;
    const b1 = to > 0 ? ends[to - 1] : 0;
    const n0 = source.present ? source.present[from] : from;
    const n1 = source.present ? source.present[to] : to;
    this.appendParsed(source.defs.subarray(from, to), source.values.subarray(b0, b1), ends.subarray(from, to), to - from, n1 - n0, b0);
  }

  raw(): RawColumn {
    return { defs: this.defs.subarray(0, this.rows), values: this.data.subarray(0, this.used), ends: this.ends.subarray(0, this.rows), width: 0, allPresent: this.nonNull === this.rows };
  }

  appendPicked(source: ColumnBuffer, _valueIndexes: Int32Array | undefined, picks: Int32Array, from: number, to: number): void {
    this.checkSameColumn(source);
    const from_ = source as ByteArrayColumn;
    this.ensureRows(to - from);
    const defs = this.defs;
    const ends = this.ends;
    const sourceDefs = from_.defs;
    const sourceEnds = from_.ends;
    const sourceData = from_.data;
    let rows = this.rows;
    let used = this.used;
    let n = this.nonNull;
    for (let k = from; k < to; k++) {
      const r = picks[k];
      const start = r > 0 ? sourceEnds[r - 1] : 0;
      const length = sourceEnds[r] - start;
      if (used + length > this.data.length) {
        this.used = used;
        this.grow(length);
      }
      const data = this.data;
      // Short values (length prefix and a few bytes) by hand: cheaper than a subarray and a copy call.
      if (length <= 24) for (let b = 0; b < length; b++) data[used + b] = sourceData[start + b];
      else data.set(sourceData.subarray(start, start + length), used);
      used += length;
      const present = sourceDefs[r];
      defs[rows] = present;
      n += present;
      ends[rows++] = used;
    }
    this.rows = rows;
    this.used = used;
    this.nonNull = n;
  }

  valueAt(r: number): KustoValue {
    if (this.defs[r] !== 1) return null;
    const start = r > 0 ? this.ends[r - 1] : 0;
    return this.data.toString('utf8', start + 4, this.ends[r]);
  }

  private appendText(text: string): void {
    const length = text.length;
    if (this.used + 4 + length * 3 > this.data.length) this.grow(4 + length * 3);
    const data = this.data;
    const start = this.used + 4;
    let written = 0;
    // Short ASCII strings are copied by hand: cheaper than a call into Buffer.write.
    if (length <= 32) {
      let i = 0;
      for (; i < length; i++) {
        const c = text.charCodeAt(i);
        if (c >= 0x80) break;
        data[start + i] = c;
      }
      written = i === length ? length : data.write(text, start, 'utf8');
    } else {
      written = data.write(text, start, 'utf8');
    }
    putLength(data, this.used, written);
    this.used = start + written;
  }

  private grow(extra: number, exact = false): void {
    if (!exact) doublings++;
    const next = Buffer.allocUnsafe(exact ? this.used + extra : Math.max(this.data.length * 2, this.used + extra));
    this.data.copy(next, 0, 0, this.used);
    this.data = next;
  }

  takePages(pageBytes: number): TakenPages {
    const pages = this.pageViews(pageBytes);
    const storage = [this.data.buffer as ArrayBuffer];
    // Not zeroed: only the bytes written are read.
    this.data = Buffer.allocUnsafeSlow(this.data.length);
    return { pages, storage };
  }

  /** The pages, each its levels and a view of its values' bytes. */
  protected override pageViews(pageBytes: number): PageBody[] {
    const result: PageBody[] = [];
    let r0 = 0;
    let byteStart = 0;
    while (r0 < this.rows) {
      // The page ends after the first row that brings it to pageBytes (or at the last row):
      // `ends` only grows, so a binary search finds that row.
      let r1 = r0 + 1;
      let last = this.rows;
      while (r1 < last) {
        const middle = (r1 + last) >>> 1;
        if (this.ends[middle - 1] - byteStart < pageBytes) r1 = middle + 1;
        else last = middle;
      }
      const byteEnd = this.ends[r1 - 1];
      result.push({ numValues: r1 - r0, levels: this.levelsOf(r0, r1), body: this.data.subarray(byteStart, byteEnd) });
      r0 = r1;
      byteStart = byteEnd;
    }
    return result;
  }
}

/**
 * A page's levels and values in one new buffer of its own (so it can move to the compression
 * worker whole). Not Buffer.concat: its general code (pool, checks per part) was, in the 1 M-row
 * partitioned job, about 1,200 calls and one of its largest optimizing compiles (17 ms, with
 * allocUnsafe's 6 ms), for two parts each time.
 */
function joinPage(levels: Uint8Array, body: Uint8Array): Buffer {
  const out = Buffer.allocUnsafeSlow(levels.length + body.length);
  out.set(levels, 0);
  out.set(body, levels.length);
  return out;
}

/** A BYTE_ARRAY value's 4-byte little-endian length at data[at]. */
function putLength(data: Uint8Array, at: number, length: number): void {
  data[at] = length & 0xff;
  data[at + 1] = (length >>> 8) & 0xff;
  data[at + 2] = (length >>> 16) & 0xff;
  data[at + 3] = length >>> 24;
}

/** An exact integer (|value| < 2^53) as the two little-endian 32-bit words of an INT64 at `index`, from exact double arithmetic: no bigint per value. */
function putSafeLong(words: Int32Array, index: number, value: number): void {
  const high = Math.floor(value / 4294967296);
  words[2 * index] = (value - high * 4294967296) | 0;
  words[2 * index + 1] = high | 0;
}

export function createColumnBuffer(column: ColumnSchema): ColumnBuffer {
  return column.type === 'string' || column.type === 'guid' || column.type === 'dynamic' ? new ByteArrayColumn(column) : new FixedWidthColumn(column);
}

/** Bytes per non-null value of a fixed-width column's PLAIN values. */
export function fixedWidthOf(type: KustoType): number {
  switch (type) {
    case 'bool':
      return 1;
    case 'int':
      return 4;
    case 'decimal':
      return 16;
    default:
      return 8;
  }
}

/**
 * PLAIN booleans: one bit per value, least significant bit first. Eight values (each 0 or 1) make
 * one byte in one store; only the last byte is built bit by bit (about half the time of a
 * read-modify-write per value, once optimized: 9 against 20 µs for a page of 6,700 values).
 */
function packBits(values: Uint8Array, from: number, to: number): Buffer {
  const out = Buffer.alloc(Math.ceil((to - from) / 8));
  let i = from;
  let o = 0;
  for (; i + 8 <= to; i += 8) {
    out[o++] = values[i] | (values[i + 1] << 1) | (values[i + 2] << 2) | (values[i + 3] << 3) | (values[i + 4] << 4) | (values[i + 5] << 5) | (values[i + 6] << 6) | (values[i + 7] << 7);
  }
  for (let bit = 0; i < to; i++, bit++) out[o] |= values[i] << bit;
  return out;
}
