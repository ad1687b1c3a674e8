// Decodes Thrift's compact protocol into a generic tree (struct = Map of field id → value), enough
// to read a Parquet footer: readers pick the fields they know and ignore the rest, so footers
// written by newer writers (extra fields) still read.

import { ThriftType } from './parquet/thriftCompactWriter';

export type ThriftValue = boolean | number | bigint | Buffer | ThriftValue[] | ThriftStruct | Map<ThriftValue, ThriftValue>;
export type ThriftStruct = Map<number, ThriftValue>;

// The type ids are the writer's (one definition of the wire format); 0 ends a struct.
const STRUCT_STOP = 0;

const MAX_DEPTH = 64;

export class ThriftCompactReader {
  pos = 0;

  constructor(private readonly buf: Buffer) {}

  private byte(): number {
    if (this.pos >= this.buf.length) throw new Error('Thrift data ends too early');
    return this.buf[this.pos++];
  }

  private varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const b = this.byte();
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
      if (shift > 70n) throw new Error('Thrift varint too long');
    }
  }

  private varint32(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = this.byte();
      result |= (b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result >>> 0;
      shift += 7;
      if (shift > 35) throw new Error('Thrift varint too long');
    }
  }

  private zigzag32(): number {
    const n = this.varint32();
    return (n >>> 1) ^ -(n & 1);
  }

  private zigzag64(): bigint {
    const n = this.varint();
    return (n >> 1n) ^ -(n & 1n);
  }

  private binary(): Buffer {
    const length = this.varint32();
    if (this.pos + length > this.buf.length) throw new Error('Thrift binary runs past the data');
    const out = this.buf.subarray(this.pos, this.pos + length);
    this.pos += length;
    return out;
  }

  private value(type: number, depth: number): ThriftValue {
    switch (type) {
      case ThriftType.BoolTrue:
        return true;
      case ThriftType.BoolFalse:
        return false;
      case ThriftType.Byte: {
        const b = this.byte();
        return b > 127 ? b - 256 : b;
      }
      case ThriftType.I16:
      case ThriftType.I32:
        return this.zigzag32();
      case ThriftType.I64: {
        const v = this.zigzag64();
        return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
      }
      case ThriftType.Double: {
        if (this.pos + 8 > this.buf.length) throw new Error('Thrift data ends too early');
        const v = this.buf.readDoubleLE(this.pos);
        this.pos += 8;
        return v;
      }
      case ThriftType.Binary:
        return this.binary();
      case ThriftType.List:
      case ThriftType.Set:
        return this.list(depth + 1);
      case ThriftType.Map:
        return this.map(depth + 1);
      case ThriftType.Struct:
        return this.struct(depth + 1);
      default:
        throw new Error(`unknown Thrift compact type ${type}`);
    }
  }

  private list(depth: number): ThriftValue[] {
    const header = this.byte();
    let size = header >> 4;
    const elementType = header & 0x0f;
    if (size === 15) size = this.varint32();
    if (size > this.buf.length) throw new Error('Thrift list is longer than the data');
    const out: ThriftValue[] = [];
    for (let i = 0; i < size; i++) {
      // In lists, booleans are one byte each (1 = true).
      if (elementType === ThriftType.BoolTrue || elementType === ThriftType.BoolFalse) out.push(this.byte() === 1);
      else out.push(this.value(elementType, depth));
    }
    return out;
  }

  private map(depth: number): Map<ThriftValue, ThriftValue> {
    const size = this.varint32();
    const out = new Map<ThriftValue, ThriftValue>();
    if (size === 0) return out;
    const types = this.byte();
    for (let i = 0; i < size; i++) out.set(this.value(types >> 4, depth), this.value(types & 0x0f, depth));
    return out;
  }

  /** Reads one struct (up to its stop byte). */
  struct(depth = 0): ThriftStruct {
    if (depth > MAX_DEPTH) throw new Error('Thrift structs nest too deeply');
    const out: ThriftStruct = new Map();
    let lastId = 0;
    for (;;) {
      const header = this.byte();
      if (header === STRUCT_STOP) return out;
      const delta = header >> 4;
      const type = header & 0x0f;
      const id = delta === 0 ? this.zigzag32() : lastId + delta;
      lastId = id;
      out.set(id, this.value(type, depth));
    }
  }
}

export function thriftInt(struct: ThriftStruct | undefined, id: number): number | undefined {
  const v = struct?.get(id);
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  return undefined;
}

export function thriftString(struct: ThriftStruct | undefined, id: number): string | undefined {
  const v = struct?.get(id);
  return Buffer.isBuffer(v) ? v.toString('utf8') : undefined;
}

export function thriftStruct(struct: ThriftStruct | undefined, id: number): ThriftStruct | undefined {
  const v = struct?.get(id);
  return v instanceof Map ? (v as ThriftStruct) : undefined;
}

export function thriftList(struct: ThriftStruct | undefined, id: number): ThriftValue[] {
  const v = struct?.get(id);
  return Array.isArray(v) ? v : [];
}

export function thriftBool(struct: ThriftStruct | undefined, id: number): boolean | undefined {
  const v = struct?.get(id);
  return typeof v === 'boolean' ? v : undefined;
}
