// Just enough of Thrift's compact protocol to serialize Parquet's footer and page headers:
// structs, lists, i32/i64 (zigzag varints), bool, binary/string. Field ids are written as deltas.

export enum ThriftType {
  BoolTrue = 1,
  BoolFalse = 2,
  Byte = 3,
  I16 = 4,
  I32 = 5,
  I64 = 6,
  Double = 7,
  Binary = 8,
  List = 9,
  Set = 10,
  Map = 11,
  Struct = 12,
}

/** i64 fields of at most this magnitude are written from the number itself (2^51: their zigzag stays below 2^53). */
const I64_BY_NUMBER = 2 ** 51;

export class ThriftCompactWriter {
  private buf: Buffer;
  private pos = 0;
  private lastFieldId = 0;
  private readonly fieldIdStack: number[] = [];

  constructor(initialBytes = 256) {
    this.buf = Buffer.allocUnsafe(initialBytes);
  }

  /** A copy of the bytes written so far. */
  toBuffer(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.pos));
  }

  get length(): number {
    return this.pos;
  }

  fieldI32(id: number, value: number): this {
    this.fieldHeader(id, ThriftType.I32);
    this.varint32(zigzag32(value));
    return this;
  }

  fieldI16(id: number, value: number): this {
    this.fieldHeader(id, ThriftType.I16);
    this.varint32(zigzag32(value));
    return this;
  }

  fieldI64(id: number, value: number | bigint): this {
    this.fieldHeader(id, ThriftType.I64);
    this.ensure(10);
    this.pos = typeof value === 'number' ? putI64(this.buf, this.pos, value) : putVarint64(this.buf, this.pos, zigzag64(value));
    return this;
  }

  fieldBool(id: number, value: boolean): this {
    this.fieldHeader(id, value ? ThriftType.BoolTrue : ThriftType.BoolFalse);
    return this;
  }

  fieldByte(id: number, value: number): this {
    this.fieldHeader(id, ThriftType.Byte);
    this.byte(value & 0xff);
    return this;
  }

  fieldString(id: number, value: string): this {
    this.fieldHeader(id, ThriftType.Binary);
    this.binary(Buffer.from(value, 'utf8'));
    return this;
  }

  fieldBinary(id: number, value: Uint8Array): this {
    this.fieldHeader(id, ThriftType.Binary);
    this.binary(value);
    return this;
  }

  /** Opens a nested struct field; close it with structEnd(). */
  fieldStructBegin(id: number): this {
    this.fieldHeader(id, ThriftType.Struct);
    return this.structBegin();
  }

  /** Opens a struct that is a list element (no field header). */
  structBegin(): this {
    this.fieldIdStack.push(this.lastFieldId);
    this.lastFieldId = 0;
    return this;
  }

  structEnd(): this {
    this.byte(0); // STOP
    this.lastFieldId = this.fieldIdStack.pop() ?? 0;
    return this;
  }

  fieldListBegin(id: number, elementType: ThriftType, size: number): this {
    this.fieldHeader(id, ThriftType.List);
    if (size < 15) this.byte((size << 4) | elementType);
    else {
      this.byte(0xf0 | elementType);
      this.varint32(size);
    }
    return this;
  }

  listI32(value: number): this {
    this.varint32(zigzag32(value));
    return this;
  }

  /**
   * Appends bytes already in the compact protocol (a run of list elements or fields written
   * elsewhere, e.g. by parquetFormat's direct writers); the field ids around them are unchanged.
   */
  raw(bytes: Buffer): this {
    this.ensure(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
    return this;
  }

  listString(value: string): this {
    this.binary(Buffer.from(value, 'utf8'));
    return this;
  }

  private fieldHeader(id: number, type: ThriftType): void {
    const delta = id - this.lastFieldId;
    if (delta > 0 && delta <= 15) this.byte((delta << 4) | type);
    else {
      this.byte(type);
      this.varint32(zigzag32(id));
    }
    this.lastFieldId = id;
  }

  private binary(bytes: Uint8Array): void {
    this.varint32(bytes.length);
    this.ensure(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  private byte(value: number): void {
    this.ensure(1);
    this.buf[this.pos++] = value;
  }

  /** Unsigned LEB128 of a value in [0, 2^32). */
  private varint32(value: number): void {
    this.ensure(5);
    this.pos = putVarint32(this.buf, this.pos, value);
  }

  private ensure(extra: number): void {
    if (this.pos + extra <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + extra));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }
}

// The varints as functions of (buffer, position), returning the position after them: the writer
// above and parquetFormat's direct writers of page headers and row groups share them. Always
// given a Buffer (never a plain Uint8Array), so that their optimized code stays monomorphic.

/** Unsigned LEB128 of `value >>> 0` (a value in [0, 2^32)) at `at`, at most 5 bytes. */
export function putVarint32(out: Buffer, at: number, value: number): number {
  let v = value >>> 0;
  while (v >= 0x80) {
    out[at++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  out[at++] = v;
  return at;
}

/**
 * A Thrift i64 given as a number, zigzagged, at `at`: at most 10 bytes. Numbers of magnitude up to
 * 2^51 (every offset, size and count of a file) zigzag exactly as doubles (their zigzag stays below
 * 2^53): no bigint per field. Others (and non-integers, which throw as BigInt() does) go through a bigint.
 */
export function putI64(out: Buffer, at: number, value: number): number {
  if (value >= -I64_BY_NUMBER && value <= I64_BY_NUMBER && Number.isInteger(value)) {
    let v = value >= 0 ? value * 2 : -value * 2 - 1;
    while (v >= 0x80) {
      out[at++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    out[at++] = v;
    return at;
  }
  return putVarint64(out, at, zigzag64(BigInt(value)));
}

/** Unsigned LEB128 of a value in [0, 2^64) at `at`, at most 10 bytes. */
export function putVarint64(out: Buffer, at: number, value: bigint): number {
  let v = value;
  while (v >= 0x80n) {
    out[at++] = Number(v & 0x7fn) | 0x80;
    v >>= 7n;
  }
  out[at++] = Number(v);
  return at;
}

export function zigzag32(n: number): number {
  return ((n << 1) ^ (n >> 31)) >>> 0;
}

export function zigzag64(n: bigint): bigint {
  return BigInt.asUintN(64, (n << 1n) ^ (n >> 63n));
}
