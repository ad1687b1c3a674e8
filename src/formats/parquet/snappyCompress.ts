// A Snappy compressor (raw format, as Parquet's SNAPPY codec stores pages): the length as a
// varint, then literals and back-references found with a 4-byte hash within 64 KiB blocks.
// Written here because no small pure-JS compressor is worth a dependency; any Snappy decoder
// (pyarrow, Spark) is the judge of its output in test/spark/test_writers_pyarrow.py.

import { snappyCompressWasm, snappyCompressWasmOver } from './snappyWasm';

const BLOCK_SIZE = 1 << 16;
const HASH_BITS = 14;
const INPUT_MARGIN = 15;
const table = new Int32Array(1 << HASH_BITS);

export function maxSnappyLength(inputLength: number): number {
  return 32 + inputLength + Math.ceil(inputLength / 6);
}

export function snappyCompress(input: Uint8Array): Buffer {
  const viaWasm = snappyCompressWasm(input);
  if (viaWasm) return Buffer.from(viaWasm.buffer, 0, viaWasm.length);
  return snappyCompressJs(input);
}

/** The JavaScript compressor alone (what snappyWasm.c must match byte for byte). */
export function snappyCompressJs(input: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(maxSnappyLength(input.length));
  return out.subarray(0, snappyCompressInto(input, out));
}

/** One scratch output reused for every call of snappyCompressOwned: only the compressed bytes are kept. */
let scratch = new Uint8Array(0);

/** The compressed bytes in an ArrayBuffer of their own (transferable to another thread without a copy); parts are compressed as one input. */
export function snappyCompressOwned(parts: Uint8Array | readonly Uint8Array[]): Uint8Array<ArrayBuffer> {
  const viaWasm = snappyCompressWasm(parts);
  if (viaWasm) return viaWasm;
  const input = parts instanceof Uint8Array ? parts : Buffer.concat(parts);
  const needed = maxSnappyLength(input.length);
  if (scratch.length < needed) scratch = new Uint8Array(needed);
  return scratch.slice(0, snappyCompressInto(input, scratch));
}

/**
 * The compressed bytes over the start of `input`'s own ArrayBuffer when `input` spans all of it and
 * they fit (the caller gives the page up: the compression worker, whose pages were moved to it),
 * else in an ArrayBuffer of their own; transferable either way. The same bytes as snappyCompress.
 */
export function snappyCompressOver(input: Uint8Array<ArrayBuffer>): Uint8Array<ArrayBuffer> {
  return snappyCompressWasmOver(input) ?? snappyCompressOwned(input);
}

/** Compresses into `out` (at least maxSnappyLength(input.length) bytes); returns the length written. */
export function snappyCompressInto(input: Uint8Array, out: Uint8Array): number {
  let op = 0;
  let n = input.length;
  while (n >= 0x80) {
    out[op++] = (n & 0x7f) | 0x80;
    n >>>= 7;
  }
  out[op++] = n;
  const view = new DataView(input.buffer, input.byteOffset, input.byteLength);
  for (let start = 0; start < input.length; start += BLOCK_SIZE) {
    op = compressBlock(input, view, start, Math.min(input.length, start + BLOCK_SIZE), out, op);
  }
  return op;
}

function hash(v: number): number {
  return Math.imul(v, 0x1e35a7bd) >>> (32 - HASH_BITS);
}

// Words are read through a DataView: one unaligned little-endian load instead of four byte reads.
function compressBlock(input: Uint8Array, view: DataView, start: number, end: number, out: Uint8Array, opStart: number): number {
  let op = opStart;
  if (end - start < INPUT_MARGIN) return emitLiteral(input, start, end - start, out, op);
  table.fill(-1);
  const ipLimit = end - INPUT_MARGIN;
  let nextEmit = start;
  let ip = start + 1;
  table[hash(view.getInt32(start, true))] = start;
  outer: for (;;) {
    let skip = 32;
    let candidate: number;
    // Look for a 4-byte match; stride grows over incompressible data so it is skipped quickly.
    for (;;) {
      if (ip > ipLimit) break outer;
      const bytes = view.getInt32(ip, true);
      const h = hash(bytes);
      candidate = table[h];
      table[h] = ip;
      if (candidate >= 0 && view.getInt32(candidate, true) === bytes) break;
      ip += skip++ >> 5;
    }
    op = emitLiteral(input, nextEmit, ip - nextEmit, out, op);
    // Emit copies for as long as the next position matches again right away.
    for (;;) {
      let matched = 4;
      // Four bytes at a time; in the first word that differs, its equal low bytes are counted from
      // the lowest set bit of the XOR (little-endian); byte by byte only in the block's last three.
      let differs = 0;
      while (ip + matched + 4 <= end) {
        differs = view.getInt32(candidate + matched, true) ^ view.getInt32(ip + matched, true);
        if (differs !== 0) break;
        matched += 4;
      }
      if (differs !== 0) matched += (31 - Math.clz32(differs & -differs)) >>> 3;
      else while (ip + matched < end && input[candidate + matched] === input[ip + matched]) matched++;
      op = emitCopy(ip - candidate, matched, out, op);
      ip += matched;
      nextEmit = ip;
      if (ip >= ipLimit) break outer;
      table[hash(view.getInt32(ip - 1, true))] = ip - 1;
      const bytes = view.getInt32(ip, true);
      const h = hash(bytes);
      candidate = table[h];
      table[h] = ip;
      if (!(candidate >= 0 && view.getInt32(candidate, true) === bytes)) break;
    }
    ip++;
  }
  if (nextEmit < end) op = emitLiteral(input, nextEmit, end - nextEmit, out, op);
  return op;
}

function emitLiteral(input: Uint8Array, from: number, length: number, out: Uint8Array, opStart: number): number {
  if (length === 0) return opStart;
  let op = opStart;
  const n = length - 1;
  if (n < 60) out[op++] = n << 2;
  else if (n < 0x100) {
    out[op++] = 60 << 2;
    out[op++] = n;
  } else if (n < 0x10000) {
    out[op++] = 61 << 2;
    out[op++] = n & 0xff;
    out[op++] = n >>> 8;
  } else {
    out[op++] = 62 << 2;
    out[op++] = n & 0xff;
    out[op++] = (n >>> 8) & 0xff;
    out[op++] = n >>> 16;
  }
  if (length < 16) {
    for (let i = 0; i < length; i++) out[op + i] = input[from + i];
  } else out.set(input.subarray(from, from + length), op);
  return op + length;
}

function emitCopy(offset: number, length: number, out: Uint8Array, opStart: number): number {
  let op = opStart;
  let remaining = length;
  while (remaining >= 68) {
    op = emitCopyUpTo64(offset, 64, out, op);
    remaining -= 64;
  }
  if (remaining > 64) {
    op = emitCopyUpTo64(offset, 60, out, op);
    remaining -= 60;
  }
  return emitCopyUpTo64(offset, remaining, out, op);
}

function emitCopyUpTo64(offset: number, length: number, out: Uint8Array, opStart: number): number {
  let op = opStart;
  if (length >= 4 && length < 12 && offset < 2048) {
    out[op++] = 1 | ((length - 4) << 2) | ((offset >>> 8) << 5);
    out[op++] = offset & 0xff;
  } else {
    out[op++] = 2 | ((length - 1) << 2);
    out[op++] = offset & 0xff;
    out[op++] = offset >>> 8;
  }
  return op;
}
