// Definition levels of a flat optional column (0 = null, 1 = value) in Parquet's RLE/bit-packed
// hybrid with bit width 1, prefixed by its 4-byte little-endian length as data page v1 wants.
// Runs of 8+ equal levels become RLE runs; mixed stretches become bit-packed groups of 8.
import { putVarint32 } from './thriftCompactWriter';

export function encodeDefinitionLevels(levels: Uint8Array, from: number, to: number): Buffer {
  const count = to - from;
  // Never more than one byte per level plus the longest header: runs of 8+ take <= 6 bytes, a
  // bit-packed stretch takes 5 header bytes (reserved while packing) plus one byte per 8 levels.
  const out = Buffer.allocUnsafe(4 + count + 16);
  let op = 4;
  let i = from;
  while (i < to) {
    // Length of the run of equal levels starting at i.
    const value = levels[i];
    let run = 1;
    while (i + run < to && levels[i + run] === value) run++;
    if (run >= 8 || i + run === to) {
      op = putVarint32(out, op, run << 1);
      out[op++] = value;
      i += run;
      continue;
    }
    // Bit-pack groups of 8 until a run of 8+ equal levels starts at a group boundary (or the end).
    const headerPos = op;
    op += 5; // room for the header varint, moved into place below
    let groups = 0;
    while (i < to) {
      let ahead = 1;
      while (ahead < 8 && i + ahead < to && levels[i + ahead] === levels[i]) ahead++;
      if (groups > 0 && ahead >= 8) break;
      let byte = 0;
      for (let bit = 0; bit < 8 && i + bit < to; bit++) byte |= levels[i + bit] << bit;
      out[op++] = byte;
      groups++;
      i = Math.min(to, i + 8);
    }
    const header = Buffer.allocUnsafe(5);
    const headerLength = putVarint32(header, 0, (groups << 1) | 1);
    out.copy(out, headerPos + headerLength, headerPos + 5, op);
    header.copy(out, headerPos, 0, headerLength);
    op -= 5 - headerLength;
  }
  out.writeUInt32LE(op - 4, 0);
  return out.subarray(0, op);
}

/** What encodeDefinitionLevels gives for `count` levels that are all 1 (no nulls): one RLE run, built directly. */
export function encodeAllPresent(count: number): Buffer {
  const out = Buffer.allocUnsafe(4 + 6);
  const op = putVarint32(out, 4, count * 2);
  out[op] = 1;
  out.writeUInt32LE(op + 1 - 4, 0);
  return out.subarray(0, op + 1);
}
